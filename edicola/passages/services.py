"""The rules of passage comments, answers to editors' questions and error reports.

Answers and passage comments are ordinary comments: they go through
edicola.comments.services.submit_comment (moderation, spam, rate limits), and a PassageAnchor
saved in the same transaction links them to their passage. The anchor is checked first, so a bad
anchor saves nothing. Every refusal is a PassageError (a CommentError: translated message,
field, HTTP status).

Anchors follow the article: on publish, reanchor_article() finds every passage again in the new
text (anchoring.locate) and marks those it cannot recognise "modified"; their comments and
quotes are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from edicola.comments import services as comments
from edicola.comments.forms import CommentInput
from edicola.comments.models import Comment, Discussion
from edicola.comments.readers import ClientInfo, ip_network, reader_key
from edicola.comments.services import CommentError
from edicola.core import ratelimit
from edicola.core.mail import queue_mail
from edicola.core.tasks import after_commit
from edicola.news.models import ArticlePage

from . import anchoring
from .models import QUOTE_MAX, ErrorReport, PassageAnchor
from .text import ArticleText, article_text

EXPLANATION_MAX = ErrorReport._meta.get_field("explanation").max_length
REPORT_RATES = ["5/600", "30/86400"]
EDITOR_GROUPS = ("Editors", "Moderators")


class PassageError(CommentError):
    """A passage, question or report refused; nothing was saved."""


@dataclass(frozen=True)
class PassageInput:
    """A passage as the browser describes it (TextQuoteSelector + TextPositionSelector)."""

    exact: str
    prefix: str = ""
    suffix: str = ""
    start: int | None = None

    @classmethod
    def from_data(cls, data) -> PassageInput:
        """From form or JSON data; bounded, so nothing huge reaches the matcher."""

        def text(name: str, limit: int) -> str:
            value = data.get(name, "")
            return value[: limit * 4] if isinstance(value, str) else ""

        raw_start = str(data.get("start", "") or "")
        start = int(raw_start) if raw_start.isdigit() and len(raw_start) < 9 else None
        return cls(
            exact=text("exact", QUOTE_MAX),
            prefix=text("prefix", 200),
            suffix=text("suffix", 200),
            start=start,
        )


def current_text(article) -> ArticleText:
    """The anchorable text of the article as readers see it (its live body)."""
    return article_text(article.body)


def questions_of(article) -> dict:
    """The article's questions for readers (id → passage, question), without reading the text."""
    return {
        block.value["question_id"]: {
            "passage": anchoring.normalise(block.value["passage"]),
            "question": block.value["question"],
        }
        for block in article.body
        if block.block_type == "feedback"
    }


# -- Checking a passage -----------------------------------------------------------------------


def locate_passage(article, passage: PassageInput, text: ArticleText | None = None):
    """The anchoring.Match of a reader's selection in the article, or PassageError.

    The quote must be non-empty, at most QUOTE_MAX characters, inside one block of the body and
    found exactly in the article's current text (so text from another article, a caption or a
    forged request is refused).
    """
    exact = anchoring.normalise(passage.exact)
    if not exact:
        raise PassageError(_("Select some words of the article first."), field="exact")
    if len(exact) > QUOTE_MAX:
        raise PassageError(
            _("Select at most %(limit)s characters.") % {"limit": QUOTE_MAX}, field="exact"
        )
    if anchoring.UNIT_SEPARATOR in passage.exact.strip():
        # The browser joins blocks with a line break; a quote holding one spans blocks.
        raise PassageError(_("Select text within a single paragraph."), field="exact")
    text = text or current_text(article)
    selector = anchoring.Selector(
        exact,
        anchoring.normalise(passage.prefix)[-anchoring.CONTEXT_CHARS :],
        anchoring.normalise(passage.suffix)[: anchoring.CONTEXT_CHARS],
        passage.start,
    )
    match = anchoring.locate(text.text, selector)
    if match is None or not match.exact:
        raise PassageError(
            _("The selected text is not in this article's text (captions and images excepted)."),
            field="exact",
        )
    return match, text


def _selector_fields(text: str, match) -> dict:
    selector = match.selector(text)
    return {
        "exact": selector.exact,
        "prefix": selector.prefix,
        "suffix": selector.suffix,
        "start": match.start,
        "end": match.end,
    }


def _question(article, question_id: str, text: ArticleText | None = None) -> tuple[str, dict]:
    text = text or current_text(article)
    question_id = str(question_id or "")[:40]
    if question_id not in text.questions:
        raise PassageError(_("This question is not in the article."), field="question")
    return question_id, text.questions[question_id]


# -- Posting ------------------------------------------------------------------------------------


def _submit_anchored(article, data: CommentInput, client: ClientInfo, anchor: dict) -> Comment:
    if data.parent_id:
        raise PassageError(_("A passage comment starts its own thread."), field="parent")
    with transaction.atomic():
        comment = comments.submit_comment(article, data, client=client)
        if comment.pk is not None:
            PassageAnchor.objects.create(
                comment=comment,
                article_id=article.pk,
                revision_id=article.live_revision_id,
                **anchor,
            )
    return comment


