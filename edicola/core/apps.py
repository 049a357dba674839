from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "edicola.core"
    label = "core"
    verbose_name = _("Site")

    def ready(self) -> None:
        from django.core.management import call_command

        from . import clock, metrics, signals, tasks  # noqa: F401

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
