"""Outgoing e-mail, stored then sent: the one way Edicola writes to people.

`queue_mail()` renders a message in the reader's language, saves it as an OutgoingMail row and,
once the surrounding transaction commits, enqueues `send_mail_task` with the row's id. The task
sends it through the configured mailer (settings.MAILERS) and records the outcome: sent, failed
after the tries of BACKOFF (edicola.core.retry.MAIL), or unknown when the server went silent
after DATA (edicola.core.smtp.DeliveryUnknown: it may have the message, so it is not resent).
Running the task twice is harmless: a row is claimed before sending, and a sent row is never
sent again.

Templates come in pairs, `<template_base>.txt` (required) and `<template_base>.html` (optional),
rendered with the caller's context plus `site_name`, `base_url` and `language`; the text one is
rendered without HTML escaping.

`retry_due_mail()` picks up what a lost enqueue, a crashed worker or a backend without deferred
tasks left behind; call it periodically (it is cheap when there is nothing to do).

Batches (many mails at once, each with its own durable record kept by the caller, as the
discussion notifications do): a `MessageTemplate` encodes the mail once and fills in each
reader's address, headers and links as bytes; `batch_connection()` opens one connection of a
mailer for the whole batch and sends those bytes; `is_permanent()` tells a 5xx refusal of the
address (do not try again) from a temporary failure (try again later).
"""

from __future__ import annotations

import base64
import email.policy
import logging
import re
import secrets
import smtplib
from datetime import timedelta
from email.headerregistry import Address
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers, make_msgid
from django.db.models import F, Q
from django.tasks import task
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from . import retry
from .models import OutgoingMail
from .smtp import DeliveryUnknown
from .tasks import enqueue_after_commit

logger = logging.getLogger(__name__)

BACKOFF = retry.MAIL
# How long a claimed row may stay "sending" before retry_due_mail() considers the worker dead, and
# how long after queueing it picks up a row whose first enqueue never ran.
SENDING_LEASE = timedelta(minutes=10)
FIRST_SEND_GRACE = timedelta(minutes=5)


def _settings_site_name() -> str:
    """The site name of the default site's settings ("" when there are none)."""
    from wagtail.models import Site

    from .models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site).site_name if site is not None else ""


def site_name() -> str:
    """The name readers know the site by (site settings of the default site, else the setting)."""
    return _settings_site_name() or settings.WAGTAIL_SITE_NAME


def sender() -> str:
    """Every mail's From: the name the mail is signed with (site settings) at the address of
    DEFAULT_FROM_EMAIL; that setting's own name, then SITE_NAME, when the site has none."""
    default_name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    name = _settings_site_name() or default_name or settings.WAGTAIL_SITE_NAME
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):  # an address the mail library cannot split: use it as is
        return settings.DEFAULT_FROM_EMAIL


def mail_date(now=None) -> str:
    """A Date header in the site's time zone (TIME_ZONE, Europe/Rome), the same in every mail."""
    moment = now or timezone.now()
    return format_datetime(moment.astimezone(timezone.get_default_timezone()))


def render_text(template_name: str, context: dict) -> str:
    """Render a plain-text template without HTML escaping (it is not HTML)."""
    template = get_template(template_name).template
    return template.render(Context(context, autoescape=False))


def queue_mail(
    to: str,
    subject: str,
    template_base: str,
    context: dict | None = None,
    headers: dict[str, str] | None = None,
    *,
    language: str | None = None,
    mailer: str = "default",
) -> OutgoingMail:
    """Render a message for one address, store it, and send it after the transaction commits.

    `subject` may be a lazy translation: it is evaluated, like the templates, in `language`
    (default: the active language). Nothing is sent if the transaction rolls back.
    """
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    base_url = settings.BASE_URL
    with translation.override(language):
        context = {
            "site_name": site_name(),
            "base_url": base_url,
            "language": language,
            **(context or {}),
        }
        body_text = render_text(f"{template_base}.txt", context)
        try:
            body_html = render_to_string(f"{template_base}.html", context)
        except TemplateDoesNotExist:
            body_html = ""
        subject_text = " ".join(str(subject).split())
    domain = urlsplit(base_url).hostname or "localhost"
    all_headers = {
        "Message-ID": make_msgid(domain=domain),
        "Auto-Submitted": "auto-generated",
        "Content-Language": language,
        **(headers or {}),
    }
    mail = OutgoingMail.objects.create(
        to=to.strip(),
        subject=subject_text[:255],
        body_text=body_text,
        body_html=body_html,
        headers=all_headers,
        template=template_base,
        language=language,
        mailer=mailer,
        next_attempt_at=timezone.now() + FIRST_SEND_GRACE,
    )
    enqueue_after_commit(send_mail_task, mail.pk)
    return mail


def _enqueue(mail_id: int, run_after=None) -> None:
    """Hand the row to the task backend; without deferred tasks a retry waits for the sweep."""
    if run_after is None:
        send_mail_task.enqueue(mail_id)
    elif send_mail_task.get_backend().supports_defer:
        send_mail_task.using(run_after=run_after).enqueue(mail_id)


