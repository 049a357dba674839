"""deals.outbox: exactly once without guessing from time: unknown rows wait for proof or for
reconciliation."""

from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from edicola.deals import outbox, services, tasks
from edicola.deals.models import OutboxMessage
from edicola.deals.tests.factories import publish, signed_whatsapp_post, whatsapp_subscribers

REPO = Path(__file__).resolve().parents[3]


def test_no_answer_after_sending_is_unknown_until_a_webhook_settles_it(
    client, make_deal, fake_graph
):
    whatsapp_subscribers(2)
    fake_graph.inject(("drop",), ("drop",))
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"unknown"}
    tasks.drain("whatsapp")  # not retried blindly
    outbox.recover("whatsapp", timezone.now() + timedelta(seconds=60))  # nor a minute later
    assert len(fake_graph.accepted) == 2 and fake_graph.duplicates() == 0
    first, second = OutboxMessage.objects.order_by("pk")
    accepted = {a["callback"]: a for a in fake_graph.accepted}[str(first.pk)]
    body = fake_graph.status_payload(accepted["id"], accepted["to"], "delivered", str(first.pk))
    assert signed_whatsapp_post(client, fake_graph, body).status_code == 200
    first.refresh_from_db()
    assert first.state == "sent" and first.provider_message_id == accepted["id"]
    # The other one heard nothing: after the reconcile delay it goes again (here the platform
    # had in fact accepted it: the reconcile delay must exceed any webhook's lateness).
    outbox.recover("whatsapp", timezone.now() + timedelta(seconds=601))
    second.refresh_from_db()
    assert second.state == "pending"


def test_reconcile_before_a_named_moment_sends_unsettled_unknowns_again(make_deal, fake_graph):
    whatsapp_subscribers(1)
    fake_graph.limit = 0
    services.deal_saved(make_deal(status="live"), "draft")
    row = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=row.pk).update(
        state="unknown", updated_at=timezone.now() - timedelta(seconds=5)
    )
    tasks.drain("whatsapp")
    assert len(fake_graph.accepted) == 0
    tasks.drain("whatsapp", reconcile_before=timezone.now())
    row.refresh_from_db()
    assert row.state == "sent" and len(fake_graph.accepted) == 1


def test_no_answer_after_sending_is_unknown_and_not_retried(make_deal, fake_telegram):
    fake_telegram.inject(("drop",))
    publish(make_deal(status="live"))
    tasks.drain("tg_channel")
    tasks.drain("tg_channel")
    assert OutboxMessage.objects.get().state == "unknown"
    assert len(fake_telegram.sent("sendPhoto")) == 1  # the dropped one, received once
