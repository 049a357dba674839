"""The editors' notice: MODERATOR_EMAILS hear, at most once per MODERATOR_NOTICE_SECONDS, about
the comments that started waiting for moderation since the last notice (stored mail, core.mail).
Each period's notice is claimed in the database (core.leases.claim_period) before it is written,
so two instances checking at once send it once.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from edicola.core import leases, mail
from edicola.core.models import OutgoingMail

from .commentmail import excerpt
from .conf import conf
from .models import Comment

MODERATION_TEMPLATE = "comments/email/moderation"
NOTICE_CLAIM = "comments:moderator notice"


def last_notice_at():
    """When the last editors' notice was queued (None: never)."""
    return (
        OutgoingMail.objects.filter(template=MODERATION_TEMPLATE)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def notify_moderators(now=None) -> int:
    """Tell MODERATOR_EMAILS about comments that started waiting for moderation since the last
    notice, at most once per MODERATOR_NOTICE_SECONDS. Returns how many mails were queued."""
    recipients_list = conf("MODERATOR_EMAILS")
    if not recipients_list:
        return 0
    now = now or timezone.now()
    last = last_notice_at()
    period = max(1, conf("MODERATOR_NOTICE_SECONDS"))
    if last is not None and now - last < timedelta(seconds=period):
        return 0
    since = last or now - timedelta(days=1)
    waiting = Comment.objects.pending().filter(created_at__gt=since)
    count = waiting.count()
    if not count:
        return 0
    # Two clocks (or the clock and a worker) can both get this far; one claims the period.
    if not leases.claim_period(NOTICE_CLAIM, int(now.timestamp() // period)):
        return 0
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = gettext("%(count)d comments are waiting for moderation") % {"count": count}
        if count == 1:
            subject = gettext("A comment is waiting for moderation")
        queue_url = settings.BASE_URL + reverse("comments_admin:queue")
    items = [
        {"author_name": comment.author_name, "excerpt": excerpt(comment), "article": title}
        for comment, title in (
            (comment, comment.article.title)
            for comment in waiting.select_related("article").order_by("created_at")[:20]
        )
    ]
    with transaction.atomic():
        for address in recipients_list:
            mail.queue_mail(
                address,
                subject,
                MODERATION_TEMPLATE,
                {"count": count, "items": items, "queue_url": queue_url},
                language=language,
            )
    return len(recipients_list)
