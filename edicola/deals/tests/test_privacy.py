import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from edicola.deals import privacy, services, subscribers
from edicola.deals.models import Alert, OutboxMessage, TelegramSubscriber, WhatsAppSubscriber

PHONE = "+393331112222"
OTHER = "+393339998888"


@pytest.fixture
def reader(make_deal):
    """A reader on both platforms with alerts and messages, next to another reader."""
    deal = make_deal(status="live")
    now = timezone.now()
    for phone in (PHONE, OTHER):
        WhatsAppSubscriber.objects.create(
            phone=phone,
            status="confirmed",
            consent_version=subscribers.CONSENT_VERSION,
            consent_at=now,
            confirmed_at=now,
        )
    chat = TelegramSubscriber.objects.create(chat_id=4242, name="Giulia")
    other_chat = TelegramSubscriber.objects.create(chat_id=5151, name="Marco")
    Alert.objects.create(subscriber=chat, keyword="redmi", max_price=Decimal("200"))
    Alert.objects.create(subscriber=other_chat, keyword="pixel", max_price=Decimal("500"))
    OutboxMessage.objects.create(
        deal=deal,
        channel="whatsapp",
        recipient=PHONE,
        kind="offer",
        state="sent",
        provider_message_id="wamid.1",
    )
    OutboxMessage.objects.create(deal=deal, channel="whatsapp", recipient=OTHER, kind="offer")
    OutboxMessage.objects.create(deal=deal, channel="tg_chat", recipient="4242", kind="alert")
    return privacy.find_subject(phone="+39 333 111 2222", chat_id="4242")


def test_export_has_every_kind_of_the_readers_data_and_nobody_elses(reader):
    data = privacy.export(reader)["data"]
    assert set(data) == {kind.identifier for kind in privacy.KINDS}
    assert data["whatsapp"]["items"] == [{"phone": PHONE, "status": "confirmed"}]
    consent = data["consent"]["items"][0]
    assert consent["consent_text_version"] == subscribers.CONSENT_VERSION
    assert consent["consent_text"] and consent["consent_given"]
    assert data["telegram"]["items"][0]["chat_id"] == 4242
    assert [a["keyword"] for a in data["alerts"]["items"]] == ["redmi"]
    messages = data["messages"]["items"]
    assert {(m["channel"], m["state"]) for m in messages} == {
        ("whatsapp", "sent"),
        ("tg_chat", "pending"),
    }
    text = json.dumps(privacy.export(reader))
    assert OTHER not in text and "5151" not in text and "pixel" not in text


@pytest.mark.parametrize("kind", privacy.KINDS, ids=lambda kind: kind.identifier)
def test_each_eraser_removes_what_its_exporter_shows(reader, kind):
    assert kind.export(reader)
    assert kind.erase(reader) > 0
    assert kind.export(reader) == []


def test_erasure_leaves_nothing_and_touches_nobody_else(reader):
    changed = privacy.erase(reader)
    assert changed["whatsapp"] == 1 and changed["telegram"] == 1 and changed["messages"] == 2
    assert reader.is_empty
    assert all(not part["items"] for part in privacy.export(reader)["data"].values())
    # The messages stay in the statistics, without the recipient; the unsent one never goes.
    erased = OutboxMessage.objects.filter(recipient__startswith="erased:")
    assert erased.count() == 2
    assert set(erased.values_list("provider_message_id", flat=True)) == {""}
    assert erased.get(channel="tg_chat").state == "failed"
    assert WhatsAppSubscriber.objects.filter(phone=OTHER, status="confirmed").exists()
    assert Alert.objects.filter(keyword="pixel").exists()
    assert OutboxMessage.objects.get(recipient=OTHER).state == "pending"
    # Erasing again is harmless.
    assert set(privacy.erase(reader).values()) == {0}


def test_consent_erasure_alone_stops_offers(reader, make_deal, settings):
    settings.WHATSAPP_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = "t", "1"
    privacy.ConsentData().erase(reader)
    subscriber = WhatsAppSubscriber.objects.get(phone=PHONE)
    assert subscriber.status == "opted_out" and subscriber.consent_at is None
    deal = make_deal(status="live", title="Pixel 9")
    services.deal_saved(deal, "draft")
    recipients = set(deal.outbox.filter(channel="whatsapp").values_list("recipient", flat=True))
    assert recipients == {OTHER}


def test_bad_identifiers_are_refused_with_a_message(db):
    with pytest.raises(services.DealError):
        privacy.find_subject(phone="12")
    with pytest.raises(services.DealError):
        privacy.find_subject(chat_id="abc")


def test_management_command_exports_and_erases(reader, capsys):
    call_command("deals_privacy", "export", "--phone", PHONE, "--chat", "4242")
    exported = json.loads(capsys.readouterr().out)
    assert exported["data"]["whatsapp"]["items"][0]["phone"] == PHONE
    call_command("deals_privacy", "erase", "--phone", PHONE, "--chat", "4242", "--yes")
    assert json.loads(capsys.readouterr().out)["whatsapp"] == 1
    assert not WhatsAppSubscriber.objects.filter(phone=PHONE).exists()
    call_command("deals_privacy", "erase", "--phone", PHONE, "--yes")
    assert "Nothing stored" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("deals_privacy", "export", "--phone", "not a number")
    with pytest.raises(CommandError):
        call_command("deals_privacy", "export")
