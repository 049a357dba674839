import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from edicola.deals import services
from edicola.deals.models import Click, Deal, WhatsAppSubscriber
from edicola.news.tests.factories import make_article

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0"


@pytest.fixture
def live_deal(make_deal, category, home):
    return make_deal(status="live", category=category)


def test_deal_list_shows_live_deals_with_sponsored_links_and_disclosure(
    client, live_deal, make_deal
):
    make_deal(title="Vecchia offerta", status="expired")
    response = client.get("/offerte/")
    html = response.content.decode()
    assert response.status_code == 200
    assert live_deal.title in html and "Vecchia offerta" not in html
    assert f'href="/go/{live_deal.pk}/" rel="sponsored nofollow noopener"' in html
    assert 'class="affiliate-disclosure"' in html
    assert 'class="copy-code"' in html and "REDMI20" in html
    assert "-33%" in html


def test_filters_by_store_and_category(client, live_deal, make_deal, store):
    from edicola.deals.models import Store

    other = Store.objects.create(name="Unieuro")
    make_deal(title="Televisore OLED", store=other, status="live")
    html = client.get(f"/offerte/?negozio={other.pk}").content.decode()
    assert "Televisore OLED" in html and live_deal.title not in html
    html = client.get("/offerte/?categoria=smartphone").content.decode()
    assert live_deal.title in html and "Televisore OLED" not in html
    assert client.get("/offerte/?negozio=abc&pagina=zzz").status_code == 200


def test_expired_deals_have_their_own_page_and_are_marked(client, make_deal):
    deal = make_deal(status="live")
    services.end_deal(deal, withdrawn=False)
    html = client.get("/offerte/scadute/").content.decode()
    assert deal.title in html and gettext("EXPIRED") in html
    page = client.get(f"/offerte/{deal.pk}/").content.decode()
    assert 'data-status="expired"' in page and "deal-go" not in page


def test_deal_page_and_english_prefix(client, live_deal):
    assert client.get(f"/offerte/{live_deal.pk}/").status_code == 200
    assert client.get(f"/en/offerte/{live_deal.pk}/").status_code == 200
    assert client.get("/offerte/999999/").status_code == 404


def test_draft_deals_are_not_shown(client, make_deal):
    deal = make_deal()
    assert client.get(f"/offerte/{deal.pk}/").status_code == 404
    assert client.get(f"/go/{deal.pk}/").status_code == 404


def test_go_counts_once_per_reader_and_redirects_to_the_affiliate_link(client, live_deal):
    response = client.get(f"/go/{live_deal.pk}/?c=telegram", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    assert response["Location"] == "https://www.amazon.it/dp/B0TEST?th=1&tag=edicola-21"
    assert "private" in response["Cache-Control"]
    client.get(f"/go/{live_deal.pk}/?c=telegram", HTTP_USER_AGENT=BROWSER)
    assert Click.objects.get().channel == "telegram"
    client.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT="Mozilla/5.0 (compatible; Googlebot/2.1)")
    assert Click.objects.count() == 1


def test_the_reader_cookie_is_secure_over_https(client, live_deal, settings):
    settings.HTTPS = False  # the view's own flag, not only the middleware's blanket rule
    response = client.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=BROWSER, secure=True)
    cookie = response.cookies["edicola_r"]
    assert cookie["secure"] is True and cookie["httponly"] is True
    plain = client.__class__().get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=BROWSER + " 2")
    assert plain.cookies["edicola_r"]["secure"] == ""


def test_go_without_cookies_counts_by_address_and_browser(live_deal):
    from django.test import Client

    for _ in range(3):
        Client().get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=BROWSER)
    assert Click.objects.count() == 1


def test_card_image_is_drawn_when_the_deal_has_none(client, live_deal):
    response = client.get(f"/offerte/{live_deal.pk}/card.png")
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_related_deals_appear_under_the_article(client, live_deal, category):
    article = make_article(category, "Recensione Redmi")
    live_deal.related_articles.add(article)
    html = client.get(article.url).content.decode()
    assert 'class="related-deals"' in html and live_deal.title in html
    assert 'rel="sponsored nofollow noopener"' in html


def test_whatsapp_signup_validates_the_number_and_consent(db, client, fake_graph):
    response = client.post("/offerte/whatsapp/", {"phone": "12345", "consent": "on"})
    assert response.status_code == 400 and not WhatsAppSubscriber.objects.exists()
    response = client.post("/offerte/whatsapp/", {"phone": "+39 333 123 4567"})
    assert response.status_code == 400 and not WhatsAppSubscriber.objects.exists()
    response = client.post("/offerte/whatsapp/", {"phone": "+39 333 123 4567", "consent": "on"})
    assert response.status_code == 200 and 'id="whatsapp-pending"' in response.content.decode()
    subscriber = WhatsAppSubscriber.objects.get()
    assert subscriber.phone == "+393331234567" and subscriber.status == "pending"
    assert subscriber.consent_version == services.CONSENT_VERSION and subscriber.consent_at
    assert subscriber.outbox_rows().filter(kind="confirm").count() == 1


def test_site_alerts_validate_input(db, client, settings):
    settings.TELEGRAM_BOT_USERNAME = "edicola_bot"
    assert client.post("/offerte/avvisi/", {"keyword": "<b>", "max_price": "-1"}).status_code == 400
    response = client.post("/offerte/avvisi/", {"keyword": "Redmi", "max_price": "200"})
    html = response.content.decode()
    assert response.status_code == 200
    token = re.search(r'data-token="([^"]+)"', html).group(1)
    assert f"https://t.me/edicola_bot?start={token}" in html


def test_pages_answer_bad_query_strings_without_errors(client, live_deal):
    for path in ["/offerte/?pagina=-1", "/offerte/?categoria=%00", "/go/abc/", "/offerte/0/"]:
        assert client.get(path).status_code in (200, 404)
    assert timezone.now() - timedelta(seconds=5) < Deal.objects.get().updated_at


@pytest.mark.parametrize(
    "utc, rome",
    [
        ((2027, 1, 10, 22, 30), "2027-01-10T23:30:00+01:00"),  # winter: CET
        ((2027, 7, 10, 21, 30), "2027-07-10T23:30:00+02:00"),  # summer: CEST
    ],
)
def test_expiry_is_shown_in_rome_time(client, make_deal, utc, rome):
    from datetime import UTC, datetime

    from edicola.deals.messages import deal_message

    deal = make_deal(status="live", expires_at=datetime(*utc, tzinfo=UTC))
    page = client.get(f"/offerte/{deal.pk}/").content.decode()
    assert f'datetime="{rome}"' in page and "23:30" in page
    assert "23:30" in deal_message(deal, disclosure="")
