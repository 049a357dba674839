"""Proving an account's e-mail address: the mail sent at sign-up (real SMTP on loopback), the
link, the account page's "send again", rate limits, and what counts as confirmed."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from edicola.accounts import confirmation
from edicola.accounts.models import EmailConfirmation
from edicola.core import identity
from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "lunga-e-sicura-2024"


@pytest.fixture
def mailbox(smtp_server, monkeypatch):  # noqa: F811
    """The SMTP sink, with on-commit work (enqueueing the mail task) run at once: tests run in
    one transaction that never commits."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
    return smtp_server


def italian(message: str) -> str:
    with translation.override("it"):
        return translation.gettext(message)


def sign_up(client, email="paola@example.it", ip="203.0.113.5"):
    return client.post(
        reverse("accounts:signup"),
        {"name": "Paola Neri", "email": email, "password": PASSWORD},
        REMOTE_ADDR=ip,
    )


def link_in(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/account/conferma/\S+/", text).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def account(email="paola@example.it"):
    return get_user_model().objects.get(email=email)


def test_signup_mails_a_link_and_the_account_starts_unconfirmed(client, mailbox):
    response = sign_up(client)
    assert response.status_code == 302
    [message] = mailbox.wait_for(1)
    assert message["To"] == "paola@example.it"
    assert message["Subject"] == italian("Confirm your e-mail address")
    assert "/account/conferma/" in message.get_body(("html",)).get_content()
    stored = OutgoingMail.objects.get()
    assert stored.template == confirmation.TEMPLATE and stored.status == OutgoingMail.Status.SENT
    assert identity.confirmed_email(account()) == ""
    page = client.get(reverse("accounts:account"))
    assert b'id="email-unconfirmed"' in page.content
    assert b'id="send-confirmation"' in page.content


def test_the_link_asks_then_confirms_once(client, mailbox):
    sign_up(client)
    link = link_in(mailbox.wait_for(1)[0])
    client.logout()  # the link works without logging in, e.g. opened on the phone
    page = client.get(link)
    assert page.status_code == 200 and b'id="confirm-button"' in page.content
    assert identity.confirmed_email(account()) == ""  # a GET (a link scanner) proves nothing

    done = client.post(link)
    assert done.status_code == 200
    assert italian("Thank you: your e-mail address is confirmed.") in done.content.decode()
    assert identity.confirmed_email(account()) == "paola@example.it"
    assert identity.PROOF_COOKIE in done.cookies  # this browser proved the address

    again = client.post(link)
    assert again.status_code == 200
    assert italian("This address was already confirmed: nothing has changed.") in (
        again.content.decode()
    )
    client.force_login(account())
    assert b'id="email-unconfirmed"' not in client.get(reverse("accounts:account")).content


def test_expired_link_is_refused_with_a_clear_error_and_changes_nothing(client, mailbox, settings):
    sign_up(client)
    link = link_in(mailbox.wait_for(1)[0])
    settings.ACCOUNTS = {**settings.ACCOUNTS, "CONFIRM_HOURS": -1}
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 410
        assert (
            italian("This link has expired. Log in and ask for a new one from your account page.")
            in response.content.decode()
        )
    assert identity.confirmed_email(account()) == ""
    assert EmailConfirmation.objects.get().confirmed_at is None


@pytest.mark.parametrize("tamper", ["swap", "truncate", "garbage", "another-account"])
def test_tampered_link_is_refused_with_a_clear_error_and_changes_nothing(client, mailbox, tamper):
    sign_up(client)
    link = link_in(mailbox.wait_for(1)[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    if tamper == "swap":
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elif tamper == "truncate":
        token = token[: len(token) // 2]
    elif tamper == "garbage":
        token = "%00%0d%0a" + "x" * 600
    else:  # a genuine signature for another account, bound to this account's key
        other = get_user_model().objects.create_user("altro", "altro@example.it", PASSWORD)
        EmailConfirmation.objects.create(user=other)
        row = EmailConfirmation.objects.get(user=account())
        token = confirmation.signing.dumps(
            {"u": other.pk, "k": confirmation._digest(row, "paola@example.it")},
            salt=confirmation.SALT,
            compress=True,
        )
    response = client.post(reverse("accounts:confirm", args=[token]))
    assert response.status_code == 400
    message = italian("This link is not valid. Check that you copied all of it.")
    assert message in response.content.decode()
    assert not EmailConfirmation.objects.filter(confirmed_at__isnull=False).exists()


def test_a_link_stops_working_when_the_account_changes_address(client, mailbox):
    sign_up(client)
    link = link_in(mailbox.wait_for(1)[0])
    user = account()
    user.email = "nuova@example.it"
    user.save()
    assert client.post(link).status_code == 400
    assert identity.confirmed_email(user) == ""


def test_a_confirmed_address_stops_counting_when_the_account_changes_it(client, mailbox):
    sign_up(client)
    client.post(link_in(mailbox.wait_for(1)[0]))
    user = account()
    assert identity.is_confirmed(user)
    user.email = "nuova@example.it"
    user.save()
    user = get_user_model().objects.get(pk=user.pk)
    assert not identity.is_confirmed(user)


def test_send_again_mails_a_new_link_and_is_limited_per_address(client, mailbox, rate_limit_clock):
    sign_up(client)
    url = reverse("accounts:send_confirmation")
    assert client.get(url).status_code == 405
    first = client.post(url)
    assert first.status_code == 200
    assert italian("We have sent you the link again. Check your inbox.") in first.content.decode()
    assert client.post(url).status_code == 200
    # Three mails an hour per address (sign-up included), from any IP.
    limited = client.post(url, REMOTE_ADDR="192.0.2.77")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert (
        italian(
            "We have sent too many confirmation e-mails. Check your inbox, including the spam "
            "folder, or try again later."
        )
        in limited.content.decode()
    )
    assert len(mailbox.wait_for(4, timeout=0.5)) == 3
    rate_limit_clock.advance(3600)
    assert client.post(url).status_code == 200
    # Any of the links proves the address.
    assert client.post(link_in(mailbox.wait_for(4)[0])).status_code == 200
    assert identity.is_confirmed(account())
    assert client.post(url).status_code == 409


def test_signups_from_one_ip_are_refused_once_over_the_mail_limit(client, mailbox, settings):
    settings.ACCOUNTS = {**settings.ACCOUNTS, "CONFIRM_RATE_IP": ["2/3600"]}
    assert sign_up(client, "uno@example.it").status_code == 302
    client.logout()
    assert sign_up(client, "due@example.it").status_code == 302
    client.logout()
    refused = sign_up(client, "tre@example.it")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert (
        italian(
            "We have sent too many confirmation e-mails. Check your inbox, including the spam "
            "folder, or try again later."
        )
        in refused.content.decode()
    )
    # Nothing half-saved: no account, no stored mail, not logged in.
    assert not get_user_model().objects.filter(email="tre@example.it").exists()
    assert OutgoingMail.objects.count() == 2
    assert "_auth_user_id" not in client.session
    assert sign_up(client, "tre@example.it", ip="198.51.100.9").status_code == 302


def test_staff_accounts_count_as_confirmed_and_readers_do_not():
    admin = get_user_model().objects.create_superuser("capo", "Capo@Example.it", PASSWORD)
    editor = get_user_model().objects.create_user(
        "redattrice", "red@example.it", PASSWORD, is_staff=True
    )
    reader = get_user_model().objects.create_user("lettore", "lettore@example.it", PASSWORD)
    assert identity.confirmed_email(admin) == "capo@example.it"
    assert identity.is_confirmed(editor)
    assert not identity.is_confirmed(reader)
    with pytest.raises(confirmation.ConfirmationError) as already:
        confirmation.send_confirmation(admin)
    assert already.value.status == 409
