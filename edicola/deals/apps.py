from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealsConfig(AppConfig):
    name = "edicola.deals"
    label = "deals"
    verbose_name = _("Deals")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from edicola.core import clock, demo, metrics
        from edicola.core import privacy as personal_data

        from . import demo as deal_demo
        from . import outbox, privacy, services, tasks
        from .models import Deal, Store

        # Cached pages must not outlive a deleted deal or a store's old name (saving a deal is
        # handled by services.deal_saved).
        post_delete.connect(services.catalogue_changed, sender=Deal, dispatch_uid="deals-cache-d")
        post_save.connect(services.catalogue_changed, sender=Store, dispatch_uid="deals-cache-s")
        post_delete.connect(services.catalogue_changed, sender=Store, dispatch_uid="deals-cache-x")

        # deals going live or expiring, outbox retries falling due
        clock.register_job("deals", lambda: services.tick(), order=10)
        outbox.drain_with(tasks.drain_outbox)
        for position, kind in enumerate(privacy.KINDS):
            personal_data.register(privacy.SCOPE, kind, order=10 * (position + 1))
        demo.register_seeder("deals", deal_demo.seed, order=10)
        metrics.register_state(
            "edicola_deals_outbox",
            "Deal messages in the outbox, by channel and state.",
            _outbox_states,
            labels=["channel", "state"],
        )


def _outbox_states():
    from django.db.models import Count

    from .models import OutboxMessage

    counts = {
        (row["channel"], row["state"]): row["n"]
        for row in OutboxMessage.objects.values("channel", "state").annotate(n=Count("id"))
    }
    return (
        ((channel, state), counts.get((channel, state), 0))
        for channel in OutboxMessage.Channel.values
        for state in OutboxMessage.State.values
    )
