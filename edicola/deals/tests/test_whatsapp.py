import pytest
from django.utils import timezone

from edicola.deals import services, subscribers, tasks
from edicola.deals.models import OutboxMessage, WhatsAppSubscriber
from edicola.deals.tests.factories import free_port, whatsapp_subscribers


def test_a_live_deal_goes_to_confirmed_subscribers_as_a_template(make_deal, fake_graph, settings):
    whatsapp_subscribers(3)
    whatsapp_subscribers(0)
    WhatsAppSubscriber.objects.create(
        phone="+39399000001", status="pending", consent_version="v", consent_at=timezone.now()
    )
    deal = make_deal(status="live")
    services.deal_saved(deal, "draft")
    tasks.drain("whatsapp")
    assert len(fake_graph.accepted) == 3 and fake_graph.duplicates() == 0
    assert "393990000001" not in fake_graph.counts
    rows = OutboxMessage.objects.filter(channel="whatsapp")
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert {a["callback"] for a in fake_graph.accepted} == {
        str(pk) for pk in rows.values_list("pk", flat=True)
    }
    template = fake_graph.accepted[0]["template"]
    assert template["name"] == settings.WHATSAPP_OFFER_TEMPLATE
    assert template["language"] == {"code": settings.WHATSAPP_TEMPLATE_LANGUAGE}
    parameters = [p["text"] for p in template["components"][0]["parameters"]]
    assert parameters[0] == deal.title and parameters[3] == "REDMI20"
    assert parameters[-1] == services.disclosure_for(deal)
    assert parameters[4].endswith(f"/go/{deal.pk}/?c=whatsapp")


def test_opt_in_sends_a_confirmation_and_only_yes_confirms(client, db, fake_graph):
    subscribers.whatsapp_opt_in("+39 320 555 0001", consent=True)
    subscribers.whatsapp_opt_in("+39 320 555 0001", consent=True)
    tasks.drain("whatsapp")
    assert fake_graph.counts["393205550001"] == 1
    subscribers.whatsapp_inbound("393205550001", "sì")
    assert WhatsAppSubscriber.objects.get().status == "confirmed"


@pytest.mark.parametrize(
    ("code", "state", "accepted"),
    [(131056, "sent", 1), (131047, "failed", 0), (131049, "failed", 0), (131050, "failed", 0)],
)
def test_meta_error_codes(make_deal, fake_graph, monkeypatch, code, state, accepted):
    from edicola.deals import whatsapp

    monkeypatch.setattr(whatsapp, "PAIR_RATE_SECONDS", 0.1)
    whatsapp_subscribers(1)
    fake_graph.inject((400, {"error": {"code": code, "message": "x"}}))
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    assert OutboxMessage.objects.get().state == state
    assert len(fake_graph.accepted) == accepted
    expected = "opted_out" if code == 131050 else "confirmed"
    assert WhatsAppSubscriber.objects.get().status == expected


def test_throughput_errors_back_off_and_every_message_goes_once(
    make_deal, fake_graph, settings, monkeypatch
):
    from edicola.deals import whatsapp

    monkeypatch.setattr(whatsapp, "THROUGHPUT_PAUSE_SECONDS", 0.3)
    fake_graph.limit = 20
    settings.WHATSAPP_MESSAGES_PER_SECOND = 200
    whatsapp_subscribers(40)
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp", max_seconds=30)
    assert fake_graph.errors[130429] > 0
    assert len(fake_graph.counts) == 40 and fake_graph.duplicates() == 0


def test_a_connection_that_never_opened_is_retried(make_deal, fake_graph, settings):
    whatsapp_subscribers(1)
    settings.WHATSAPP_API_URL = f"http://127.0.0.1:{free_port()}"
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp", max_seconds=0.5)
    row = OutboxMessage.objects.get()
    assert row.state == "pending" and row.attempts == 1 and row.error
    settings.WHATSAPP_API_URL = fake_graph.url
    OutboxMessage.objects.update(available_at=timezone.now())
    tasks.drain("whatsapp")
    row.refresh_from_db()
    assert row.state == "sent" and fake_graph.counts["393200000000"] == 1
