"""Subscribing to a discussion: double opt-in for guests, one click for accounts, "Le mie
iscrizioni", RFC 8058 one-click unsubscribe, and bad input (forged, expired, replayed or foreign
tokens, unknown articles, malformed addresses, header injection, floods). Mail goes through a
real SMTP server on loopback."""

import re

import pytest
from django.core import signing
from django.utils import translation

from edicola.comments import subscriptions
from edicola.comments.models import Notification, Subscriber, Subscription
from edicola.comments.tests.factories import make_commentable_article, make_user
from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

EMAIL = "giulia@example.test"
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


@pytest.fixture
def article():
    return make_commentable_article("Lumio X3 alla prova della batteria")


def run_on_commit_at_once(monkeypatch):
    """Tests run inside one transaction that never commits: run on-commit work (enqueueing the
    mail task, with the immediate backend: sending) as soon as it is registered."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture
def mailbox(smtp_server, monkeypatch):  # noqa: F811
    """The SMTP sink, with on-commit callbacks run at once."""
    run_on_commit_at_once(monkeypatch)
    return smtp_server


def subscribe(client, article_id, email=EMAIL, kind="article", **extra):
    return client.post(
        f"/commenti/iscrizioni/articolo/{article_id}/",
        {"kind": kind, "email": email},
        **{**ORIGIN, **extra},
    )


def links_in(message) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    return re.findall(r"https?://\S+/commenti/iscrizioni/\S+/", text)


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_guest_subscribes_by_double_opt_in(client, article, mailbox):
    response = subscribe(client, article.pk)
    assert response.status_code == 200
    assert b'data-subscription-step="check-inbox"' in response.content
    [message] = mailbox.wait_for(1)
    assert message["To"] == EMAIL
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None and subscription.kind == "article"

    confirm_url = next(url for url in links_in(message) if "/conferma/" in url)
    page = client.get(path_of(confirm_url))  # a GET only shows the button
    assert page.status_code == 200 and b"confirm-button" in page.content
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
    done = client.post(path_of(confirm_url), **ORIGIN)
    assert done.status_code == 200
    assert b'data-subscription-step="confirmed"' in done.content
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None
    confirmed_at = subscription.confirmed_at

    # Replayed link and subscribing twice: nothing changes, nothing is sent.
    again = client.post(path_of(confirm_url), **ORIGIN)
    with translation.override("it"):
        expected = translation.gettext(
            "This subscription was already confirmed: nothing has changed."
        )
    assert expected in again.content.decode()
    assert subscribe(client, article.pk).status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at == confirmed_at
    assert Subscription.objects.count() == 1 and Subscriber.objects.count() == 1
    assert len(mailbox.wait_for(2, timeout=0.3)) == 1


def test_at_most_three_confirmation_mails_a_day(client, article, mailbox):
    answers = [subscribe(client, article.pk) for _ in range(6)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:3] == [200, 200, 200]
    assert set(statuses[3:]) == {429}
    assert all(23 * 3600 < int(answer["Retry-After"]) <= 24 * 3600 for answer in answers[3:])
    assert len(mailbox.wait_for(4, timeout=0.5)) == 3
    assert Subscription.objects.count() == 1


def test_registered_reader_subscribes_in_one_click(client, article, mailbox):
    user = make_user("anna@example.test")
    client.force_login(user)
    response = client.post(
        f"/commenti/iscrizioni/articolo/{article.pk}/", {"kind": "replies"}, **ORIGIN
    )
    assert response.status_code == 200
    assert b'data-subscription-step="subscribed"' in response.content
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is not None
    assert subscription.subscriber.email == "anna@example.test"
    assert subscription.subscriber.user == user
    assert mailbox.wait_for(1, timeout=0.3) == []


def test_account_page_leads_to_my_subscriptions(client, article):
    user = make_user("anna@example.test")
    subscriptions.subscribe(article, kind="article", user=user)
    client.force_login(user)
    page = client.get("/account/")
    assert page.status_code == 200 and b'id="my-subscriptions"' in page.content
    mine = client.get("/commenti/iscrizioni/mie/")
    assert mine.status_code == 302
    listing = client.get(mine["Location"])
    assert listing.status_code == 200
    assert article.title in listing.content.decode()
    client.logout()
    assert client.get("/commenti/iscrizioni/mie/").status_code == 302  # to the login page


def _confirmed(article, email=EMAIL, kind="article"):
    subscription = subscriptions.subscribe(article, kind=kind, email=email)
    Subscription.objects.filter(pk=subscription.pk).update(confirmed_at="2025-01-01T00:00Z")
    return subscription


def test_my_subscriptions_page_changes_frequency_and_unsubscribes(client, article):
    other = make_commentable_article("Un altro articolo")
    first, second = _confirmed(article), _confirmed(other)
    url = path_of(subscriptions.manage_url(first.subscriber))
    page = client.get(url)
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert f'id="iscrizione-{first.pk}"' in page.content.decode()
    assert f'id="iscrizione-{second.pk}"' in page.content.decode()

    changed = client.post(
        url, {"action": "frequency", "subscription": first.pk, "frequency": "daily"}, **ORIGIN
    )
    assert changed.status_code == 200
    first.refresh_from_db()
    assert first.frequency == "daily"
    bad = client.post(
        url, {"action": "frequency", "subscription": first.pk, "frequency": "hourly"}, **ORIGIN
    )
    assert bad.status_code == 400
    first.refresh_from_db()
    assert first.frequency == "daily"

    response = client.post(url, {"action": "unsubscribe", "subscription": first.pk}, **ORIGIN)
    assert response.status_code == 200
    assert list(Subscription.objects.values_list("pk", flat=True)) == [second.pk]
    assert client.post(url, {"action": "unsubscribe-all"}, **ORIGIN).status_code == 200
    assert not Subscription.objects.exists()
    # From another site the page's forms do nothing.
    assert client.post(url, {"action": "unsubscribe-all"}).status_code == 403


def test_one_click_unsubscribe_post_works_cross_site_and_get_only_asks(client, article):
    subscription = _confirmed(article)
    token = subscriptions.unsubscribe_token(subscription.subscriber, article_id=article.pk)
    url = f"/commenti/iscrizioni/annulla/{token}/"
    asked = client.get(url)
    assert asked.status_code == 200 and b"unsubscribe-button" in asked.content
    assert Subscription.objects.exists()
    # What a mail provider sends (RFC 8058): a cross-site POST with the one-click body.
    done = client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        HTTP_SEC_FETCH_SITE="cross-site",
    )
    assert done.status_code == 200
    assert not Subscription.objects.exists()
    replay = client.post(url, HTTP_SEC_FETCH_SITE="cross-site")
    assert replay.status_code == 200 and b'data-subscription-step="unsubscribed"' in replay.content


def test_unsubscribing_cancels_unsent_notifications(article):
    from edicola.comments.tests.factories import make_comment

    subscription = _confirmed(article)
    comment = make_comment(article, email="altro@example.test")
    Notification.objects.create(subscriber=subscription.subscriber, comment=comment)
    subscriptions.unsubscribe(subscription.subscriber, article_id=article.pk)
    assert Notification.objects.get().state == Notification.State.CANCELLED


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "",
        "eyJzIjoxfQ:1tXYZ:abcdefghijklmnopqrstuvwxyz0",
        "x" * 2000,
        "%00%0d%0a",
    ],
)
def test_forged_tokens_get_a_clear_page_and_change_nothing(client, article, token):
    subscription = _confirmed(article)
    for name in ("conferma", "gestisci", "annulla"):
        url = f"/commenti/iscrizioni/{name}/{token}/"
        for method in (client.get, client.post):
            response = method(url, HTTP_SEC_FETCH_SITE="same-origin")
            assert response.status_code in (400, 404), (name, response.status_code)
    assert Subscription.objects.filter(pk=subscription.pk).exists()


def test_expired_confirmation_link_is_refused(client, article, settings, mailbox):
    subscribe(client, article.pk)
    [message] = mailbox.wait_for(1)
    url = path_of(next(url for url in links_in(message) if "/conferma/" in url))
    settings.COMMENTS_NOTIFICATIONS = {**settings.COMMENTS_NOTIFICATIONS, "CONFIRM_DAYS": -1}
    response = client.post(url, **ORIGIN)
    assert response.status_code == 410
    assert b'id="subscription-error"' in response.content
    assert Subscription.objects.get().confirmed_at is None


def test_tokens_of_another_address_do_not_work(client, article):
    mine = _confirmed(article, "mia@example.test")
    theirs = _confirmed(article, "altrui@example.test")
    # A token naming their subscriber but bound to my address's key is refused.
    forged = signing.dumps(
        {"s": theirs.subscriber.pk, "k": subscriptions._key_digest(mine.subscriber)},
        salt=subscriptions.UNSUBSCRIBE_SALT,
        compress=True,
    )
    response = client.post(f"/commenti/iscrizioni/annulla/{forged}/")
    assert response.status_code == 400
    # A confirmation token is not an unsubscribe or manage token.
    confirm = subscriptions.confirm_token(mine)
    assert client.post(f"/commenti/iscrizioni/annulla/{confirm}/").status_code == 400
    assert client.get(f"/commenti/iscrizioni/gestisci/{confirm}/").status_code == 400
    # Rotating a subscriber's key voids their links.
    token = subscriptions.manage_token(mine.subscriber)
    Subscriber.objects.filter(pk=mine.subscriber.pk).update(key="nuova")
    assert client.get(f"/commenti/iscrizioni/gestisci/{token}/").status_code == 400
    assert Subscription.objects.count() == 2


@pytest.mark.parametrize(
    "email",
    [
        "not-an-address",
        "giulia@example.test\r\nBcc: victim@example.test",
        "Giulia <giulia@example.test>",
        "giulia@example.test\x00",
        "a" * 300 + "@example.test",
        "",
    ],
)
def test_malformed_addresses_and_header_injection_are_refused(client, article, mailbox, email):
    response = subscribe(client, article.pk, email=email)
    assert response.status_code == 400
    assert b'id="subscription-error"' in response.content
    assert not Subscriber.objects.exists() and not OutgoingMail.objects.exists()
    assert mailbox.wait_for(1, timeout=0.2) == []


def test_unknown_articles_and_kinds_are_refused(client, article, mailbox):
    assert subscribe(client, 999999).status_code == 404
    assert subscribe(client, article.pk, kind="everything").status_code == 400
    assert client.get("/commenti/iscrizioni/articolo/999999/").status_code == 404
    assert not Subscription.objects.exists()
    assert mailbox.wait_for(1, timeout=0.2) == []


def test_a_flood_of_subscribe_requests_is_cut_off(client, article, mailbox):
    answers = [subscribe(client, article.pk, email=f"vittima{n}@example.test") for n in range(25)]
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 20 and statuses[20:] == [429] * 5
    # 20 an hour, the limiter's clock 1,830.5 s into the hour: in the sliding hour the twenty
    # weigh less than twenty once 180 s of the next hour have passed, 1,950 s from now.
    assert {answer["Retry-After"] for answer in answers[20:]} == {"1950"}
    assert OutgoingMail.objects.count() == 20
    assert subscribe(client, article.pk, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403


def test_subscribe_form_is_on_the_article_and_the_comment_form_offers_replies(client, article):
    page = client.get(article.url)
    html = page.content.decode()
    assert 'id="sottoscrivi"' in html
    assert f'action="/commenti/iscrizioni/articolo/{article.pk}/"' in html
    assert 'name="kind" value="article"' in html and 'name="kind" value="replies"' in html
    assert 'name="notify"' in html
