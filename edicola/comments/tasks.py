"""Background entry points of the discussion: load by id, call a service, nothing more.

The services announce what happened with the signals of signals.py; the receivers here enqueue
the work after the transaction commits (edicola.core.tasks), so services never import tasks.
`tick()` is the discussion's job on `edicola clock` (registered by CommentsConfig.ready()).
"""

from django.dispatch import receiver
from django.tasks import task

from edicola.core.tasks import enqueue_after_commit

from . import delivery, digests, notices, notifications, privacy
from .conf import conf
from .signals import comment_held, comments_approved


@task()
def purge_networks_task() -> int:
    """Clear networks past retention (privacy.purge_networks); safe to run any number of times."""
    return privacy.purge_networks()


@task()
def notify_comment_task(comment_id: int) -> int:
    """A comment was approved: write its notifications, then send the immediate ones."""
    notifications.fan_out(comment_id)
    return _deliver()


@task()
def deliver_notifications_task() -> int:
    """Send the immediate notifications that are due (retries, rows of a stopped worker)."""
    return _deliver()


@task()
def send_digests_task() -> int:
    return digests.send_digests()


@task()
def moderation_notice_task() -> int:
    return notices.notify_moderators()


def _deliver() -> int:
    sent = delivery.deliver_due(
        time_budget=300, follow_up=lambda: deliver_notifications_task.enqueue()
    )
    # Wake a worker when the earliest retry falls due (the clock's sweep does it otherwise).
    due = delivery.next_retry_at()
    if due is not None and deliver_notifications_task.get_backend().supports_defer:
        deliver_notifications_task.using(run_after=due).enqueue()
    return sent


def tick(now=None) -> None:
    """The clock's job: the notification sweep, the editors' notice, then the deliveries and
    digests the sweep found due."""
    deliveries, digests_due = delivery.sweep(now)
    notices.notify_moderators(now)
    if deliveries:
        deliver_notifications_task.enqueue()
    if digests_due:
        send_digests_task.enqueue()


@receiver(comments_approved, dispatch_uid="comments-notify-approved")
def _notify_approved(sender, comment_ids, **kwargs) -> None:
    for comment_id in comment_ids:
        enqueue_after_commit(notify_comment_task, comment_id)


@receiver(comment_held, dispatch_uid="comments-notify-held")
def _notify_held(sender, **kwargs) -> None:
    if conf("MODERATOR_EMAILS"):
        enqueue_after_commit(moderation_notice_task)
