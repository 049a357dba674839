"""Export and erasure of a commenter's data, and the retention of network addresses.

A commenter proves they control an e-mail address by opening a signed, expiring link we mail to
it (`request_link`, at most COMMENTS["PRIVACY_MAILS_PER_DAY"] per address a day, 3 by default;
the answer never tells whether the address has comments). The link leads to an export (JSON) of
everything stored about them and to their erasure.

Shredder style: one `DataKind` (edicola.core.privacy) per kind of personal data, each able to
export and erase it: names and addresses (`IdentityData`), networks (`NetworkData`), texts
(`TextData`), votes and reports (`ActivityData`), the mail we sent them (`MailData`), registered
under SCOPE by CommentsConfig.ready(); apps above add their own kinds to the scope (passages:
the errors a reader reported in a passage). `erase()` removes the comments through
moderation.moderate (counters, caches), runs every eraser, then marks each comment anonymised (a
placeholder: the thread keeps its shape) and logs ModerationLog.ERASE for it.

A link is bound to a fingerprint of the data it was issued for: once the data is erased (or has
changed) the fingerprint no longer matches, so a replayed link is refused and changes nothing.

Full IP addresses are never stored (only the /24 or /48 network, see models.Comment); on top of
that, `purge_networks()` clears networks (error reports' too) older than
COMMENTS["NETWORK_RETENTION_DAYS"] (30), in every registered kind of the scope too.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from edicola.core import mail, ratelimit
from edicola.core.models import OutgoingMail
from edicola.core.privacy import DataKind, erase_kinds, export_kinds, kinds

from .conf import conf
from .models import Comment, ModerationLog, Report, Vote

SCOPE = "comments"  # a commenter, found by e-mail address
LINK_SALT = "edicola.comments.privacy.link"
LINK_TEMPLATE = "comments/email/privacy_link"
# Requests for a link from one network (IP), whatever the address, on top of the per-address cap.
REQUESTS_PER_NETWORK = ["10/3600", "30/86400"]


def mails_per_day() -> int:
    return int(conf("PRIVACY_MAILS_PER_DAY"))


def link_max_age() -> int:
    """Seconds a mailed link stays valid."""
    return int(conf("PRIVACY_LINK_SECONDS"))


def network_retention_days() -> int:
    return int(conf("NETWORK_RETENTION_DAYS"))


class PrivacyError(Exception):
    """A refusal the reader sees (`message` is translated), with the HTTP status to answer."""

    def __init__(self, message, *, status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.status = status


def anonymous_name() -> str:
    """The label an erased comment shows instead of its author (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Anonymous reader")


# -- Who the data belongs to -----------------------------------------------------------------------


@dataclass
class DataSubject:
    """Everything stored under one e-mail address: the comments posted with it (or by accounts
    with it) and the reader ids those comments and accounts used, which their votes and reports
    carry."""

    email: str
    comment_ids: list[int] = field(default_factory=list)
    reader_ids: list[str] = field(default_factory=list)

    def comments(self):
        return Comment.objects.filter(pk__in=self.comment_ids)

    def votes(self):
        return Vote.objects.filter(voter__in=self.reader_ids)

    def reports(self):
        return Report.objects.filter(reporter__in=self.reader_ids)

    def other_counts(self) -> dict[str, int]:
        """Rows held by the kinds other apps registered in the scope, by kind."""
        counts = {kind.identifier: kind.count(self) for kind in kinds(SCOPE)}
        return {name: count for name, count in counts.items() if count is not None}

    @property
    def is_empty(self) -> bool:
        return not self.comment_ids and not (
            (self.reader_ids and (self.votes().exists() or self.reports().exists()))
            or any(self.other_counts().values())
        )


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_subject(email: str) -> DataSubject:
    email = normalise_email(email)
    users = list(get_user_model().objects.filter(email__iexact=email).values_list("pk", flat=True))
    rows = list(
        Comment.objects.filter(Q(author_email=email) | Q(user__in=users))
        .order_by("pk")
        .values_list("pk", "reader_id")
    )
    reader_ids = {f"u:{pk}" for pk in users} | {reader for _, reader in rows if reader}
    return DataSubject(
        email=email, comment_ids=[pk for pk, _ in rows], reader_ids=sorted(reader_ids)
    )


def fingerprint(subject: DataSubject) -> str:
    """Changes whenever the data a link was issued for changes (erasure rotates edit keys)."""
    parts = [
        f"{pk}:{key}" for pk, key in subject.comments().order_by("pk").values_list("pk", "edit_key")
    ]
    parts.append(f"v{subject.votes().count()}r{subject.reports().count()}")
    parts += [f"{name}{count}" for name, count in sorted(subject.other_counts().items())]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


# -- Kinds of personal data (export and erasure) ---------------------------------------------------


class IdentityData(DataKind):
    identifier = "identity"
    name = _("Names, e-mail addresses and websites")
    description = _("What you typed in the name, e-mail and website fields, and your account.")

    def export(self, subject):
        return [
            {
                "comment": row["pk"],
                "name": row["author_name"],
                "email": row["author_email"],
                "website": row["author_url"],
                "account": row["user__email"] or None,
                "reader_id": row["reader_id"],
            }
            for row in subject.comments().values(
                "pk", "author_name", "author_email", "author_url", "user__email", "reader_id"
            )
        ]

    def erase(self, subject):
        return subject.comments().update(
            author_name=anonymous_name(),
            author_email="",
            author_url="",
            user=None,
            reader_id="",
            badge="",
        )


class NetworkData(DataKind):
    identifier = "networks"
    name = _("Networks")
    description = _(
        "The network (never the full address) your comments, votes and reports came from."
    )

    def export(self, subject):
        records = []
        for kind, queryset in [
            ("comment", subject.comments()),
            ("vote", subject.votes()),
            ("report", subject.reports()),
        ]:
            records += [
                {"kind": kind, "id": pk, "network": network, "date": created.isoformat()}
                for pk, network, created in queryset.exclude(ip_network="").values_list(
                    "pk", "ip_network", "created_at"
                )
            ]
        return records

    def erase(self, subject):
        return sum(
            queryset.exclude(ip_network="").update(ip_network="")
            for queryset in (subject.comments(), subject.votes(), subject.reports())
        )


class TextData(DataKind):
    identifier = "texts"
    name = _("Texts")
    description = _("The text of your comments and the notes you added to reports.")

    def export(self, subject):
        records = [
            {
                "kind": "comment",
                "id": pk,
                "text": body,
                "edited": edited.isoformat() if edited else None,
            }
            for pk, body, edited in subject.comments().values_list("pk", "body", "edited_at")
        ]
        records += [
            {"kind": "report", "id": pk, "text": note}
            for pk, note in subject.reports().exclude(note="").values_list("pk", "note")
        ]
        return records

    def erase(self, subject):
        return subject.comments().update(body="", body_html="") + subject.reports().exclude(
            note=""
        ).update(note="")


class ActivityData(DataKind):
    identifier = "activity"
    name = _("Votes and reports")
    description = _(
        "Votes and reports made from your account or from the browser you commented with. "
        "Erasing keeps their effect on scores but no longer links them to you."
    )

    def export(self, subject):
        votes = [
            {
                "kind": "vote",
                "id": row["pk"],
                "comment": row["comment_id"],
                "article_url": article_url(row["comment__article__url_path"]),
                "value": row["value"],
                "date": row["created_at"].isoformat(),
            }
            for row in subject.votes().values(
                "pk", "comment_id", "comment__article__url_path", "value", "created_at"
            )
        ]
        reports = [
            {
                "kind": "report",
                "id": row["pk"],
                "comment": row["comment_id"],
                "article_url": article_url(row["comment__article__url_path"]),
                "reason": row["reason"],
                "date": row["created_at"].isoformat(),
            }
            for row in subject.reports().values(
                "pk", "comment_id", "comment__article__url_path", "reason", "created_at"
            )
        ]
        return votes + reports

    def erase(self, subject):
        changed = 0
        # A fresh random id per row keeps "one vote per reader" true and links nothing.
        for model, column in [(Vote, "voter"), (Report, "reporter")]:
            rows = list(model.objects.filter(**{f"{column}__in": subject.reader_ids}))
            for row in rows:
                setattr(row, column, "x:" + secrets.token_hex(12))
            model.objects.bulk_update(rows, [column])
            changed += len(rows)
        return changed


class MailData(DataKind):
    identifier = "mail"
    name = _("E-mails we sent you")
    description = _("The messages this site sent to your address, such as this link.")

    def export(self, subject):
        return [
            {
                "subject": row["subject"],
                "date": row["created_at"].isoformat(),
                "status": row["status"],
            }
            for row in OutgoingMail.objects.filter(to__iexact=subject.email)
            .order_by("created_at")
            .values("subject", "created_at", "status")
        ]

    def erase(self, subject):
        deleted, _by_model = OutgoingMail.objects.filter(to__iexact=subject.email).delete()
        return deleted


# Registered in this order (10, 20, ...): networks and report notes are found through the reader
# ids that ActivityData then replaces. Other apps' kinds go between ActivityData and MailData.
DATA_KINDS: list[DataKind] = [
    IdentityData(),
    NetworkData(),
    TextData(),
    ActivityData(),
    MailData(),
]


def article_url(url_path: str | None) -> str:
    """An article's public URL from its Wagtail url_path (the site root's slug dropped)."""
    if not url_path:
        return ""
    parts = url_path.strip("/").split("/")[1:]
    return settings.BASE_URL + "/" + "/".join(parts) + ("/" if parts else "")


# -- Export and erasure ----------------------------------------------------------------------------


def export(subject: DataSubject) -> dict:
    """Everything stored about the subject, as a JSON-ready dict."""
    comments = [
        {
            "id": row["pk"],
            "article_title": row["article__title"],
            "article_url": article_url(row["article__url_path"]),
            "reply_to": row["parent_id"],
            "posted": row["created_at"].isoformat(),
            "status": row["status"],
            "pinned": row["is_pinned"],
            "score": row["score"],
            "erased": row["is_anonymised"],
        }
        for row in subject.comments()
        .order_by("created_at", "pk")
        .values(
            "pk",
            "article__title",
            "article__url_path",
            "parent_id",
            "created_at",
            "status",
            "is_pinned",
            "score",
            "is_anonymised",
        )
    ]
    return {
        "format": "edicola-personal-data/1",
        "email": subject.email,
        "generated_at": timezone.now().isoformat(),
        "comments": comments,
        "data": export_kinds(SCOPE, subject),
    }


@dataclass
class ErasureReport:
    comments: int = 0
    changed: dict[str, int] = field(default_factory=dict)


def erase(subject: DataSubject) -> ErasureReport:
    """Erase the subject's personal data and text; their comments stay as removed placeholders.

    The status change goes through moderation.moderate (it keeps the discussion counters and
    the readers' caches right); each comment is then logged once more as ERASE.
    """
    from . import moderation

    report = ErasureReport(comments=len(subject.comment_ids))
    with transaction.atomic():
        moderation.moderate(
            subject.comment_ids, ModerationLog.Action.REMOVE, actor=None, note="erased on request"
        )
        report.changed.update(erase_kinds(SCOPE, subject))
        comments = list(subject.comments().only("pk", "article_id"))
        for comment in comments:
            comment.is_anonymised = True
            comment.is_pinned = False
            comment.edit_key = secrets.token_hex(16)
        Comment.objects.bulk_update(comments, ["is_anonymised", "is_pinned", "edit_key"])
        ModerationLog.objects.bulk_create(
            ModerationLog(
                comment=comment, article_id=comment.article_id, action=ModerationLog.Action.ERASE
            )
            for comment in comments
        )
    return report


# -- The mailed link -------------------------------------------------------------------------------


def make_token(subject: DataSubject) -> str:
    return signing.dumps(
        {"e": subject.email, "f": fingerprint(subject)}, salt=LINK_SALT, compress=True
    )


def subject_for_token(token: str) -> DataSubject:
    """The data subject a link was issued for, if the link is genuine, fresh and unused."""
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise PrivacyError(
            _("This link has expired. Ask for a new one below."), status=410
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise PrivacyError(
            _("This link is not valid. Check that you copied all of it, or ask for a new one."),
            status=400,
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("e"), str):
        raise PrivacyError(_("This link is not valid."), status=400)
    subject = find_subject(payload["e"])
    if fingerprint(subject) != payload.get("f"):
        raise PrivacyError(
            _(
                "This link has already been used, or your data has changed since it was sent. "
                "Ask for a new one below."
            ),
            status=410,
        )
    return subject


def request_link(email: str, *, ip: str = "", language: str | None = None) -> None:
    """Mail a link to `email` for export and erasure. The same happens whether or not anything
    is stored under the address; raises PrivacyError (429) beyond the daily cap."""
    email = normalise_email(email)
    if ip:
        try:
            ratelimit.hit("privacy-link-ip", ratelimit.keyed_hash(ip), REQUESTS_PER_NETWORK)
        except ratelimit.RateLimited:
            raise PrivacyError(_too_many(), status=429) from None
    with transaction.atomic():
        if mail.recent_count(email, LINK_TEMPLATE, within=timedelta(days=1)) >= mails_per_day():
            ratelimit.note_refusal(
                mail.cap_reopens_in(
                    email, LINK_TEMPLATE, within=timedelta(days=1), cap=mails_per_day()
                )
            )
            raise PrivacyError(_too_many(), status=429)
        subject = find_subject(email)
        language = language or translation.get_language() or settings.LANGUAGE_CODE
        with translation.override(language):
            path = reverse("comments_privacy:manage", args=[make_token(subject)])
            subject_line = gettext("Your comment data")
        mail.queue_mail(
            email,
            subject_line,
            LINK_TEMPLATE,
            {
                "link": settings.BASE_URL + path,
                "valid_hours": max(1, link_max_age() // 3600),
                "request_url": settings.BASE_URL + _request_path(language),
            },
            language=language,
        )


def _request_path(language: str) -> str:
    with translation.override(language):
        return reverse("comments_privacy:request")


def _too_many():
    return _(
        "You have asked for this link too many times today. Please check your inbox, including "
        "the spam folder, or try again tomorrow."
    )


# -- Retention -------------------------------------------------------------------------------------


def purge_networks(*, days: int | None = None, now=None) -> int:
    """Clear the networks of comments, votes and reports older than the retention period.

    Safe to run any number of times; returns how many rows were cleared."""
    days = network_retention_days() if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    cleared = sum(
        model.objects.filter(created_at__lt=cutoff).exclude(ip_network="").update(ip_network="")
        for model in (Comment, Vote, Report)
    )
    return cleared + sum(kind.forget_networks(cutoff) for kind in kinds(SCOPE))
