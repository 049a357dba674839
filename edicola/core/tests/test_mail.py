"""edicola/core/mail.py: messages are stored, sent only after commit, through a real SMTP server
on loopback, in the reader's language, retried on failure and never sent twice."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from edicola.core import mail
from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

TEXT = (
    "{% load i18n %}{% get_current_language as lang %}Hello {{ name }} [{{ lang }}]\n"
    "{% translate 'Search' %}\n{{ site_name }} {{ base_url }}\n"
)
HTML = "{% load i18n %}<p>Hello <b>{{ name }}</b> {% translate 'Search' %}</p>"


@pytest.fixture
def mail_templates(settings, tmp_path):
    folder = tmp_path / "templates" / "mailtest"
    folder.mkdir(parents=True)
    (folder / "hello.txt").write_text(TEXT)
    (folder / "hello.html").write_text(HTML)
    (folder / "plain.txt").write_text("Only text for {{ name }}.\n")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path / "templates"]}
    ]
    return "mailtest/hello"


def test_message_is_stored_and_sent_after_commit_with_headers_and_both_bodies(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.DEFAULT_FROM_EMAIL = "Edicola <noreply@example.test>"
    with django_capture_on_commit_callbacks(execute=True):
        row = mail.queue_mail(
            "Lettore@Example.test",
            gettext_lazy("Search"),
            mail_templates,
            {"name": "Anna <script>"},
            headers={"List-Unsubscribe": "<https://example.test/u/1>"},
            language="en",
        )
        assert smtp_server.messages == [], "nothing may leave before the commit"
    [message] = smtp_server.wait_for(1)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 1 and row.sent_at
    assert message["To"] == "Lettore@Example.test"
    assert message["From"] == "Edicola <noreply@example.test>"
    assert message["Subject"] == "Search"
    assert message["Content-Language"] == "en"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == "<https://example.test/u/1>"
    assert message["Message-ID"] == row.headers["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Anna <script> [en]" in text and "Search" in text
    assert "Hello <b>Anna &lt;script&gt;</b> Search" in html
    assert smtp_server.inbox.envelopes == [("noreply@example.test", ["Lettore@Example.test"])]


def test_body_and_subject_follow_the_language_asked_for(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue_mail("a@example.test", gettext_lazy("Search"), mail_templates, {"name": "A"})
        mail.queue_mail(
            "b@example.test", gettext_lazy("Search"), mail_templates, {"name": "B"}, language="en"
        )
    italian, english = smtp_server.wait_for(2)
    assert italian["Subject"] == "Cerca" and italian["Content-Language"] == "it"
    assert "[it]" in italian.get_body(("plain",)).get_content()
    assert "Cerca" in italian.get_body(("html",)).get_content()
    assert english["Subject"] == "Search" and "[en]" in english.get_body(("plain",)).get_content()


def test_text_only_template_sends_a_plain_message(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue_mail("a@example.test", "Hi\nthere", "mailtest/plain", {"name": "Bea"})
    [message] = smtp_server.wait_for(1)
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == "Hi there"  # no header injection through the subject
    assert message.get_content().strip() == "Only text for Bea."


def test_rolled_back_transaction_stores_and_sends_nothing(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert not OutgoingMail.objects.exists()
    assert smtp_server.messages == []


def test_temporary_failure_is_recorded_and_retried_until_sent(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    smtp_server.inbox.refuse = 1
    with django_capture_on_commit_callbacks(execute=True):
        row = mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1
    assert "451" in row.last_error and row.next_attempt_at > timezone.now()
    assert mail.retry_due_mail() == 0, "not due yet"
    assert mail.retry_due_mail(now=timezone.now() + timedelta(hours=1)) == 1
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT and row.attempts == 2 and not row.last_error
    assert len(smtp_server.wait_for(1)) == 1


def test_gives_up_after_max_attempts(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    smtp_server.inbox.refuse = mail.BACKOFF.max_attempts
    with django_capture_on_commit_callbacks(execute=True):
        row = mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
    later = timezone.now()
    for _ in range(mail.BACKOFF.max_attempts + 2):
        later += timedelta(days=1)
        mail.retry_due_mail(now=later)
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.FAILED and row.attempts == mail.BACKOFF.max_attempts
    assert smtp_server.messages == []


def test_a_server_silent_after_data_gets_the_mail_once_and_the_row_is_marked_unknown(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
    settings,
    caplog,
):
    """The server keeps the message but answers only after our time-out (EMAIL_TIMEOUT, tiny
    here): the outcome is unknown, so the row is marked for an operator and never resent."""
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 0.3
    smtp_server.inbox.stall_seconds = 1.5
    with django_capture_on_commit_callbacks(execute=True):
        row = mail.queue_mail("lenta@example.test", "Hi", mail_templates, {"name": "A"})
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.UNKNOWN and row.attempts == 1
    assert row.next_attempt_at is None and "DeliveryUnknown" in row.last_error
    assert "outcome unknown" in caplog.text and str(row.pk) in caplog.text
    assert len(smtp_server.wait_for(1)) == 1, "the slow server did get the message"

    smtp_server.inbox.stall_seconds = 0
    assert mail.retry_due_mail(now=timezone.now() + timedelta(days=3)) == 0
    assert mail.deliver(row.pk) == OutgoingMail.Status.UNKNOWN
    assert len(smtp_server.wait_for(2, timeout=1.0)) == 1, "never sent a second time"


def test_a_server_that_refuses_before_data_is_still_retried(
    mail_templates, django_capture_on_commit_callbacks, settings
):
    """Nothing reached a server that is not there: that failure is retried as before."""
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.MAILERS = {
            "default": {
                "BACKEND": "edicola.core.smtp.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": closed.getsockname()[1], "timeout": 1},
            }
        }
        with django_capture_on_commit_callbacks(execute=True):
            row = mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.QUEUED and row.next_attempt_at > timezone.now()


def test_sending_twice_delivers_once(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        row = mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
    assert mail.deliver(row.pk) == OutgoingMail.Status.SENT
    mail.send_mail_task.enqueue(row.pk)
    assert len(smtp_server.wait_for(1)) == 1
    row.refresh_from_db()
    assert row.attempts == 1


def test_lost_first_enqueue_is_picked_up_by_the_sweep(
    smtp_server,  # noqa: F811
    mail_templates,
):
    # Without the commit callbacks running, the row waits; the sweep sends it once it is due.
    row = mail.queue_mail("a@example.test", "Hi", mail_templates, {"name": "A"})
    assert mail.retry_due_mail() == 0
    assert mail.retry_due_mail(now=timezone.now() + mail.FIRST_SEND_GRACE * 2) == 1
    row.refresh_from_db()
    assert row.status == OutgoingMail.Status.SENT
    assert len(smtp_server.wait_for(1)) == 1


def test_recent_count_counts_one_kind_for_one_address(mail_templates):
    for address in ["a@example.test", "A@example.test", "b@example.test"]:
        mail.queue_mail(address, "Hi", mail_templates, {"name": "A"})
    mail.queue_mail("a@example.test", "Hi", "mailtest/plain", {"name": "A"})
    assert mail.recent_count("a@example.test", mail_templates, within=timedelta(days=1)) == 2


ROME = ZoneInfo("Europe/Rome")


def name_the_site(name: str) -> None:
    from wagtail.models import Page, Site

    from edicola.core.models import SiteSettings

    Site.objects.all().delete()
    site = Site.objects.create(
        hostname="localhost", root_page=Page.get_first_root_node(), is_default_site=True
    )
    SiteSettings.objects.update_or_create(site=site, defaults={"site_name": name})


@pytest.mark.parametrize("name", ["Lumio Italia", "Lumiò, l'Italia"])
def test_sender_is_the_site_name_at_the_configured_address(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
    settings,
    name,
):
    settings.DEFAULT_FROM_EMAIL = "Edicola <noreply@example.test>"
    name_the_site(name)
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue_mail("a@example.test", "Ciao", mail_templates, {"name": "A"})
    [message] = smtp_server.wait_for(1)
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "noreply@example.test")
    assert f"{name} http" in message.get_body(("plain",)).get_content()  # signed the same way
    assert smtp_server.inbox.envelopes == [("noreply@example.test", ["a@example.test"])]


def test_without_a_site_name_the_configured_sender_stays(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.DEFAULT_FROM_EMAIL = "Redazione <noreply@example.test>"
    name_the_site("")
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue_mail("a@example.test", "Ciao", mail_templates, {"name": "A"})
    [message] = smtp_server.wait_for(1)
    assert message["From"] == "Redazione <noreply@example.test>"


def test_date_header_is_in_the_sites_time_zone(
    smtp_server,  # noqa: F811
    mail_templates,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        mail.queue_mail("a@example.test", "Ciao", mail_templates, {"name": "A"})
    [message] = smtp_server.wait_for(1)
    sent = parsedate_to_datetime(message["Date"])
    assert sent.utcoffset() == sent.astimezone(ROME).utcoffset()
    assert abs(sent - timezone.now()) < timedelta(hours=1)


def test_mail_date_follows_rome_in_winter_and_summer():
    assert mail.mail_date(datetime(2026, 1, 15, 10, 0, tzinfo=UTC)) == (
        "Thu, 15 Jan 2026 11:00:00 +0100"
    )
    assert mail.mail_date(datetime(2026, 7, 15, 10, 0, tzinfo=UTC)) == (
        "Wed, 15 Jul 2026 12:00:00 +0200"
    )
