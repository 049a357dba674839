"""Who hears about a new comment and what they receive, through a real SMTP server on loopback:
only approved comments, never their author, the reader's language, both bodies, list and
threading headers, digests, editors' notices, one connection per batch, retries, permanent
refusals, and exactly one mail per (subscriber, comment) when the worker is killed mid fan-out."""

import email
import email.policy
import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone, translation

from edicola.comments import (
    commentmail,
    delivery,
    digests,
    moderation,
    notices,
    notifications,
    services,
    subscriptions,
)
from edicola.comments.models import Comment, Notification, Subscriber, Subscription
from edicola.comments.tests.factories import (
    guest,
    make_comment,
    make_commentable_article,
    make_user,
    set_comments,
)
from edicola.comments.tests.test_subscriptions import run_on_commit_at_once
from edicola.core import mail
from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import SMTPServer, smtp_server  # noqa: F401
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def article():
    return make_commentable_article("Lumio X3 alla prova della batteria")


@pytest.fixture
def mailbox(smtp_server, monkeypatch, settings):  # noqa: F811
    settings.BASE_URL = "https://edicola.example.test"
    run_on_commit_at_once(monkeypatch)
    return smtp_server


def follower(article, email, *, kind="article", frequency="immediate", language="it", user=None):
    subscription = subscriptions.subscribe(
        article, kind=kind, email=email, user=user, language=language
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        confirmed_at=timezone.now(), frequency=frequency
    )
    OutgoingMail.objects.all().delete()  # the confirmation mails are not what is tested here
    return subscription


def post(
    article,
    body="Secondo me la batteria dura di più.",
    *,
    email="autore@example.test",
    name="Piero",
    parent=None,
):
    data = services.CommentInput(
        body=body,
        name=name,
        email=email,
        parent_id=parent.pk if parent else None,
        form_age_seconds=30,
    )
    return services.submit_comment(article, data, client=guest())


def by_recipient(messages) -> dict:
    return {message["To"]: message for message in messages}


@pytest.mark.django_db
def test_approved_comment_mails_each_confirmed_subscriber_once(article, mailbox, settings):
    set_comments(settings, MODERATION="none")
    follower(article, "uno@example.test")
    follower(article, "two@example.test", language="en")
    subscriptions.subscribe(article, kind="article", email="nonconfermato@example.test")
    follower(article, "autore@example.test")  # the author of the comment
    OutgoingMail.objects.all().delete()
    mailbox.inbox.messages.clear()

    comment = post(article)
    assert comment.status == Comment.Status.APPROVED
    messages = mailbox.wait_for(2)
    time.sleep(0.2)
    assert sorted(by_recipient(messages)) == ["two@example.test", "uno@example.test"]
    italian, english = (
        by_recipient(messages)["uno@example.test"],
        by_recipient(messages)["two@example.test"],
    )
    with translation.override("it"):
        assert italian["Subject"] == translation.gettext("New comment on “%(title)s”") % {
            "title": article.title
        }
    assert english["Subject"] == f"New comment on “{article.title}”"
    assert english["Content-Language"] == "en"
    for message in messages:
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert f"#commento-{comment.pk}" in text and f"#commento-{comment.pk}" in html
        assert "Piero" in text and "la batteria dura" in text
        unsubscribe = message["List-Unsubscribe"]
        assert unsubscribe.startswith("<https://edicola.example.test/")
        assert "/commenti/iscrizioni/annulla/" in unsubscribe and "<mailto:" in unsubscribe
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/commenti/iscrizioni/annulla/" in html  # a visible link too
        assert message["References"] == f"<article-{article.pk}@edicola.example.test>"
        assert message["Message-ID"].startswith(f"<comment-{comment.pk}.")
    rows = Notification.objects.all()
    assert rows.count() == 2 and {row.state for row in rows} == {"sent"}
    # Running the fan-out again sends nothing more.
    assert notifications.fan_out(comment.pk) == 0
    assert delivery.deliver_due() == 0
    assert len(mailbox.messages) == 2


