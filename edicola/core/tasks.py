"""Enqueueing background tasks after commit: the one way Edicola starts a task.

`enqueue_after_commit(task, *args, **kwargs)` hands the task to the backend once the current
transaction commits (at once outside a transaction), so a worker never looks for a row that is
not committed yet, and a rolled-back change starts no work. A failing enqueue (the queue is
down) is logged and does not undo the committed change: every durable queue of ours has a
sweep on the clock that picks up what a lost enqueue left behind. `queue_depth()` counts what
waits, for the metrics.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.tasks import TaskResultStatus

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Enqueue `task` with these arguments (ids and strings) after the transaction commits."""

    def enqueue() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:
            logger.exception("Could not enqueue %s; the clock's sweep will pick it up.", task)

    transaction.on_commit(enqueue)


def after_commit(function, *args, **kwargs) -> None:
    """Run `function(*args, **kwargs)` once the transaction commits (for non-task work such as
    retiring cached pages or sending a signal)."""
    transaction.on_commit(lambda: function(*args, **kwargs))


def queue_depth() -> dict[str, int]:
    """Tasks waiting to run, per queue, on the configured backend (database or RQ)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY).values("queue_name")
        waiting = dict.fromkeys(settings.TASKS["default"].get("QUEUES") or ["default"], 0)
        waiting.update({row["queue_name"]: row["n"] for row in rows.annotate(n=Count("id"))})
        return waiting
    if backend == "django_tasks_rq.RQBackend":
        import django_rq

        names = settings.TASKS["default"].get("QUEUES") or ["default"]
        return {name: django_rq.get_queue(name).count for name in names}
    return {}