@task()
def send_mail_task(mail_id: int) -> str:
    return deliver(mail_id)


def deliver(mail_id: int) -> str:
    """Send one stored message if it is still queued; return its status afterwards."""
    now = timezone.now()
    claimed = OutgoingMail.objects.filter(pk=mail_id, status=OutgoingMail.Status.QUEUED).update(
        status=OutgoingMail.Status.SENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=now + SENDING_LEASE,
    )
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is None:
        return "missing"
    if not claimed:
        return mail.status
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.body_text,
        from_email=sender(),
        to=[mail.to],
        headers={"Date": mail_date(), **mail.headers},
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    try:
        message.send(using=mail.mailer)
    except DeliveryUnknown as error:  # the server may have it: sending again could duplicate it
        logger.error(
            "Mail %s to %s: outcome unknown (%s); marked unknown, not sent again. Check the mail "
            "server's log, then requeue it if it never arrived.",
            mail.pk,
            mail.to,
            error,
        )
        mail.status = OutgoingMail.Status.UNKNOWN
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        mail.next_attempt_at = None
        mail.save(update_fields=["status", "last_error", "next_attempt_at"])
        return mail.status
    except Exception as error:  # any failure of the mailer: record it and retry later
        logger.warning("Sending mail %s failed (attempt %s): %s", mail.pk, mail.attempts, error)
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        if BACKOFF.exhausted(mail.attempts):
            mail.status = OutgoingMail.Status.FAILED
            mail.next_attempt_at = None
        else:
            mail.status = OutgoingMail.Status.QUEUED
            mail.next_attempt_at = timezone.now() + BACKOFF.delay(mail.attempts)
        mail.save(update_fields=["status", "last_error", "next_attempt_at"])
        if mail.status == OutgoingMail.Status.QUEUED:
            _enqueue(mail.pk, run_after=mail.next_attempt_at)
        return mail.status
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.next_attempt_at = None
    mail.last_error = ""
    mail.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    return mail.status


def retry_due_mail(now=None) -> int:
    """Enqueue every row that is due: a retry whose time has come, a first send whose enqueue
    was lost, a send whose worker died. Returns how many were enqueued."""
    now = now or timezone.now()
    OutgoingMail.objects.filter(
        status=OutgoingMail.Status.SENDING, next_attempt_at__lte=now
    ).update(status=OutgoingMail.Status.QUEUED)
    due = list(
        OutgoingMail.objects.filter(status=OutgoingMail.Status.QUEUED)
        .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
        .values_list("pk", flat=True)[:500]
    )
    for mail_id in due:
        _enqueue(mail_id)
    return len(due)


def recent_count(to: str, template_base: str, *, within: timedelta) -> int:
    """How many messages of this kind were queued for this address in the last `within`."""
    return OutgoingMail.objects.filter(
        to__iexact=to.strip(), template=template_base, created_at__gte=timezone.now() - within
    ).count()


def cap_reopens_in(to: str, template_base: str, *, within: timedelta, cap: int) -> float:
    """Seconds until fewer than `cap` messages of this kind were queued for this address in the
    last `within` (0 when there is room already): the wait for a "too many today" refusal."""
    newest = list(
        OutgoingMail.objects.filter(
            to__iexact=to.strip(), template=template_base, created_at__gte=timezone.now() - within
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: max(cap, 1)]
    )
    if len(newest) < cap or not newest:
        return 0.0
    return max(0.0, (newest[-1] + within - timezone.now()).total_seconds())


