import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from edicola.deals import services, subscribers
from edicola.deals.models import Alert, Click, Deal, OutboxMessage, WhatsAppSubscriber
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
    assert subscriber.consent_version == subscribers.CONSENT_VERSION and subscriber.consent_at
    assert subscriber.outbox_rows().filter(kind="confirm").count() == 1


def test_site_alerts_validate_input(db, client, settings):
    settings.TELEGRAM_BOT_TOKEN = "123:TEST"
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


# -- Readers' forms are rate limited (issue 13, point 5) ---------------------------------------


def test_whatsapp_opt_ins_from_one_network_stop_at_the_limit(
    db, client, fake_graph, settings, rate_limit_clock
):
    from edicola.deals.models import OutboxMessage

    settings.DEALS_RATE_PER_NETWORK = ["10/600", "40/86400"]
    answers = []
    for number in range(200):  # one every second, each from another number, one network
        rate_limit_clock.advance(1)
        address = f"198.51.100.{number % 250}"
        answers.append(
            client.post(
                "/offerte/whatsapp/",
                {"phone": f"+39 333 100 {number:04d}", "consent": "on"},
                REMOTE_ADDR=address,
            )
        )
    assert [answer.status_code for answer in answers].count(200) == 10
    assert WhatsAppSubscriber.objects.count() == 10
    assert OutboxMessage.objects.filter(kind="confirm").count() == 10
    refused = answers[-1]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Troppe richieste" in refused.content.decode()
    assert 'id="whatsapp-pending"' not in refused.content.decode()
    # Another network is not affected.
    other = {"phone": "+39 333 200 0001", "consent": "on"}
    other = client.post("/offerte/whatsapp/", other, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200


def test_one_phone_number_is_limited_whatever_the_network(db, client, fake_graph):
    from edicola.deals.models import OutboxMessage

    answers = [
        client.post(
            "/offerte/whatsapp/",
            {"phone": "+39 333 123 4567", "consent": "on"},
            REMOTE_ADDR=f"203.0.{number}.7",
        ).status_code
        for number in range(20)
    ]
    assert answers.count(200) == 3 and answers[3:] == [429] * 17
    assert OutboxMessage.objects.filter(kind="confirm").count() <= 1


def test_site_alerts_from_one_network_stop_at_the_limit(db, client, settings, rate_limit_clock):
    from edicola.deals.models import Alert

    settings.TELEGRAM_BOT_TOKEN = "123:TEST"
    settings.TELEGRAM_BOT_USERNAME = "edicola_bot"
    settings.DEALS_RATE_PER_NETWORK = ["10/600", "40/86400"]
    statuses = []
    for number in range(200):
        rate_limit_clock.advance(1)
        statuses.append(
            client.post(
                "/offerte/avvisi/",
                {"keyword": f"redmi{number}", "max_price": "200"},
                REMOTE_ADDR="198.51.100.20",
            ).status_code
        )
    assert statuses.count(200) == 10 and Alert.objects.count() == 10
    assert set(statuses[10:]) == {429}
    # Sliding window: after the ten minutes have slid by, the network may ask again.
    rate_limit_clock.advance(600)
    response = client.post(
        "/offerte/avvisi/", {"keyword": "poco", "max_price": "300"}, REMOTE_ADDR="198.51.100.20"
    )
    assert response.status_code == 200 and Alert.objects.count() == 11


# -- Click counting cannot be inflated with forged reader cookies (issue 13, point 6) ----------


def test_fifty_forged_reader_cookies_from_one_network_count_one_click(live_deal):
    import secrets

    from django.test import Client

    for number in range(50):
        forger = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        forger.cookies["edicola_r"] = secrets.token_hex(11)  # 22 characters, unsigned
        response = forger.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 302  # the reader still gets the deal
    assert Click.objects.count() == 1


def test_three_genuine_readers_on_one_network_count_three_clicks(live_deal):
    from django.test import Client

    for number in range(3):
        reader = Client(REMOTE_ADDR="198.51.100.7")
        browser = f"{BROWSER} reader/{number}"
        first = reader.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=browser)
        cookie = first.cookies["edicola_r"]
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
        assert len(cookie.value) > 22  # the value carries its signature
        reader.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=browser)  # the signed cookie is back
    assert Click.objects.count() == 3


def test_the_reader_cookie_is_secure_when_https_is_on(live_deal, client):
    response = client.get(f"/go/{live_deal.pk}/", HTTP_USER_AGENT=BROWSER, secure=True)
    assert response.cookies["edicola_r"]["secure"]


@pytest.fixture
def nothing_configured(settings):
    settings.WHATSAPP_TOKEN = settings.WHATSAPP_PHONE_NUMBER_ID = ""
    settings.TELEGRAM_BOT_TOKEN = settings.TELEGRAM_BOT_USERNAME = ""


def test_whatsapp_page_without_whatsapp_says_so_and_saves_nothing(
    client, live_deal, nothing_configured
):
    html = client.get("/offerte/whatsapp/").content.decode()
    assert 'id="whatsapp-unavailable"' in html and 'name="phone"' not in html
    assert "Le offerte su WhatsApp non sono ancora disponibili su questo sito" in html
    response = client.post("/offerte/whatsapp/", {"phone": "+39 333 123 4567", "consent": "on"})
    html = response.content.decode()
    assert response.status_code == 503
    assert 'id="whatsapp-pending"' not in html and "WhatsApp non è ancora attivo" in html
    assert not WhatsAppSubscriber.objects.exists() and not OutboxMessage.objects.exists()
    with pytest.raises(services.DealError):
        subscribers.whatsapp_opt_in("+39 333 123 4567", consent=True)
    assert 'href="/offerte/whatsapp/"' not in client.get("/offerte/").content.decode()


def test_whatsapp_page_with_whatsapp_offers_the_form(client, live_deal, fake_graph):
    html = client.get("/offerte/whatsapp/").content.decode()
    assert 'name="phone"' in html and 'id="whatsapp-unavailable"' not in html
    assert 'href="/offerte/whatsapp/"' in client.get("/offerte/").content.decode()


def test_alerts_page_without_a_bot_says_so_and_saves_nothing(client, live_deal, nothing_configured):
    html = client.get("/offerte/avvisi/").content.decode()
    assert 'id="alerts-unavailable"' in html and 'name="keyword"' not in html
    assert "il bot Telegram non è ancora attivo" in html and "apri il bot" not in html
    response = client.post("/offerte/avvisi/", {"keyword": "Redmi", "max_price": "200"})
    assert response.status_code == 503 and 'id="alert-created"' not in response.content.decode()
    assert not Alert.objects.exists()
    assert 'href="/offerte/avvisi/"' not in client.get("/offerte/").content.decode()


def test_alerts_page_with_a_bot_links_to_it(client, live_deal, settings):
    settings.TELEGRAM_BOT_TOKEN = "123:TEST"
    settings.TELEGRAM_BOT_USERNAME = "edicola_bot"
    html = client.get("/offerte/avvisi/").content.decode()
    assert 'name="keyword"' in html and 'href="https://t.me/edicola_bot"' in html
    response = client.post("/offerte/avvisi/", {"keyword": "Redmi", "max_price": "200"})
    html = response.content.decode()
    assert "apri il bot" in html
    assert f'href="https://t.me/edicola_bot?start={Alert.objects.get().token}"' in html
    assert 'href="/offerte/avvisi/"' in client.get("/offerte/").content.decode()
