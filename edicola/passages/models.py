"""Passages of an article that readers talk about: where a comment is anchored, and the errors
readers report in a sentence. Comments themselves stay in edicola.comments; an anchor only
points at one. Rules live in services.py, the matching algorithm in anchoring.py.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

QUOTE_MAX = 1000
CONTEXT_MAX = 100


class SelectorFields(models.Model):
    """A TextQuoteSelector (exact, prefix, suffix) plus a TextPositionSelector hint (start, end)
    in the article's anchorable text (passages.text) of `revision`."""

    exact = models.TextField(_("passage"), max_length=QUOTE_MAX)
    prefix = models.CharField(max_length=CONTEXT_MAX, blank=True)
    suffix = models.CharField(max_length=CONTEXT_MAX, blank=True)
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        abstract = True


class PassageAnchor(SelectorFields):
    """The passage a comment is about: an editor's question, or words a reader selected."""

    class Kind(models.TextChoices):
        QUESTION = "question", _("Answer to a question for readers")
        SELECTION = "selection", _("Comment on a passage")

    class State(models.TextChoices):
        ANCHORED = "anchored", _("Anchored")
        MODIFIED = "modified", _("Passage modified")

    comment = models.OneToOneField(
        "comments.Comment",
        verbose_name=_("comment"),
        primary_key=True,
        related_name="passage",
        on_delete=models.CASCADE,
    )
    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        related_name="passage_anchors",
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    question_id = models.CharField(_("question"), max_length=40, blank=True)
    # What the reader saw when commenting; never changes, shown with the comment.
    quote = models.TextField(_("quoted passage"), max_length=QUOTE_MAX)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.ANCHORED
    )
    anchored_at = models.DateTimeField(_("anchored"), default=timezone.now)

    class Meta:
        verbose_name = _("passage anchor")
        verbose_name_plural = _("passage anchors")
        indexes = [models.Index(fields=["article", "kind", "state"])]

    def __str__(self) -> str:
        return f"#{self.comment_id}: {self.quote[:60]}"

    @property
    def is_modified(self) -> bool:
        return self.state == self.State.MODIFIED

    @property
    def target(self) -> str:
        """The id of the element "go to the passage" points at on the article page."""
        if self.kind == self.Kind.QUESTION:
            return f"domanda-{self.question_id}"
        return f"passaggio-{self.comment_id}"


class ErrorReport(SelectorFields):
    """A reader's report that a passage is wrong, for the article's authors and editors."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIXED = "fixed", _("Fixed")
        REJECTED = "rejected", _("Rejected")

    article = models.ForeignKey(
        "news.ArticlePage",
        verbose_name=_("article"),
        related_name="error_reports",
        on_delete=models.CASCADE,
    )
    explanation = models.TextField(_("explanation"), max_length=500)
    # Optional, so the newsroom can answer; never shown to readers.
    email = models.EmailField(_("e-mail"), blank=True)
    reader_id = models.CharField(max_length=64, blank=True, editable=False)
    ip_network = models.CharField(_("network"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # Shown publicly under "Corrections" once fixed.
    correction = models.CharField(_("public correction note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("error report")
        verbose_name_plural = _("error reports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["article", "status", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.exact[:60]}"
