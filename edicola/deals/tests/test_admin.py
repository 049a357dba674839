from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from edicola.deals.models import Deal

ADD_URL = "/admin/snippets/deals/deal/add/"


@pytest.fixture
def editor(client, db):
    user = get_user_model().objects.create_superuser("editor", "e@example.com", "pw")
    client.force_login(user)
    return client


def _form(store, **fields):
    now = timezone.localtime()
    data = {
        "title": "Poco F7 12/512",
        "store": store.pk,
        "price": "349.00",
        "original_price": "449.00",
        "coupon_code": "POCO50",
        "url": "https://www.amazon.it/dp/B0POCO",
        "description": "",
        "keywords": "poco",
        "starts_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M"),
        "expires_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "status": "live",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    "bad",
    [
        {"price": "0"},
        {"price": "-1"},
        {"original_price": "100"},
        {"coupon_code": "<script>"},
        {"title": "x" * 501},
        {"expires_at": "2000-01-01 10:00"},
        {"price": "abc"},
    ],
)
def test_admin_refuses_bad_deals_with_errors_and_saves_nothing(editor, store, bad):
    response = editor.post(ADD_URL, _form(store, **bad))
    assert response.status_code == 200
    assert b"error" in response.content
    assert not Deal.objects.exists()


def test_admin_publishing_puts_the_deal_live(editor, store, home):
    response = editor.post(ADD_URL, _form(store))
    assert response.status_code == 302
    deal = Deal.objects.get()
    assert deal.status == "live" and deal.published_at
    page = editor.get(f"/admin/snippets/deals/deal/edit/{deal.pk}/")
    assert page.status_code == 200


def test_admin_report_renders(editor, make_deal):
    deal = make_deal(status="live")
    deal.clicks.create(channel="site", reader_hour="x", day=timezone.localdate())
    response = editor.get("/admin/offerte/report/")
    assert response.status_code == 200
    assert (
        b'id="clicks-by-day"' in response.content
        and b'data-deal="%d"' % deal.pk in response.content
    )


def test_report_figures(make_deal):
    from edicola.deals.report import report_data

    deal = make_deal(status="live")
    today = timezone.localdate()
    for n, channel in enumerate(["site", "whatsapp", "whatsapp", "telegram"]):
        deal.clicks.create(channel=channel, reader_hour=f"r{n}", day=today)
    rows = [
        ("a", "sent", "read"),
        ("b", "sent", "delivered"),
        ("c", "sent", ""),
        ("d", "failed", ""),
    ]
    for recipient, state, delivery in rows:
        deal.outbox.create(
            channel="whatsapp",
            recipient=recipient,
            kind="offer",
            state=state,
            delivery_status=delivery,
        )
    data = report_data()
    assert {(r["channel"], r["n"]) for r in data["by_day"]} == {
        ("site", 1),
        ("whatsapp", 2),
        ("telegram", 1),
    }
    assert data["top"][0] == deal and data["top"][0].n == 4
    whatsapp = next(r for r in data["conversion"] if r["channel"] == "WhatsApp")
    assert (whatsapp["sent"], whatsapp["clicks"], whatsapp["rate"]) == (3, 2, 66.7)
    (broadcast,) = data["broadcasts"]
    cells = dict(zip(data["states"], broadcast["cells"], strict=True))
    assert cells == {
        "pending": 0,
        "sending": 0,
        "sent": 3,
        "failed": 1,
        "unknown": 0,
        "delivered": 2,
        "read": 1,
    }
