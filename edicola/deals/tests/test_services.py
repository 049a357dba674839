from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from edicola.deals import services
from edicola.deals.models import Alert, Deal, OutboxMessage, TelegramSubscriber, WhatsAppSubscriber


def _confirmed(n):
    now = timezone.now()
    WhatsAppSubscriber.objects.bulk_create(
        WhatsAppSubscriber(
            phone=f"+39333{i:07d}", status="confirmed", consent_version="v", consent_at=now
        )
        for i in range(n)
    )


def test_publishing_a_deal_puts_it_live_and_queues_its_broadcasts(
    make_deal, fake_telegram, fake_graph
):
    _confirmed(3)
    chat = TelegramSubscriber.objects.create(chat_id=77)
    Alert.objects.create(subscriber=chat, keyword="redmi", max_price=Decimal("250"))
    Alert.objects.create(
        subscriber=TelegramSubscriber.objects.create(chat_id=78),
        keyword="redmi",
        max_price=Decimal("100"),
    )
    deal = make_deal(status="live")
    services.deal_saved(deal, "draft")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.LIVE and deal.published_at
    rows = OutboxMessage.objects.filter(deal=deal)
    assert rows.filter(channel="tg_channel", kind="post").count() == 1
    assert list(rows.filter(kind="alert").values_list("recipient", flat=True)) == ["77"]
    assert rows.filter(channel="whatsapp", kind="offer").count() == 3
    # Saving it again queues nothing twice.
    services.queue_broadcasts(deal)
    assert rows.count() == 5


def test_a_deal_starting_later_is_scheduled_then_goes_live_on_the_clock(make_deal):
    deal = make_deal(status="scheduled", starts_at=timezone.now() + timedelta(hours=1))
    services.deal_saved(deal, "draft")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.SCHEDULED
    services.tick(now=timezone.now() + timedelta(hours=1, minutes=1))
    deal.refresh_from_db()
    assert deal.status == Deal.Status.LIVE


def test_expiry_arriving_marks_the_deal_expired_and_drops_unsent_offers(make_deal, fake_graph):
    _confirmed(2)
    deal = make_deal(status="live", expires_at=timezone.now() + timedelta(minutes=5))
    services.deal_saved(deal, "draft")
    services.tick(now=timezone.now() + timedelta(minutes=6))
    deal.refresh_from_db()
    assert deal.status == Deal.Status.EXPIRED and deal.is_over
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"failed"}


def test_withdrawing_ends_the_deal(make_deal):
    deal = make_deal(status="live")
    services.deal_saved(deal, "draft")
    deal.status = "withdrawn"
    services.deal_saved(deal, "live")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.WITHDRAWN and deal.ended_at


def test_a_deal_saved_live_after_its_expiry_is_expired(make_deal):
    deal = make_deal(
        status="live",
        starts_at=timezone.now() - timedelta(days=3),
        expires_at=timezone.now() - timedelta(days=1),
    )
    services.deal_saved(deal, "draft")
    deal.refresh_from_db()
    assert deal.status == Deal.Status.EXPIRED


def test_clicks_count_once_per_reader_and_hour_and_never_for_bots(make_deal):
    deal = make_deal(status="live")
    browser = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"
    assert services.record_click(deal, reader="a", user_agent=browser, channel="site")
    assert not services.record_click(deal, reader="a", user_agent=browser, channel="site")
    assert services.record_click(deal, reader="b", user_agent=browser, channel="telegram")
    assert not services.record_click(deal, reader="c", user_agent="Googlebot/2.1", channel="site")
    assert deal.clicks.count() == 2