@pytest.mark.django_db
def test_held_comment_notifies_once_approved_and_editors_get_one_batched_notice(
    article, mailbox, settings
):
    set_comments(settings, MODERATION="all")
    settings.COMMENTS_NOTIFICATIONS = {
        **settings.COMMENTS_NOTIFICATIONS,
        "MODERATOR_EMAILS": ["redazione@example.test", "capo@example.test"],
    }
    follower(article, "uno@example.test")
    mailbox.inbox.messages.clear()
    held = [post(article, f"Commento numero {n}", email=f"g{n}@example.test") for n in range(3)]
    assert {comment.status for comment in held} == {Comment.Status.PENDING}
    editors_mail = mailbox.wait_for(2)
    time.sleep(0.2)
    assert sorted(message["To"] for message in editors_mail) == [
        "capo@example.test",
        "redazione@example.test",
    ]  # one notice each for the three held comments, not three
    mailbox.inbox.messages.clear()
    # Later held comments wait for the next notice period, then come in one notice.
    assert notices.notify_moderators(timezone.now() + timedelta(hours=1)) == 2

    editor = make_user(staff=True)
    mailbox.inbox.messages.clear()
    moderation.moderate([held[0]], "approve", actor=editor)
    [message] = mailbox.wait_for(1)
    assert message["To"] == "uno@example.test"
    assert f"#commento-{held[0].pk}" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_two_clocks_checking_at_once_send_the_editors_one_notice(
    article, mailbox, settings, monkeypatch
):
    """Both clocks read "no notice yet" before either wrote one (check, then insert): the
    notice's period is claimed, so only the first writes it."""
    set_comments(settings, MODERATION="all")
    settings.COMMENTS_NOTIFICATIONS = {
        **settings.COMMENTS_NOTIFICATIONS,
        "MODERATOR_EMAILS": ["redazione@example.test"],
    }
    post(article, "In attesa di un moderatore", email="attesa@example.test")
    OutgoingMail.objects.filter(template=notices.MODERATION_TEMPLATE).delete()
    mailbox.inbox.messages.clear()
    monkeypatch.setattr(notices, "last_notice_at", lambda: None)  # what both clocks read
    later = timezone.now() + timedelta(hours=2)
    assert notices.notify_moderators(later) == 1
    assert notices.notify_moderators(later) == 0
    assert notices.notify_moderators(later + timedelta(seconds=1)) == 0
    assert OutgoingMail.objects.filter(template=notices.MODERATION_TEMPLATE).count() == 1
    assert len(mailbox.wait_for(2, timeout=1.0)) == 1


@pytest.mark.django_db
def test_reply_subscribers_hear_only_about_replies_to_their_comments(article, mailbox, settings):
    set_comments(settings, MODERATION="none")
    mine = make_comment(article, name="Lia", email="lia@example.test")
    theirs = make_comment(article, name="Bo", email="bo@example.test")
    follower(article, "lia@example.test", kind="replies")
    mailbox.inbox.messages.clear()
    post(article, "Non sono d'accordo", parent=theirs)
    post(article, "Hai ragione", parent=mine)
    [message] = mailbox.wait_for(1)
    time.sleep(0.2)
    assert len(mailbox.messages) == 1 and message["To"] == "lia@example.test"
    assert "Hai ragione" in message.get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_reply_mail_has_its_own_subject_and_the_site_signs_every_mail(article, mailbox, settings):
    from email.utils import parsedate_to_datetime
    from zoneinfo import ZoneInfo

    from edicola.core.models import SiteSettings

    set_comments(settings, MODERATION="none")
    settings.DEFAULT_FROM_EMAIL = "Edicola <noreply@example.test>"
    SiteSettings.objects.update(site_name="Lumio Italia")
    mine = make_comment(article, name="Lia", email="lia@example.test")
    follower(article, "lia@example.test", kind="replies")
    follower(article, "ugo@example.test")
    follower(article, "tom@example.test", language="en")
    mailbox.inbox.messages.clear()
    post(article, "Hai ragione", parent=mine)
    messages = by_recipient(mailbox.wait_for(3))
    time.sleep(0.2)
    title = article.title
    assert {to: message["Subject"] for to, message in messages.items()} == {
        "lia@example.test": f"Nuova risposta al tuo commento su “{title}”",
        "ugo@example.test": f"Nuovo commento su “{title}”",
        "tom@example.test": f"New comment on “{title}”",
    }
    lia = messages["lia@example.test"].get_body(("plain",)).get_content()
    assert f"Piero ha risposto al tuo commento su “{title}”" in lia
    assert "Lumio Italia" in lia
    rome = ZoneInfo("Europe/Rome")
    for message in messages.values():
        assert message["From"] == "Lumio Italia <noreply@example.test>"
        sent = parsedate_to_datetime(message["Date"])
        assert sent.utcoffset() == sent.astimezone(rome).utcoffset()


