"""Deals fixtures: a small news site, a store, a deal builder, and the fake platforms wired in;
plus the whole-site fixtures of the news app (live server, Chromium through Playwright)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from edicola.deals.models import Deal, Store
from edicola.deals.tests.fakes import FakeGraph, FakeTelegram
from edicola.news.tests.conftest import *  # noqa: F403
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, pytest_runtest_teardown  # noqa: F401
from edicola.news.tests.factories import make_category, make_site

APP_SECRET = "test-app-secret"


@pytest.fixture
def home(db):
    return make_site()


@pytest.fixture
def category(home):
    return make_category(home, "Smartphone")


@pytest.fixture
def store(db):
    return Store.objects.create(name="Amazon", affiliate_parameters="tag=edicola-21")


@pytest.fixture
def make_deal(store):
    def build(**fields):
        fields.setdefault("title", "Redmi Note 14 Pro 256 GB")
        fields.setdefault("price", Decimal("199.90"))
        fields.setdefault("original_price", Decimal("299.90"))
        fields.setdefault("coupon_code", "REDMI20")
        fields.setdefault("url", "https://www.amazon.it/dp/B0TEST?th=1")
        fields.setdefault("starts_at", timezone.now() - timedelta(hours=1))
        fields.setdefault("expires_at", timezone.now() + timedelta(days=2))
        fields.setdefault("keywords", "redmi, xiaomi")
        fields.setdefault("status", Deal.Status.DRAFT)
        return Deal.objects.create(store=fields.pop("store", store), **fields)

    return build


@pytest.fixture
def fake_telegram(settings):
    with FakeTelegram() as server:
        settings.TELEGRAM_BOT_TOKEN = "123:TEST"
        settings.TELEGRAM_CHANNEL = "@edicola_offerte"
        settings.TELEGRAM_BOT_USERNAME = "edicola_bot"
        settings.TELEGRAM_API_URL = server.url
        settings.TELEGRAM_WEBHOOK_SECRET = "tg-secret"
        yield server


@pytest.fixture
def telegram_schedule(monkeypatch) -> list[tuple[str, float]]:
    """(chat id, moment) of every Telegram request as the client's limits released it: the
    schedule the code produced, on the event loop's clock, independent of the machine's speed."""
    from edicola.deals import tasks
    from edicola.deals.telegram import TelegramClient

    released: list[tuple[str, float]] = []
    monkeypatch.setattr(
        tasks,
        "_client_for_telegram",
        lambda: TelegramClient(on_release=lambda *r: released.append(r)),
    )
    return released


@pytest.fixture
def fake_graph(settings):
    with FakeGraph(app_secret=APP_SECRET) as server:
        settings.WHATSAPP_TOKEN = "wa-token"
        settings.WHATSAPP_PHONE_NUMBER_ID = "1055"
        settings.WHATSAPP_API_URL = server.url
        settings.WHATSAPP_APP_SECRET = APP_SECRET
        settings.WHATSAPP_VERIFY_TOKEN = "verify-me"
        settings.WHATSAPP_MESSAGES_PER_SECOND = 500
        yield server