def comment_on_passage(
    article, passage: PassageInput, data: CommentInput, *, client: ClientInfo
) -> Comment:
    """A reader's comment on words they selected; like submit_comment, plus the anchor."""
    match, text = locate_passage(article, passage)
    fields = _selector_fields(text.text, match)
    anchor = {"kind": PassageAnchor.Kind.SELECTION, "quote": fields["exact"], **fields}
    return _submit_anchored(article, data, client, anchor)


def answer_question(article, question_id: str, data: CommentInput, *, client: ClientInfo):
    """A reader's answer to an editor's question for readers; like submit_comment."""
    question_id, question = _question(article, question_id)
    anchor = {
        "kind": PassageAnchor.Kind.QUESTION,
        "question_id": question_id,
        "quote": question["passage"],
        "exact": question["passage"],
    }
    return _submit_anchored(article, data, client, anchor)


# -- Re-anchoring on publish ----------------------------------------------------------------------


def reanchor(anchors, text: ArticleText, revision_id: int | None) -> list[PassageAnchor]:
    """Find every anchor again in `text`; returns those that changed (not saved)."""
    changed = []
    for anchor in anchors:
        before = (anchor.state, anchor.start, anchor.end, anchor.exact)
        if anchor.kind == PassageAnchor.Kind.QUESTION:
            question = text.questions.get(anchor.question_id)
            anchor.state = anchor.State.ANCHORED if question else anchor.State.MODIFIED
            if question:
                anchor.exact = question["passage"]
        else:
            selector = anchoring.Selector(anchor.exact, anchor.prefix, anchor.suffix, anchor.start)
            match = anchoring.locate(text.text, selector)
            if match is None:
                anchor.state = anchor.State.MODIFIED
            else:
                anchor.state = anchor.State.ANCHORED
                for name, value in _selector_fields(text.text, match).items():
                    setattr(anchor, name, value)
        if (anchor.state, anchor.start, anchor.end, anchor.exact) != before:
            anchor.revision_id = revision_id
            changed.append(anchor)
    return changed


def reanchor_article(article, revision_id: int | None = None) -> dict:
    """Re-anchor every passage comment of `article` to its live body (called on publish).

    Returns {"anchors": n, "changed": n, "modified": n}. Bumps the discussion's version when a
    passage changed state, so cached threads show the "passage modified" mark.
    """
    anchors = list(
        PassageAnchor.objects.filter(article_id=article.pk).only(
            "comment_id",
            "kind",
            "question_id",
            "exact",
            "prefix",
            "suffix",
            "start",
            "end",
            "state",
            "revision",
        )
    )
    if not anchors:
        return {"anchors": 0, "changed": 0, "modified": 0}
    text = current_text(article)
    states = {anchor.pk: anchor.state for anchor in anchors}
    changed = reanchor(anchors, text, revision_id or article.live_revision_id)
    if changed:
        now = timezone.now()
        for anchor in changed:
            anchor.anchored_at = now
        PassageAnchor.objects.bulk_update(
            changed,
            ["state", "exact", "prefix", "suffix", "start", "end", "revision_id", "anchored_at"],
            batch_size=500,
        )
        if any(states[anchor.pk] != anchor.state for anchor in changed):
            Discussion.objects.filter(pk=article.pk).update(version=F("version") + 1)
    return {
        "anchors": len(anchors),
        "changed": len(changed),
        "modified": sum(1 for anchor in anchors if anchor.state == anchor.State.MODIFIED),
    }


# -- Reading ------------------------------------------------------------------------------------


def passage_map(article) -> dict:
    """What passages.js highlights: anchored passages with their published comments, and the
    number of published answers per question. Offsets are in JavaScript string units."""
    from .text import astral_positions, utf16_offset

    anchors = (
        PassageAnchor.objects.filter(
            article_id=article.pk,
            state=PassageAnchor.State.ANCHORED,
            comment__status=Comment.Status.APPROVED,
        )
        .select_related("comment")
        .order_by("start", "comment_id")
    )
    text = current_text(article).text
    astral = astral_positions(text)
    passages: dict[tuple[int, int], dict] = {}
    questions: dict[str, int] = {}
    for anchor in anchors:
        if anchor.kind == PassageAnchor.Kind.QUESTION:
            questions[anchor.question_id] = questions.get(anchor.question_id, 0) + 1
            continue
        if text[anchor.start : anchor.end] != anchor.exact:
            continue  # published after the anchors were last placed; wait for re-anchoring
        key = (anchor.start, anchor.end)
        entry = passages.setdefault(
            key,
            {
                "start": utf16_offset(astral, anchor.start),
                "end": utf16_offset(astral, anchor.end),
                "exact": anchor.exact,
                "comments": [],
            },
        )
        entry["comments"].append(
            {
                "id": anchor.comment_id,
                "author": anchor.comment.author_name,
                "excerpt": anchor.comment.body[:140],
            }
        )
    return {"passages": list(passages.values()), "questions": questions}


