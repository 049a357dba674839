"""Attacks on identity replayed (issue 13, points 1-3), and the honest paths next to them.

Over HTTP with the Django client and real SMTP on loopback: an account must prove its address
before it is linked to that address's subscriptions, subscribes in one click or counts as a
known reader; a guest is known by proof (this browser's own approved comment, or a link mailed
to the address opened here), never by typing an address.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from edicola.comments import moderation, stamps, subscriptions
from edicola.comments.models import Comment, Subscriber, Subscription
from edicola.comments.tests.factories import make_comment, make_commentable_article, make_user
from edicola.core import identity
from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

VICTIM = "vittoria@example.it"
PASSWORD = "lunga-e-sicura-2024"
SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture
def article():
    return make_commentable_article("Il tablet che dura tre giorni")


@pytest.fixture
def mailbox(smtp_server, monkeypatch):  # noqa: F811
    """The SMTP sink, with on-commit work run at once (tests never commit)."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    return smtp_server


def italian(message: str) -> str:
    with translation.override("it"):
        return translation.gettext(message)


def sign_up(client, email=VICTIM):
    return client.post(
        reverse("accounts:signup"), {"name": "Qualcuno", "email": email, "password": PASSWORD}
    )


def links(message, part: str) -> list[str]:
    text = message.get_body(("plain",)).get_content()
    found = re.findall(rf"https?://\S+/{part}/\S+/", text)
    return [re.sub(r"^https?://[^/]+", "", url) for url in found]


def post_comment(client, article, email=VICTIM, **fields):
    stamp = stamps.issue(stamps.form_for(article.pk), now=stamps.clock() - 60)
    data = {
        "body": "Anche a me è successo, confermo.",
        "name": "Vittoria",
        "email": email,
        "url": "",
        "consent": "1",
        "address": "",
        "stamp": stamp,
        **fields,
    }
    response = client.post(reverse("comments:post", args=[article.pk]), data, **SAME_ORIGIN)
    assert response.status_code == 303, response.content
    return Comment.objects.order_by("-pk").first()


def victims_confirmed_subscription(article) -> Subscription:
    subscription = subscriptions.subscribe(article, kind="article", email=VICTIM)
    Subscription.objects.filter(pk=subscription.pk).update(confirmed_at=timezone.now())
    return subscription


# -- 1. Subscription takeover ---------------------------------------------------------------------


def test_signing_up_with_a_strangers_address_hands_out_no_manage_link(article, mailbox):
    victims = victims_confirmed_subscription(article)
    attacker = Client()
    assert sign_up(attacker).status_code == 302

    mine = attacker.get(reverse("subscriptions:mine"))
    assert mine.status_code == 403
    assert "Location" not in mine and "/gestisci/" not in mine.content.decode()
    assert (
        italian(
            "Confirm your e-mail address first: open the link we sent you, or ask for a new one "
            "from your account page."
        )
        in mine.content.decode()
    )
    assert Subscriber.objects.get(email=VICTIM).user is None

    # Subscribing from the account, or by the comment form's box, confirms nothing either.
    attacker.post(
        reverse("subscriptions:subscribe", args=[article.pk]), {"kind": "replies"}, **SAME_ORIGIN
    )
    post_comment(attacker, article, notify="1")
    confirmed = Subscription.objects.filter(confirmed_at__isnull=False)
    assert list(confirmed) == [victims]
    assert Subscriber.objects.get(email=VICTIM).user is None


def test_the_owner_confirms_and_is_linked_to_their_subscriptions(client, article, mailbox):
    victims_confirmed_subscription(article)
    sign_up(client)
    account_mail = next(m for m in mailbox.wait_for(2) if "/account/conferma/" in str(m))
    client.post(links(account_mail, "account/conferma")[0])

    subscriber = Subscriber.objects.get(email=VICTIM)
    assert subscriber.user is not None and subscriber.user.email == VICTIM
    mine = client.get(reverse("subscriptions:mine"))
    assert mine.status_code == 302
    listing = client.get(mine["Location"])
    assert listing.status_code == 200 and article.title in listing.content.decode()


def test_manage_links_from_the_account_expire_and_mailed_ones_follow_the_key(
    client, article, monkeypatch
):
    user = make_user(VICTIM)
    subscriptions.subscribe(article, kind="article", user=user)
    client.force_login(user)
    handed = client.get(reverse("subscriptions:mine"))["Location"]
    assert client.get(handed).status_code == 200
    monkeypatch.setattr(subscriptions, "ACCOUNT_MANAGE_SECONDS", -1)
    expired = client.get(handed)
    assert expired.status_code == 410
    assert (
        italian("This link has expired. Open “My subscriptions” from your account again.")
        in expired.content.decode()
    )

    # Mailed links do not expire; rotating the subscriber's key revokes them all.
    subscriber = Subscriber.objects.get(email=VICTIM)
    mailed = re.sub(r"^https?://[^/]+", "", subscriptions.manage_url(subscriber))
    token = subscriptions.unsubscribe_token(subscriber)
    assert client.get(mailed).status_code == 200
    subscriptions.rotate_key(subscriber)
    assert client.get(mailed).status_code == 400
    assert client.post(reverse("subscriptions:unsubscribe", args=[token])).status_code == 400
    assert Subscription.objects.filter(subscriber=subscriber).count() == 1