@pytest.mark.django_db
def test_comment_form_box_subscribes_the_author_to_replies(client, article, mailbox, settings):
    set_comments(settings, MODERATION="none", MIN_FORM_SECONDS=0)
    response = client.post(
        f"/commenti/articolo/{article.pk}/",
        {
            "body": "Ottimo",
            "name": "Lia",
            "email": "lia@example.test",
            "consent": "1",
            "notify": "1",
        },
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 303
    subscription = Subscription.objects.get()
    assert subscription.kind == "replies" and subscription.confirmed_at is None
    [message] = mailbox.wait_for(1)
    assert (
        message["To"] == "lia@example.test"
        and "/conferma/" in message.get_body(("plain",)).get_content()
    )


@pytest.mark.django_db
def test_daily_subscribers_get_one_digest(article, mailbox, settings):
    set_comments(settings, MODERATION="none")
    follower(article, "lenta@example.test", frequency="daily")
    mailbox.inbox.messages.clear()
    first, second = post(article, "Primo commento"), post(article, "Secondo commento")
    assert digests.send_digests() == 0  # not yet due
    assert mailbox.wait_for(1, timeout=0.2) == []
    assert digests.send_digests(timezone.now() + timedelta(days=1)) == 1
    [digest] = mailbox.wait_for(1)
    text = digest.get_body(("plain",)).get_content()
    assert f"#commento-{first.pk}" in text and f"#commento-{second.pk}" in text
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert digests.send_digests(timezone.now() + timedelta(days=2)) == 0


class _CountingInbox:
    """Counts SMTP sessions (EHLO) and refuses some recipients for good."""

    def __init__(self, inbox, refused=()):
        self.inbox, self.refused, self.sessions = inbox, set(refused), 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refused:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return await self.inbox.handle_DATA(server, session, envelope)


@pytest.mark.django_db
def test_one_connection_per_batch_retries_and_permanent_refusals(article, mailbox, settings):
    set_comments(settings, MODERATION="none")
    counting = _CountingInbox(mailbox.inbox, refused={"sparito@example.test"})
    mailbox.controller.handler = counting  # used by every new SMTP session
    for n in range(30):
        follower(article, f"lettore{n}@example.test")
    follower(article, "sparito@example.test")
    mailbox.inbox.messages.clear()
    mailbox.inbox.refuse = 1  # the first message meets a temporary failure
    counting.sessions = 0
    comment = post(article)
    mailbox.wait_for(29)
    assert counting.sessions == 1  # 31 rows, one batch, one connection
    assert len(mailbox.messages) == 29
    gone = Subscriber.objects.get(email="sparito@example.test")
    assert gone.disabled_at is not None and "550" in gone.disabled_reason
    retry = Notification.objects.get(state="pending")
    assert retry.attempts == 1 and retry.available_at > timezone.now()
    # When the retry falls due it is sent; the refused address is never written to again.
    Notification.objects.filter(pk=retry.pk).update(available_at=timezone.now())
    assert delivery.deliver_due() == 1
    assert len(mailbox.wait_for(30)) == 30
    post(article, "Ancora uno")
    mailbox.wait_for(60, timeout=2)
    assert "sparito@example.test" not in {message["To"] for message in mailbox.messages}
    assert Notification.objects.filter(comment=comment, state="sent").count() == 30


@pytest.mark.django_db
def test_a_server_silent_after_data_is_never_mailed_twice(article, mailbox, settings):
    """The server keeps the notification but answers after our time-out: its row fails as
    "outcome unknown" rather than being sent again when a retry falls due."""
    set_comments(settings, MODERATION="none")
    follower(article, "lento@example.test")
    mailbox.inbox.messages.clear()
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 0.3
    mailbox.inbox.stall_seconds = 1.5
    post(article)
    assert len(mailbox.wait_for(1)) == 1
    row = Notification.objects.get()
    assert row.state == "failed" and row.error.startswith("outcome unknown")
    mailbox.inbox.stall_seconds = 0
    Notification.objects.update(available_at=timezone.now())
    assert delivery.deliver_due() == 0
    assert len(mailbox.wait_for(2, timeout=1.0)) == 1


# -- The prepared mail and the paged fan-out ------------------------------------------------------


def _parse(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


@pytest.mark.django_db  # the sender is the site's name, from its settings
def test_message_template_fills_each_reader_as_valid_mime(settings):
    settings.DEFAULT_FROM_EMAIL = "Edicola <noreply@edicola.example.test>"
    template = mail.MessageTemplate(
        "Nuovo commento su “Lumio X3”: è già qui",
        "Ciao, c'è un commento.\nDisiscriviti: @LINK@\n.riga che inizia col punto\n",
        '<p>Ciao, c\'è un <b>commento</b>.</p>\n<a href="@LINK@">Disiscriviti</a>\n',
        {"Content-Language": "it", "References": "<article-1@edicola.example.test>"},
        holes=("@LINK@",),
    )
    link = "https://edicola.example.test/commenti/iscrizioni/annulla/" + "a" * 150 + "/"
    headers = {"Message-ID": "<comment-1.2@edicola.example.test>", "List-Unsubscribe": f"<{link}>"}
    for eight_bit, encoding in ((True, "8bit"), (False, "base64")):
        data = template.fill("lettore@example.test", headers, {"@LINK@": link}, eight_bit=eight_bit)
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
        assert max(len(line) for line in data.split(b"\r\n")) <= 998
        message = _parse(data)
        assert message["Subject"] == "Nuovo commento su “Lumio X3”: è già qui"
        assert message["To"] == "lettore@example.test"
        assert message["From"] == "Edicola <noreply@edicola.example.test>"
        assert message["Message-ID"] == "<comment-1.2@edicola.example.test>"
        assert message["List-Unsubscribe"] == f"<{link}>" and message["Date"]
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text["Content-Transfer-Encoding"] == encoding
        assert text.get_content().replace("\r\n", "\n") == (
            f"Ciao, c'è un commento.\nDisiscriviti: {link}\n.riga che inizia col punto\n"
        )
        assert f'<a href="{link}">' in html.get_content() and "c'è" in html.get_content()
        assert template.needs_8bit(eight_bit) is eight_bit
    ascii_only = mail.MessageTemplate("Hello", "Plain @LINK@", "", holes=("@LINK@",))
    data = ascii_only.fill("a@example.test", {}, {"@LINK@": link}, eight_bit=True)
    assert _parse(data)["Content-Transfer-Encoding"] == "7bit"
    assert _parse(data).get_content().rstrip() == f"Plain {link}"
    with pytest.raises(ValueError):  # no header injection through a value
        template.fill(
            "a@example.test", {"X-Test": "uno\r\nBcc: b@example.test"}, {}, eight_bit=True
        )
    with pytest.raises(ValueError):
        template.fill("a@example.test\r\nBcc: b@example.test", {}, {}, eight_bit=True)


@pytest.mark.django_db
def test_links_filled_in_per_reader_are_the_signed_links_of_subscriptions(article, settings):
    settings.BASE_URL = "https://edicola.example.test"
    follower(article, "uno@example.test", language="en")
    subscriber = Subscriber.objects.get()
    reader = commentmail.Reader(subscriber.pk, subscriber.email, subscriber.key, "en")
    links = commentmail.SubscriberLinks()
    for _twice in range(2):  # the second time from the URLs reversed once
        headers, holes = links.for_reader(reader, article.pk)
        unsubscribe = holes[commentmail.UNSUBSCRIBE_MARK]
        token = unsubscribe.rstrip("/").rsplit("/", 1)[1]
        assert unsubscribe == subscriptions.unsubscribe_url(subscriber, token, "en")
        assert unsubscribe.startswith("https://edicola.example.test/en/")
        assert subscriptions.parse_unsubscribe_token(token) == (
            subscriber,
            {"article_id": article.pk},
        )
        assert headers == subscriptions.list_headers(unsubscribe, token)
        manage = holes[commentmail.MANAGE_MARK]
        manage_token = manage.rstrip("/").rsplit("/", 1)[1]
        assert manage == subscriptions.manage_url(subscriber, "en").replace(
            subscriptions.manage_token(subscriber), manage_token
        )
        assert subscriptions.subscriber_for_manage_token(manage_token) == subscriber


@pytest.mark.django_db
def test_fan_out_writes_page_by_page_one_row_per_subscriber(article, monkeypatch):
    monkeypatch.setattr(notifications, "FAN_OUT_PAGE", 3)
    parent = make_comment(article, name="Lia", email="lia@example.test")
    for n in range(7):
        follower(article, f"s{n}@example.test")
    follower(article, "bo@example.test", frequency="daily")
    follower(article, "lia@example.test", frequency="daily")  # but replies to her at once
    Subscription.objects.create(
        subscriber=Subscriber.objects.get(email="lia@example.test"),
        article=article,
        kind="replies",
        confirmed_at=timezone.now(),
    )
    reply = make_comment(article, parent=parent, email="autore@example.test")
    assert notifications.fan_out(reply.pk) == 9
    rows = {row.subscriber.email: row for row in Notification.objects.select_related("subscriber")}
    assert len(rows) == 9 and rows["bo@example.test"].digest is True
    assert not any(row.digest for email, row in rows.items() if email != "bo@example.test")
    assert notifications.fan_out(reply.pk) == 0 and Notification.objects.count() == 9


@pytest.mark.django_db
def test_a_lost_connection_puts_the_untried_rest_back_without_spending_an_attempt(
    article, mailbox, monkeypatch
):
    for n in range(6):
        follower(article, f"lettore{n}@example.test")
    mailbox.inbox.messages.clear()
    comment = make_comment(article, email="autore@example.test")
    assert notifications.fan_out(comment.pk) == 6
    real_send, calls = mail.BatchConnection.send, []

    def flaky(self, *args):
        calls.append(args[1])
        if len(calls) == 3:
            raise smtplib.SMTPServerDisconnected("gone")
        return real_send(self, *args)

    monkeypatch.setattr(mail.BatchConnection, "send", flaky)
    # The batch stops at the lost connection; the next claim of the same run, on a new
    # connection, sends the three never tried, each on its first attempt.
    assert delivery.deliver_due() == 5
    failed = Notification.objects.get(subscriber__email=calls[2])
    assert failed.state == "pending" and failed.attempts == 1
    assert failed.available_at > timezone.now()  # retried after the backoff
    sent = Notification.objects.filter(state="sent")
    assert sent.count() == 5 and {row.attempts for row in sent} == {1}
    Notification.objects.filter(pk=failed.pk).update(available_at=timezone.now())
    assert delivery.deliver_due() == 1
    received = [message["To"] for message in mailbox.wait_for(6)]
    assert sorted(received) == sorted(f"lettore{n}@example.test" for n in range(6))


# -- The worker killed mid fan-out -----------------------------------------------------------------


class _KillingInbox:
    """Accepts messages; when the `kill_at`-th arrives, SIGKILLs the worker before answering,
    so that message was never accepted (no 250 reached the client)."""

    def __init__(self, kill_at: int):
        self.kill_at, self.worker = kill_at, None
        self.messages: list = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.worker is not None and len(self.messages) + 1 == self.kill_at:
                os.kill(self.worker.pid, signal.SIGKILL)
                self.worker = None
                return "451 worker gone"
            self.messages.append(
                email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            )
        return "250 Message accepted"


def _subprocess_env(tmp_path, port: int) -> dict:
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "COMMENTS_NOTIFY_BATCH": "100",
        "COMMENTS_NOTIFY_LEASE_SECONDS": "1",
        "EDICOLA_DATA_DIR": str(tmp_path / "data"),
    }
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        database = tmp_path / "data" / "edicola.sqlite3"
        database.parent.mkdir(exist_ok=True)
        with sqlite3.connect(database) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}:{settings_dict.get('PASSWORD') or ''}@"
            f"{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    return env


