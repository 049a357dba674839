"""Subscribing in Chromium with JavaScript off: "Sottoscrivi" on the article, the confirmation
mail, the notification of a new comment, and unsubscribing from the link in that mail.
Mail goes through Django's SMTP backend to a real aiosmtpd server on loopback."""

import re

import pytest
from playwright.sync_api import expect

from edicola.comments.models import Subscription
from edicola.comments.tests.test_browser import context_for, fill_guest_form, live_article
from edicola.core.tests.fakes import smtp_server

__all__ = ["live_article", "smtp_server"]

pytestmark = pytest.mark.browser

READER = "marta.subscriber@example.org"


def link_in(message, kind: str) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+(/commenti/iscrizioni/{kind}/\S+/)", text).group(1)


def test_subscribe_confirm_get_notified_and_unsubscribe_without_javascript(
    live_article, smtp_server, chromium, live_server
):
    context = context_for(chromium, live_server, javascript=False)
    page = context.new_page()
    article_url = live_server.url + live_article.url
    page.goto(article_url)

    # "Sottoscrivi": choose what to hear about, give the address.
    expect(page.locator("#sottoscrivi summary")).to_have_text("Sottoscrivi")
    expect(page.locator("#sottoscrivi-form legend")).to_have_text("Notificami di")
    page.locator("#sottoscrivi summary").click()
    page.locator("#sottoscrivi-kind-article").check()
    page.locator("#sottoscrivi-email").fill(READER)
    page.locator("#sottoscrivi-form button[type=submit]").click()
    page.wait_for_load_state()
    assert Subscription.objects.get(subscriber__email=READER).confirmed_at is None

    # Double opt-in: only the confirmation mail, then the reader confirms from it.
    (confirmation,) = smtp_server.wait_for(1)
    assert confirmation["To"] == READER
    page.goto(live_server.url + link_in(confirmation, "conferma"))
    page.locator("#confirm-button").click()
    page.wait_for_load_state()
    assert Subscription.objects.get(subscriber__email=READER).confirmed_at is not None

    # Someone else comments; the subscriber hears about it, once, with a link to the comment.
    other = context_for(chromium, live_server, javascript=False).new_page()
    other.goto(article_url)
    fill_guest_form(other.locator("#commento-form"), "Notizia interessante per chi aspetta")
    other.locator("#commento-form button[type=submit]").click()
    other.wait_for_url(re.compile("nota=pubblicato"))
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    notification = messages[1]
    assert notification["To"] == READER
    assert "Notizia interessante per chi aspetta" in notification.get_body(("plain",)).get_content()
    assert notification["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The unsubscribe link asks first (link scanners change nothing), then the button works.
    page.goto(live_server.url + link_in(notification, "annulla"))
    assert Subscription.objects.filter(subscriber__email=READER).exists()
    page.locator("#unsubscribe-button").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_be_visible()
    assert not Subscription.objects.filter(subscriber__email=READER).exists()
    context.close()
