import json
import socket
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext

from edicola.deals import services, tasks
from edicola.deals.messages import deal_message
from edicola.deals.models import Alert, OutboxMessage, TelegramSubscriber
from edicola.deals.telegram import CAPTION_LIMIT
from edicola.deals.tests.factories import publish


def test_a_live_deal_is_posted_as_photo_with_caption_and_button(make_deal, fake_telegram):
    deal = publish(make_deal(status="live"))
    tasks.drain("tg_channel")
    [post] = fake_telegram.sent("sendPhoto")
    assert post["has_photo"] and post["parse_mode"] == "HTML"
    assert "<b>Redmi Note 14 Pro 256 GB</b>" in post["caption"]
    assert "<code>REDMI20</code>" in post["caption"] and "-33%" in post["caption"]
    assert services.disclosure_for(deal) in post["caption"]
    button = json.loads(post["reply_markup"])["inline_keyboard"][0][0]
    assert button["url"].endswith(f"/go/{deal.pk}/?c=telegram")
    deal.refresh_from_db()
    assert deal.telegram_message_id == post["message_id"]
    assert str(deal.telegram_chat_id) == str(fake_telegram.CHANNEL_ID)
    assert OutboxMessage.objects.get(kind="post").state == "sent"


def test_editing_edits_the_post_and_expiry_marks_it_expired(make_deal, fake_telegram):
    deal = publish(make_deal(status="live"))
    tasks.drain("tg_channel")
    deal.price = Decimal("189.00")
    deal.save()
    services.deal_saved(deal, "live")
    tasks.drain("tg_channel")
    [edit] = fake_telegram.sent("editMessageCaption")
    assert "189,00" in edit["caption"] or "189.00" in edit["caption"]
    services.end_deal(deal, withdrawn=False)
    tasks.drain("tg_channel")
    edits = fake_telegram.sent("editMessageCaption")
    assert len(edits) == 2 and gettext("EXPIRED") in edits[-1]["caption"]
    assert len(fake_telegram.sent("sendPhoto")) == 1


def test_long_titles_are_cut_so_the_caption_fits(make_deal):
    deal = make_deal(title="Telefono " + "<&> " * 121 + "fine")
    caption = deal_message(deal, disclosure="In qualità di Affiliato ricevo un guadagno " * 3)
    assert len(caption) <= CAPTION_LIMIT
    assert "<code>REDMI20</code>" in caption and caption.count("<b>") == 2
    assert "…" in caption and "&lt;&amp;&gt;" in caption


def test_alerts_go_to_matching_chats_and_a_blocked_chat_is_deactivated(make_deal, fake_telegram):
    for chat in (11, 12):
        subscriber = TelegramSubscriber.objects.create(chat_id=chat)
        Alert.objects.create(subscriber=subscriber, keyword="redmi", max_price=Decimal("300"))
    fake_telegram.blocked.add("12")
    publish(make_deal(status="live"))
    tasks.drain("tg_chat")
    assert [m["chat_id"] for m in fake_telegram.sent("sendMessage")] == ["11"]
    assert not TelegramSubscriber.objects.get(chat_id=12).is_active
    assert OutboxMessage.objects.get(recipient="12").state == "failed"


def test_one_chat_gets_at_most_one_message_a_second(make_deal, fake_telegram, telegram_schedule):
    subscriber = TelegramSubscriber.objects.create(chat_id=21)
    Alert.objects.create(subscriber=subscriber, keyword="redmi", max_price=Decimal("300"))
    Alert.objects.create(
        subscriber=TelegramSubscriber.objects.create(chat_id=22),
        keyword="redmi",
        max_price=Decimal("300"),
    )
    publish(make_deal(status="live"))
    publish(make_deal(status="live", title="Redmi Pad SE"))
    tasks.drain("tg_chat")
    sent = fake_telegram.sent("sendMessage")
    assert sorted(m["chat_id"] for m in sent) == ["21", "21", "22", "22"]
    # The schedule the client produced: a second between one chat's messages...
    for chat in ("21", "22"):
        first, second = (at for chat_id, at in telegram_schedule if chat_id == chat)
        assert second - first >= 0.99
    # ...and different chats are not held back by each other: both firsts go before any second.
    order = [chat_id for chat_id, _ in telegram_schedule]
    assert sorted(order[:2]) == ["21", "22"]


def test_alerts_to_many_chats_keep_to_about_thirty_messages_a_second(
    make_deal, fake_telegram, telegram_schedule
):
    chats = 90
    for chat_id in range(1000, 1000 + chats):
        Alert.objects.create(
            subscriber=TelegramSubscriber.objects.create(chat_id=chat_id),
            keyword="redmi",
            max_price=Decimal("300"),
        )
    publish(make_deal(status="live"))
    tasks.drain("tg_chat")
    assert len(fake_telegram.sent("sendMessage")) == chats
    # The schedule the bot's limiter produced (its own clock, not the network's): a bucket of 30
    # that empties at 30 a second, so any n messages in a row span at least (n - 30) / 30 s.
    moments = sorted(at for _, at in telegram_schedule)
    assert len(moments) == chats
    assert moments[-1] - moments[0] >= (chats - 30) / 30 - 0.01
    for start in range(chats - 60):
        assert moments[start + 60] - moments[start] >= 31 / 30 - 0.01


def test_429_pauses_the_bot_for_retry_after_then_sends(make_deal, fake_telegram, telegram_schedule):
    fake_telegram.inject(
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            },
        )
    )
    publish(make_deal(status="live"))
    tasks.drain("tg_channel")
    # The refused try, then the retry once retry_after had passed, on the client's own clock.
    (_, refused), (_, retried) = telegram_schedule
    assert retried - refused >= 1.0 - 0.01
    assert len(fake_telegram.sent("sendPhoto")) == 1
    assert OutboxMessage.objects.get().state == "sent"


def test_connection_refused_before_sending_is_retried(make_deal, fake_telegram, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    settings.TELEGRAM_API_URL = f"http://127.0.0.1:{closed}"
    publish(make_deal(status="live"))
    tasks.drain("tg_channel", max_seconds=2)  # getMe itself cannot connect
    row = OutboxMessage.objects.get()
    assert row.state == "pending" and row.attempts == 1
    OutboxMessage.objects.update(available_at=timezone.now())
    settings.TELEGRAM_API_URL = fake_telegram.url
    tasks.drain("tg_channel")
    assert OutboxMessage.objects.get().state == "sent"
