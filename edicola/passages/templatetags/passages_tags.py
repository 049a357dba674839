"""Template helpers for passages on the article page and in the discussion: the corrections note
and script (outside the cached article fragment), the "Inline feedback" filter, and the passage a
comment quotes."""

from django import template
from django.template.loader import render_to_string

from edicola.comments import stamps
from edicola.comments.threads import ThreadNode
from edicola.passages import services
from edicola.passages.models import PassageAnchor

register = template.Library()


@register.simple_tag(takes_context=True)
def passages_for(context, article) -> str:
    """Corrections note, the passages.js configuration and script, for the article page."""
    return render_to_string(
        "passages/article_extras.html",
        {"article": article, "corrections": services.corrections(article)},
        request=context.get("request"),
    )


@register.simple_tag(takes_context=True)
def inline_feedback(context, article) -> dict:
    """The editor's questions of `article` with their published answers, and whether the
    discussion shows them alone (?commenti=feedback)."""
    request = context.get("request")
    query = getattr(request, "GET", {})
    questions = services.questions_of(article)
    if not questions:
        return {"questions": [], "count": 0, "active": False}
    answers = services.feedback_answers(article)
    by_question: dict[str, list] = {key: [] for key in questions}
    orphans = []
    for comment in answers:
        node = ThreadNode(comment=comment, replies=[])
        by_question.get(comment.passage.question_id, orphans).append(node)
    _remember(request, article.pk, {comment.pk: comment.passage for comment in answers})
    return {
        "questions": [
            {"id": key, **value, "answers": by_question[key]} for key, value in questions.items()
        ],
        "orphans": orphans,
        "count": len(answers),
        "active": query.get("commenti") == "feedback",
        "open": str(query.get("domanda", ""))[:40],
        # The answer forms shown without JavaScript are passage forms, with their own stamp.
        "stamp": stamps.issue(stamps.form_for(article.pk, "passage")),
    }


def _remember(request, article_id: int, anchors: dict) -> None:
    if request is None:
        return
    store = request.__dict__.setdefault("_passages_by_comment", {})
    store.setdefault(article_id, {}).update(anchors)


@register.simple_tag(takes_context=True)
def passage_of(context, comment) -> PassageAnchor | None:
    """The passage `comment` is about, if any; one query per request and article."""
    if comment.pk is None:
        return None
    request = context.get("request")
    store = request.__dict__.setdefault("_passages_by_comment", {}) if request else {}
    loaded = store.get(f"loaded:{comment.article_id}")
    if not loaded:
        anchors = services.anchors_by_comment(comment.article_id)
        store.setdefault(comment.article_id, {}).update(anchors)
        store[f"loaded:{comment.article_id}"] = True
    return store.get(comment.article_id, {}).get(comment.pk)