def feedback_answers(article) -> list[Comment]:
    """Published answers to the article's questions, oldest first, with their anchors."""
    return list(
        Comment.objects.filter(
            article_id=article.pk,
            status=Comment.Status.APPROVED,
            passage__kind=PassageAnchor.Kind.QUESTION,
        )
        .select_related("passage")
        .order_by("created_at", "pk")
    )


def feedback_count(article) -> int:
    return Comment.objects.filter(
        article_id=article.pk,
        status=Comment.Status.APPROVED,
        passage__kind=PassageAnchor.Kind.QUESTION,
    ).count()


def anchors_by_comment(article_id: int) -> dict[int, PassageAnchor]:
    return {
        anchor.comment_id: anchor
        for anchor in PassageAnchor.objects.filter(article_id=article_id).only(
            "comment_id", "kind", "question_id", "quote", "state"
        )
    }


# -- Error reports ------------------------------------------------------------------------------


def _clean_explanation(value) -> str:
    value = " ".join(str(value or "").split())
    if not value:
        raise PassageError(_("Explain briefly what is wrong."), field="explanation")
    if "\x00" in value:
        raise PassageError(
            _("The text contains characters that are not allowed."), field="explanation"
        )
    if len(value) > EXPLANATION_MAX:
        raise PassageError(
            _("Keep the explanation under %(limit)s characters.") % {"limit": EXPLANATION_MAX},
            field="explanation",
        )
    return value


def _clean_optional_email(value) -> str:
    value = str(value or "").strip().lower()
    if not value:
        return ""
    try:
        if len(value) > 254:
            raise ValidationError("too long")
        validate_email(value)
    except ValidationError:
        raise PassageError(_("Enter a valid e-mail address."), field="email") from None
    return value


def newsroom_addresses(article) -> list[str]:
    """Who hears about an error report: the article's authors' accounts and the editors."""
    from edicola.news.models import ArticleAuthor

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    authors = ArticleAuthor.objects.filter(article_id=article.pk).values("author__user")
    chosen = users.filter(Q(pk__in=authors) | Q(groups__name__in=EDITOR_GROUPS))
    return sorted({email.strip().lower() for email in chosen.values_list("email", flat=True)})


def report_error(
    article,
    passage: PassageInput,
    explanation: str,
    *,
    client: ClientInfo,
    email: str = "",
) -> ErrorReport:
    """A reader flags a passage as wrong: saved as an open ErrorReport and mailed to the
    newsroom (newsroom_addresses) after commit. Limited per address and reader."""
    explanation = _clean_explanation(explanation)
    email = _clean_optional_email(email)
    if not ArticlePage.objects.is_visible(article):
        raise PassageError(_("This article is not published."), status=404)
    match, text = locate_passage(article, passage)
    identities = [client.ip, reader_key(client)]
    hashed = [ratelimit.keyed_hash(value) for value in identities if value]
    try:
        ratelimit.hit("passage-error", hashed, REPORT_RATES)
    except ratelimit.RateLimited as limited:
        raise PassageError(
            comments.retry_message(limited.retry_after),
            status=429,
            retry_after=limited.retry_after,
        ) from None
    with transaction.atomic():
        report = ErrorReport.objects.create(
            article_id=article.pk,
            revision_id=article.live_revision_id,
            explanation=explanation,
            email=email,
            reader_id=reader_key(client),
            ip_network=ip_network(client.ip),
            **_selector_fields(text.text, match),
        )
        for address in newsroom_addresses(article):
            queue_mail(
                address,
                _("Error reported in “%(title)s”") % {"title": article.title},
                "passages/email/error_report",
                {"report": report, "article": article, "article_url": article.full_url or ""},
            )
    return report


def resolve_error(report: ErrorReport, status: str, *, actor, correction: str = ""):
    """Mark a report fixed or rejected (or open again); a fix may carry a public note."""
    if status not in ErrorReport.Status.values:
        raise PassageError(_("Unknown status."), field="status")
    correction = " ".join(str(correction or "").split())[:300]
    report.status = status
    report.correction = correction if status == ErrorReport.Status.FIXED else report.correction
    report.resolved_at = None if status == ErrorReport.Status.OPEN else timezone.now()
    report.resolved_by = None if status == ErrorReport.Status.OPEN else actor
    report.save(update_fields=["status", "correction", "resolved_at", "resolved_by"])
    from edicola.core import pagecache

    after_commit(pagecache.invalidate_page, report.article)
    return report


def corrections(article) -> list[ErrorReport]:
    """Fixed reports of the article, newest fix first, for the public "Corrections" note."""
    return list(
        ErrorReport.objects.filter(article_id=article.pk, status=ErrorReport.Status.FIXED)
        .order_by("-resolved_at", "-pk")
        .only("exact", "correction", "resolved_at")
    )


def open_report_counts() -> dict:
    return dict(
        ErrorReport.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
