"""The errors a reader reported in a passage, as personal data of the commenter privacy scope.

Registered by PassagesConfig.ready() under edicola.comments.privacy.SCOPE: the commenter's
export lists them and their erasure unlinks them; the hourly network-retention sweep of the
comments clears their networks too.
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from edicola.comments import privacy as comment_privacy
from edicola.core.privacy import DataKind

from .models import ErrorReport


def _reports(subject):
    """Errors reported in passages with the subject's address, or from their accounts/browsers."""
    linked = Q(email=subject.email) if subject.email else Q(pk__in=[])
    if subject.reader_ids:
        linked |= Q(reader_id__in=subject.reader_ids)
    return ErrorReport.objects.filter(linked)


class ErrorReportData(DataKind):
    """Errors the subject reported in a passage of an article (edicola.passages.ErrorReport).

    Erasure unlinks a report from the person: the e-mail address, the network and the reader
    id are cleared. The explanation and the quoted passage stay, because they are about the
    article, not about the reader, and the newsroom may still have to check or publish the
    correction; once unlinked nothing ties them to the address any more.
    """

    identifier = "error_reports"
    name = _("Errors you reported")
    description = _(
        "Errors you reported in a passage of an article, with your explanation. Erasing removes "
        "your e-mail address and network from them; the explanation stays with the newsroom, "
        "no longer linked to you."
    )

    def count(self, subject):
        return _reports(subject).count()

    def forget_networks(self, before):
        return (
            ErrorReport.objects.filter(created_at__lt=before)
            .exclude(ip_network="")
            .update(ip_network="")
        )

    def export(self, subject):
        errors = _reports(subject)
        return [
            {
                "id": row["pk"],
                "article_title": row["article__title"],
                "article_url": comment_privacy.article_url(row["article__url_path"]),
                "passage": row["exact"],
                "explanation": row["explanation"],
                "email": row["email"] or None,
                "network": row["ip_network"] or None,
                "status": row["status"],
                "correction": row["correction"],
                "date": row["created_at"].isoformat(),
            }
            for row in errors.order_by("created_at", "pk").values(
                "pk",
                "article__title",
                "article__url_path",
                "exact",
                "explanation",
                "email",
                "ip_network",
                "status",
                "correction",
                "created_at",
            )
        ]

    def erase(self, subject):
        return _reports(subject).update(email="", ip_network="", reader_id="")