def _worker(env):
    """A real worker process running the delivery the task runs."""
    code = "from edicola.comments import delivery; delivery.deliver_due()"
    return subprocess.Popen(
        [sys.executable, "-m", "edicola.cli", "shell", "-c", code],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_fan_out_delivers_every_mail_exactly_once(
    tmp_path, request, django_db_serialized_rollback, django_db_blocker
):
    # The test empties every table when it ends; bring back what migrations created (content
    # types, Wagtail's root page) for the tests that follow, as the browser tests do.
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    total = 1500
    article = make_commentable_article("Lumio X3: la recensione")
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"s{n}@example.test", language="it") for n in range(total)
    )
    Subscription.objects.bulk_create(
        Subscription(subscriber=s, article=article, kind="article", confirmed_at=timezone.now())
        for s in subscribers
    )
    comment = make_comment(article, email="autore@example.test")
    assert notifications.fan_out(comment.pk) == total

    inbox = _KillingInbox(kill_at=700)
    server = SMTPServer()
    server.controller.handler = inbox
    server.start()
    env = _subprocess_env(tmp_path, server.port)
    try:
        inbox.worker = worker = _worker(env)
        assert worker.wait(60) == -signal.SIGKILL, worker.stderr.read().decode()[-2000:]
        at_kill = len(inbox.messages)
        assert at_kill == 699
        time.sleep(1.2)  # the dead worker's lease runs out
        restarted = _worker(env)
        _out, errors = restarted.communicate(timeout=90)
        assert restarted.returncode == 0, errors.decode()[-2000:]
    finally:
        server.stop()
    recipients = [message["To"] for message in inbox.messages]
    assert len(recipients) == total, f"lost {total - len(set(recipients))}"
    assert len(set(recipients)) == total  # no duplicates
    if connection.vendor == "sqlite":
        return  # the workers wrote to their copy of the database
    assert Notification.objects.filter(state="sent").count() == total
