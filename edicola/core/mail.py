"""Outgoing e-mail, stored then sent: the one way Edicola writes to people.

`queue_mail()` renders a message in the reader's language, saves it as an OutgoingMail row and,
once the surrounding transaction commits, enqueues `send_mail_task` with the row's id. The task
sends it through the configured mailer (settings.MAILERS) and records the outcome: sent, or
failed after MAX_ATTEMPTS tries spaced by RETRY_DELAYS. Running the task twice is harmless: a row
is claimed before sending, and a sent row is never sent again.

Templates come in pairs, `<template_base>.txt` (required) and `<template_base>.html` (optional),
rendered with the caller's context plus `site_name`, `base_url` and `language`; the text one is
rendered without HTML escaping.

`retry_due_mail()` picks up what a lost enqueue, a crashed worker or a backend without deferred
tasks left behind; call it periodically (it is cheap when there is nothing to do).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.db import transaction
from django.db.models import F, Q
from django.tasks import task
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .models import OutgoingMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Pause before the 2nd, 3rd, ... attempt.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
# How long a claimed row may stay "sending" before retry_due_mail() considers the worker dead, and
# how long after queueing it picks up a row whose first enqueue never ran.
SENDING_LEASE = timedelta(minutes=10)
FIRST_SEND_GRACE = timedelta(minutes=5)


def site_name() -> str:
    """The name readers know the site by (site settings of the default site, else the setting)."""
    from wagtail.models import Site

    from .models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        name = SiteSettings.for_site(site).site_name
        if name:
            return name
    return settings.WAGTAIL_SITE_NAME


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
    transaction.on_commit(lambda: _enqueue(mail.pk), robust=True)
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
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers=mail.headers,
    )
    if mail.body_html:
        message.attach_alternative(mail.body_html, "text/html")
    try:
        message.send(using=mail.mailer)
    except Exception as error:  # any failure of the mailer: record it and retry later
        logger.warning("Sending mail %s failed (attempt %s): %s", mail.pk, mail.attempts, error)
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.status = OutgoingMail.Status.FAILED
            mail.next_attempt_at = None
        else:
            delay = RETRY_DELAYS[min(mail.attempts, len(RETRY_DELAYS)) - 1]
            mail.status = OutgoingMail.Status.QUEUED
            mail.next_attempt_at = timezone.now() + delay
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