class MessageTemplate:
    """One mail to many readers, encoded once: per reader only `To`, a few headers and the marked
    holes of the bodies (their links) are filled in, as bytes, by `fill()`.

    The bodies go out as 7bit when they are ASCII, as 8bit when the server takes 8BITMIME, and
    base64 otherwise; lines stay under SMTP's limit of 998 octets.
    """

    def __init__(
        self,
        subject: str,
        body_text: str,
        body_html: str = "",
        headers: dict | None = None,
        *,
        holes: tuple[str, ...] = (),
    ):
        self.subject = " ".join(str(subject).split())[:255]
        self.body_text, self.body_html = body_text, body_html
        self.headers = dict(headers or {})
        self.holes = tuple(holes)
        self.from_address = sender()
        fixed = {
            "From": self.from_address,
            "Subject": self.subject,
            "MIME-Version": "1.0",
            **self.headers,
        }
        self._head = "".join(_POLICY.fold(name, value) for name, value in fixed.items()).encode()
        self._text = _crlf(body_text).encode()
        self._html = _crlf(body_html).encode() if body_html else b""
        marks = [hole.encode() for hole in self.holes]
        self._fits = all(
            len(line) + sum(line.count(mark) for mark in marks) * _HOLE_ROOM <= 998
            for line in (self._text + b"\r\n" + self._html).split(b"\r\n")
        )
        self._ascii = self._text.isascii() and self._html.isascii()
        self._boundary = b"=_edicola_" + secrets.token_hex(12).encode()

    def needs_8bit(self, eight_bit: bool) -> bool:
        return eight_bit and self._fits and not self._ascii

    def fill(
        self, to: str, headers: dict[str, str], values: dict[str, str], *, eight_bit: bool
    ) -> bytes:
        """The whole message for `to` (an ASCII addr-spec), as bytes with CRLF line ends.
        Header values must be one line (ValueError otherwise: no header injection)."""
        lines = [self._head, b"To: ", _one_line(to).encode("ascii"), b"\r\n"]
        lines += [b"Date: ", mail_date().encode(), b"\r\n"]
        for name, value in headers.items():
            line = f"{name}: {_one_line(value)}\r\n"
            if len(line) > 998 or not line.isascii():
                line = _POLICY.fold(name, value)
            lines.append(line.encode())
        text, html = self._text, self._html
        fits = self._fits
        for hole in self.holes:
            value = values.get(hole, "")
            fits = fits and len(value) <= _HOLE_ROOM
            text = text.replace(hole.encode(), value.encode())
            html = html.replace(hole.encode(), value.encode())
        if self._ascii and fits:
            cte = b"7bit"
        elif eight_bit and fits:
            cte = b"8bit"
        else:
            cte, text, html = b"base64", _base64(text), _base64(html) if html else b""
        if not html:
            lines += [b'Content-Type: text/plain; charset="utf-8"\r\n']
            lines += [b"Content-Transfer-Encoding: ", cte, b"\r\n\r\n", text, b"\r\n"]
            return b"".join(lines)
        boundary = self._boundary
        lines += [b'Content-Type: multipart/alternative; boundary="', boundary, b'"\r\n\r\n']
        for kind, body in ((b"plain", text), (b"html", html)):
            lines += [b"--", boundary, b"\r\nContent-Type: text/", kind, b'; charset="utf-8"\r\n']
            lines += [b"Content-Transfer-Encoding: ", cte, b"\r\n\r\n", body, b"\r\n"]
        lines += [b"--", boundary, b"--\r\n"]
        return b"".join(lines)

    def message(self, to: str, headers: dict[str, str], values: dict[str, str]):
        """The same mail as a Django message, for mailers that are not SMTP (console, tests)."""
        text, html = self.body_text, self.body_html
        for hole in self.holes:
            text = text.replace(hole, values.get(hole, ""))
            html = html.replace(hole, values.get(hole, ""))
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            from_email=self.from_address,
            to=[to],
            headers={
                "Date": mail_date(),
                **self.headers,
                **{k: _one_line(v) for k, v in headers.items()},
            },
        )
        if html:
            message.attach_alternative(html, "text/html")
        return message


# Room left on a body line for one filled-in hole (a signed link is ~150 characters).
_HOLE_ROOM = 400
_POLICY = email.policy.SMTP.clone(max_line_length=998)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def _base64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n").rstrip(b"\r\n")


def _one_line(value: str) -> str:
    value = str(value)
    if "\n" in value or "\r" in value:
        raise ValueError("A header value must be one line.")
    return value


class BatchConnection:
    """One open connection of a mailer for a whole batch of prepared messages.

    With Django's SMTP backend the bytes of `MessageTemplate.fill()` go straight to its smtplib
    connection (host, port, TLS and credentials are the mailer's settings): one SMTP
    transaction per message and nothing else. Other backends get a Django message each."""

    def __init__(self, mailer: str = "default"):
        self.backend = mailers[mailer]
        self.smtp = None
        self.eight_bit = False
        self.sender = ""

    def open(self) -> BatchConnection:
        self.backend.open()
        connection = getattr(self.backend, "connection", None)
        if isinstance(connection, smtplib.SMTP):
            self.smtp = connection
            self.smtp.ehlo_or_helo_if_needed()
            self.eight_bit = bool(self.smtp.has_extn("8bitmime"))
            self.sender = self.backend.prep_address(settings.DEFAULT_FROM_EMAIL)
        return self

    def close(self) -> None:
        try:
            self.backend.close()
        except Exception:  # a dead connection cannot be closed politely; nothing is lost
            logger.debug("Closing the mail connection failed", exc_info=True)

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc_info):
        self.close()

    def send(self, template: MessageTemplate, to: str, headers: dict, values: dict) -> None:
        """Send one mail; raises the mailer's error (smtplib's for SMTP) when it is refused,
        ValueError for an address or header that cannot be sent."""
        if self.smtp is None:
            self.backend.send_messages([template.message(to, headers, values)])
            return
        address = to if _PLAIN_ADDRESS.fullmatch(to) else self.backend.prep_address(to)
        data = template.fill(address, headers, values, eight_bit=self.eight_bit)
        options = ("BODY=8BITMIME",) if template.needs_8bit(self.eight_bit) else ()
        self.smtp.sendmail(self.sender, [address], data, mail_options=options)


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def batch_connection(mailer: str = "default") -> BatchConnection:
    """`with batch_connection() as connection: connection.send(template, to, headers, values)`"""
    return BatchConnection(mailer)


def is_permanent(error: Exception) -> bool:
    """Whether the receiving server refused this address for good (a 5xx about the recipient
    or the message), as opposed to a failure worth retrying (4xx, network, time-out)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False