def test_migration_revokes_links_of_subscribers_linked_to_unproven_accounts(article):
    squatter = make_user(VICTIM, confirmed=False)
    taken = subscriptions.subscribe(article, kind="article", email=VICTIM).subscriber
    Subscriber.objects.filter(pk=taken.pk).update(user=squatter)
    # Staff accounts (is_staff, made in the admin or by createsuperuser) count as proven.
    staff = make_user("redazione@example.it", is_staff=True)
    kept = subscriptions.subscribe(article, kind="article", user=staff).subscriber
    guest = subscriptions.subscribe(article, kind="article", email="ospite@example.it")
    links_before = {
        row.pk: subscriptions.manage_token(row) for row in (taken, kept, guest.subscriber)
    }

    migration = importlib.import_module(
        "edicola.comments.migrations.0005_revoke_links_handed_to_unproven_accounts"
    )
    migration.revoke(apps, None)

    taken.refresh_from_db()
    assert taken.user is None
    with pytest.raises(subscriptions.SubscriptionError):
        subscriptions.subscriber_for_manage_token(links_before[taken.pk])
    assert subscriptions.subscriber_for_manage_token(links_before[kept.pk]) == kept
    assert subscriptions.subscriber_for_manage_token(links_before[guest.subscriber.pk])


# -- 2. Double opt-in bypass ----------------------------------------------------------------------


def test_unconfirmed_account_subscribing_gets_the_confirmation_mail(client, article, mailbox):
    sign_up(client)
    response = client.post(
        reverse("subscriptions:subscribe", args=[article.pk]), {"kind": "article"}, **SAME_ORIGIN
    )
    assert response.status_code == 200
    assert b'data-subscription-step="check-inbox"' in response.content
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is None
    assert subscription.subscriber.email == VICTIM and subscription.subscriber.user is None
    messages = mailbox.wait_for(2)
    assert [m["To"] for m in messages] == [VICTIM, VICTIM]
    assert messages[1]["Subject"] == italian("Confirm your subscription to the comments")
    assert OutgoingMail.objects.filter(template=subscriptions.CONFIRM_TEMPLATE).count() == 1

    # Only the mailbox's owner confirms it, with the mailed link.
    confirm = next(url for url in links(messages[1], "commenti/iscrizioni") if "conferma" in url)
    client.post(confirm, **SAME_ORIGIN)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_confirmed_account_still_subscribes_in_one_click(client, article, mailbox):
    client.force_login(make_user(VICTIM))
    client.post(
        reverse("subscriptions:subscribe", args=[article.pk]), {"kind": "article"}, **SAME_ORIGIN
    )
    assert Subscription.objects.get().confirmed_at is not None
    assert mailbox.wait_for(1, timeout=0.3) == []


# -- 3. Moderation skip by claiming an e-mail -----------------------------------------------------


@pytest.fixture
def victims_approved_comment(article):
    return make_comment(article, email=VICTIM, reader_id="g:browser-della-vittima")


def test_guest_typing_a_known_readers_address_is_held(article, victims_approved_comment):
    comment = post_comment(Client(), article)
    assert comment.status == Comment.Status.PENDING


def test_a_forged_proof_cookie_proves_nothing(article, victims_approved_comment):
    attacker = Client()
    attacker.cookies[identity.PROOF_COOKIE] = identity.email_hash(VICTIM)
    assert post_comment(attacker, article).status == Comment.Status.PENDING


def test_unconfirmed_account_is_not_known_and_keeps_no_address(article, victims_approved_comment):
    attacker = Client()
    sign_up(attacker)
    comment = post_comment(attacker, article)
    assert comment.status == Comment.Status.PENDING
    assert comment.author_email == ""


def test_guest_is_known_in_the_browser_that_wrote_the_approved_comment(article):
    browser = Client()
    first = post_comment(browser, article)
    assert first.status == Comment.Status.PENDING
    moderation.moderate([first], "approve", actor=None)
    assert post_comment(browser, article, body="Seconda.").status == Comment.Status.APPROVED
    assert post_comment(Client(), article, body="Terza.").status == Comment.Status.PENDING


def test_guest_who_confirmed_a_subscription_here_is_known(
    article, victims_approved_comment, mailbox
):
    browser = Client()  # a new device: the approved comment was written elsewhere
    browser.post(
        reverse("subscriptions:subscribe", args=[article.pk]),
        {"kind": "article", "email": VICTIM},
        **SAME_ORIGIN,
    )
    [message] = mailbox.wait_for(1)
    confirm = next(url for url in links(message, "commenti/iscrizioni") if "conferma" in url)
    assert identity.PROOF_COOKIE in browser.post(confirm, **SAME_ORIGIN).cookies
    assert post_comment(browser, article).status == Comment.Status.APPROVED
    assert post_comment(Client(), article).status == Comment.Status.PENDING


def test_confirmed_account_is_known_by_its_proven_address(article, victims_approved_comment):
    reader = Client()
    reader.force_login(make_user(VICTIM))
    comment = post_comment(reader, article)
    assert comment.status == Comment.Status.APPROVED
    assert comment.author_email == VICTIM
