from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "edicola.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self) -> None:
        import django.tasks.signals
        import django_tasks.signals
        from django.core.management import call_command

        from . import clock, logs, metrics, signals, tasks  # noqa: F401

        # Django's own backends send django.tasks' signals; the RQ backend (django-tasks-rq)
        # still sends those of the django-tasks package.
        for sent in (django.tasks.signals, django_tasks.signals):
            uid = f"edicola-task-log-{sent.__name__}"
            sent.task_started.connect(logs.task_started, dispatch_uid=f"{uid}-start")
            sent.task_finished.connect(logs.task_finished, dispatch_uid=f"{uid}-end")

        clock.register_job(
            "scheduled publishing", lambda: call_command("publish_scheduled", verbosity=0), order=0
        )
        metrics.register_state(
            "edicola_tasks_waiting",
            "Background tasks waiting to run, per queue.",
            lambda: (((queue,), count) for queue, count in tasks.queue_depth().items()),
            labels=["queue"],
        )
        metrics.register_state(
            "edicola_mail", "Stored e-mails by status.", _mail_states, labels=["status"]
        )


def _mail_states():
    from django.db.models import Count

    from .models import OutgoingMail

    rows = OutgoingMail.objects.values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return (((status,), counts.get(status, 0)) for status in OutgoingMail.Status.values)
