"""The privacy link mail, received by a real SMTP server on loopback: headers, both bodies, the
reader's language, and a link that opens their data page."""

import re

import pytest
from django.utils import translation

from edicola.comments import privacy
from edicola.comments.models import Comment
from edicola.core.tests.fakes import smtp_server  # noqa: F401
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db

EMAIL = "carla@example.test"


@pytest.fixture
def article():
    article = make_article(make_category(make_site("Lumio Italia")), "Lumio X3 in prova")
    Comment.objects.create(
        article=article,
        author_name="Carla",
        author_email=EMAIL,
        body="Ottimo articolo",
        body_html="<p>Ottimo articolo</p>",
        status=Comment.Status.APPROVED,
    )
    return article


def ask(client, prefix: str, email: str = EMAIL):
    return client.post(
        f"{prefix}/commenti/privacy/", {"email": email}, HTTP_ORIGIN="http://testserver"
    )


def link_in(text: str) -> str:
    return re.search(r"https?://\S+/commenti/privacy/\S+/", text).group(0)


def test_italian_reader_gets_an_italian_mail_with_a_working_link(
    article,
    client,
    smtp_server,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.BASE_URL = "https://lumio.example.test"
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, "").status_code == 200
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL
    assert message["Content-Language"] == "it"
    assert message["Auto-Submitted"] == "auto-generated"
    with translation.override("it"):
        assert message["Subject"] == translation.gettext("Your comment data")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = link_in(text)
    assert link.startswith("https://lumio.example.test/commenti/privacy/")
    assert f'href="{link}"' in html and '<html lang="it">' in html
    assert "Lumio Italia" in text
    page = client.get(link.removeprefix("https://lumio.example.test"))
    assert page.status_code == 200 and 'data-comments="1"' in page.text


def test_english_reader_gets_an_english_mail_and_an_english_link(
    article,
    client,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(client, "/en").status_code == 200
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Your comment data"
    assert message["Content-Language"] == "en"
    text = message.get_body(("plain",)).get_content()
    assert "Open this link to download your data or have it erased:" in text
    assert "/en/commenti/privacy/" in link_in(text)


def test_unknown_address_gets_the_same_kind_of_mail(
    article,
    client,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "/en", "nobody@example.test")
    [message] = smtp_server.wait_for(1)
    link = link_in(message.get_body(("plain",)).get_content())
    page = client.get(link[link.index("/en/") :])
    assert page.status_code == 200 and 'id="privacy-nothing"' in page.text


def test_no_mail_beyond_the_daily_cap(
    article,
    client,
    smtp_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [ask(client, "").status_code for _ in range(privacy.mails_per_day() + 1)]
    assert statuses[-1] == 429
    assert len(smtp_server.wait_for(privacy.mails_per_day())) == privacy.mails_per_day()
