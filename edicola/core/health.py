"""Liveness and readiness, for load balancers and process supervisors.

`/healthz` answers "ok" as long as the web process runs (liveness: restart me if this fails).
`/readyz` checks what every page needs, the database, the cache and the task queue, and answers
200 when all three work, else 503 with a small JSON body naming what failed (readiness: send me
no readers). Neither is ever cached: not by the page cache, a CDN or a browser.
"""

import logging
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key, value = "readyz:probe", secrets.token_hex(8)
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")


def check_queue() -> None:
    """The task queue answers: Redis behind each RQ queue, or the database backend's table."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_rq."):
        from django_rq.queues import get_redis_connection

        for name in settings.TASKS["default"].get("QUEUES", ["default"]):
            get_redis_connection(settings.RQ_QUEUES[name]).ping()
    elif backend.startswith("django_tasks_db."):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.only("pk").first()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "queue": check_queue,
}


def readiness() -> dict[str, str]:
    """Each check's outcome: "ok", or the kind of error it met (never a secret or address)."""
    outcomes = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:
            logger.warning("Readiness check %s failed: %s", name, error)
            outcomes[name] = type(error).__name__
        else:
            outcomes[name] = "ok"
    return outcomes


@never_cache
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    checks = readiness()
    failed = [name for name, outcome in checks.items() if outcome != "ok"]
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
