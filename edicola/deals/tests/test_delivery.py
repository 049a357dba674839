"""deals.delivery: what each typed send result does to the row, the subscriber and the deal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from edicola.deals import delivery
from edicola.deals.models import OutboxMessage, TelegramSubscriber, WhatsAppSubscriber
from edicola.deals.results import NotSent, RateLimited, RecipientGone, Sent, Unknown

pytestmark = pytest.mark.django_db


def _sending(channel: str, recipient: str, *, attempts: int = 1, kind: str = "alert"):
    return OutboxMessage.objects.create(
        channel=channel, recipient=recipient, kind=kind, state="sending", attempts=attempts
    )


def test_a_gone_telegram_chat_is_deactivated_and_its_other_messages_dropped():
    TelegramSubscriber.objects.create(chat_id=41)
    row = _sending("tg_chat", "41")
    waiting = OutboxMessage.objects.create(channel="tg_chat", recipient="41", kind="offer")
    delivery.settle("tg_chat", [RecipientGone(row.pk, "forbidden: bot was blocked")], {row.pk: 1})
    row.refresh_from_db()
    waiting.refresh_from_db()
    assert row.state == "failed" and row.error == "forbidden: bot was blocked"
    assert waiting.state == "failed"
    assert not TelegramSubscriber.objects.get(chat_id=41).is_active


def test_a_gone_whatsapp_number_is_opted_out():
    WhatsAppSubscriber.objects.create(phone="+393331234567", status="confirmed")
    row = _sending("whatsapp", "+393331234567")
    delivery.settle("whatsapp", [RecipientGone(row.pk, "131050: opted out")], {row.pk: 1})
    assert WhatsAppSubscriber.objects.get().status == "opted_out"


def test_a_message_that_reached_no_one_is_tried_again_after_the_backoff_then_given_up():
    early, last = _sending("whatsapp", "+391", attempts=1), _sending("whatsapp", "+392", attempts=5)
    before = timezone.now()
    delivery.settle(
        "whatsapp",
        [NotSent(early.pk, "503: busy"), NotSent(last.pk, "503: busy")],
        {early.pk: 1, last.pk: 5},
    )
    early.refresh_from_db()
    last.refresh_from_db()
    assert early.state == "pending" and early.available_at >= before + timedelta(seconds=2)
    assert last.state == "failed" and last.error == "503: busy"


def test_a_rate_limit_waits_for_the_platforms_pause_and_unknown_waits_for_proof():
    limited, silent = _sending("whatsapp", "+391"), _sending("whatsapp", "+392")
    before = timezone.now()
    delivery.settle(
        "whatsapp",
        [RateLimited(limited.pk, 30.0, "130429: slow down"), Unknown(silent.pk, "no answer")],
        {limited.pk: 1, silent.pk: 1},
    )
    limited.refresh_from_db()
    silent.refresh_from_db()
    assert limited.state == "pending" and limited.available_at >= before + timedelta(seconds=30)
    assert silent.state == "unknown"


def test_a_channel_post_keeps_its_chat_and_message_on_the_deal(make_deal):
    deal = make_deal(status="live")
    row = OutboxMessage.objects.create(
        deal=deal, channel="tg_channel", recipient="@canale", kind="post", state="sending"
    )
    delivery.settle("tg_channel", [Sent(row.pk, message_id="77", chat_id="-100123")])
    deal.refresh_from_db()
    assert (deal.telegram_chat_id, deal.telegram_message_id) == ("-100123", 77)
    assert OutboxMessage.objects.get(pk=row.pk).provider_message_id == "77"
