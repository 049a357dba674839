"""Background entry points of the discussion: load by id, call a service, nothing more."""

from django.tasks import task

from . import privacy


@task()
def purge_networks_task() -> int:
    """Clear networks past retention (privacy.purge_networks); safe to run any number of times."""
    return privacy.purge_networks()


@task()
def notify_comment_task(comment_id: int) -> int:
    """A comment was approved: write its notifications, then send the immediate ones."""
    from . import notifications

    notifications.fan_out(comment_id)
    return notifications.deliver_due(time_budget=300)


@task()
def deliver_notifications_task() -> int:
    """Send the immediate notifications that are due (retries, rows of a stopped worker)."""
    from . import notifications

    return notifications.deliver_due(time_budget=300)


@task()
def send_digests_task() -> int:
    from . import notifications

    return notifications.send_digests()


@task()
def moderation_notice_task() -> int:
    from . import notifications

    return notifications.notify_moderators()
