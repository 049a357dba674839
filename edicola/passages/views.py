"""Reader endpoints of passages: answer a question, comment on a selected passage, report an
error, and the small JSON map of highlighted passages that passages.js reads.

Like edicola.comments.views: parse with a form, call one service, then answer 303 back to the
article (JavaScript off), JSON (Accept: application/json), or the form again with translated
errors. Article pages are shared through the page cache, so the form fragment and the map come
from these endpoints, never from the cached article HTML.
"""

import json

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from edicola.comments.forms import CommentForm
from edicola.comments.models import Discussion
from edicola.comments.readers import client_info, remember_reader
from edicola.comments.views import discussion as comment_views
from edicola.comments.views import responses, thread_context
from edicola.comments.views.responses import error_json, private, wants_json
from edicola.core.origin import same_origin_required

from . import services
from .services import PassageError, PassageInput

MAP_SECONDS = 300


def _question_of(article, question_id: str) -> dict | None:
    questions = services.current_text(article).questions
    if question_id in questions:
        return {"id": question_id, **questions[question_id]}
    return None


def _form_context(request, article, *, form=None, question=None, kind="comment", passage=None):
    client = client_info(request)
    return {
        "article": article,
        "form": form,
        "question": question,
        "kind": kind,
        "passage": passage,
        "stamp": thread_context.form_stamp(article.pk, "passage"),
        "user": client.user,
        "initial": thread_context.guest_details(request) if client.user is None else {},
        "privacy_url": thread_context.privacy_url(request),
        "prefix": f"domanda-{question['id']}" if question else f"passaggio-{kind}",
    }


@require_GET
def form_fragment(request, article_id: int):
    """The mini form passages.js shows in place: ?domanda=<id>, or ?tipo=errore|commento."""
    article = comment_views.article_or_404(article_id)
    question = None
    kind = "error" if request.GET.get("tipo") == "errore" else "comment"
    if request.GET.get("domanda"):
        question = _question_of(article, request.GET["domanda"][:40])
        if question is None:
            return error_json(_("This question is not in the article."), {}, 404)
    context = _form_context(request, article, question=question, kind=kind)
    template = "passages/report_form.html" if kind == "error" else "passages/form.html"
    return private(HttpResponse(render_to_string(template, context, request=request)))


@same_origin_required
@require_POST
def post_comment(request, article_id: int):
    """An answer to a question (field `question`) or a comment on a passage (exact, prefix,
    suffix, start)."""
    article = comment_views.article_or_404(article_id)
    client = client_info(request)
    form = CommentForm(request.POST, user=client.user)
    question_id = str(request.POST.get("question", ""))[:40]
    passage = PassageInput.from_data(request.POST)
    status, comment = 400, None
    if form.is_valid():
        data = form.to_input()
        data.parent_id = None
        data.stamp = thread_context.read_stamp(request, article.pk, "passage")
        try:
            if question_id:
                comment = services.answer_question(article, question_id, data, client=client)
            else:
                comment = services.comment_on_passage(article, passage, data, client=client)
        except PassageError as error:
            responses.add_error(form, error)
            status = error.status
        except services.CommentError as error:
            responses.add_error(form, error)
            status = error.status
    if comment is None:
        if wants_json(request):
            return responses.form_error_json(form, status)
        question = _question_of(article, question_id) if question_id else None
        context = _form_context(
            request, article, form=form, question=question, passage=passage.exact
        )
        context["stamp"] = request.POST.get("stamp", "") or context["stamp"]
        return private(render(request, "passages/form_page.html", context, status=status))

    return responses.answer_post(request, article, comment, form, client)


@same_origin_required
@require_POST
def report_error(request, article_id: int):
    """A reader's "report an error" on a passage: explanation, optional e-mail, the selector."""
    article = comment_views.article_or_404(article_id)
    client = client_info(request)
    passage = PassageInput.from_data(request.POST)
    try:
        if request.POST.get("address"):  # the honeypot: answer as if accepted, save nothing
            report = None
        else:
            report = services.report_error(
                article,
                passage,
                request.POST.get("explanation", ""),
                client=client,
                email=request.POST.get("email", ""),
            )
    except PassageError as error:
        if wants_json(request):
            errors = {error.field: [str(error.message)]} if error.field else {}
            return error_json(error.message, errors, error.status)
        context = _form_context(request, article, kind="error", passage=passage.exact)
        context.update(error=error.message, values=request.POST)
        return private(render(request, "passages/form_page.html", context, status=error.status))
    message = _("Thank you: the newsroom will check the passage you reported.")
    if wants_json(request):
        response = private(
            JsonResponse({"id": report.pk if report else None, "message": message}, status=201)
        )
    else:
        response = responses.see_other(f"{article.get_url() or '/'}#correzioni")
    return remember_reader(request, response)


@require_GET
def passage_map(request, article_id: int):
    """Highlighted passages and question counts: same for every reader, revalidated by ETag
    (discussion version + live revision), kept in the server cache meanwhile."""
    article = comment_views.article_or_404(article_id)
    version = Discussion.objects.filter(pk=article_id).values_list("version", flat=True).first()
    etag = f'"p{version or 0}-{article.live_revision_id or 0}"'
    if request.headers.get("If-None-Match", "") == etag:
        response = HttpResponseNotModified()
    else:
        key = f"passages:map:{article_id}:{etag}:{get_language()}"
        body = cache.get(key)
        if body is None:
            body = json.dumps(services.passage_map(article), ensure_ascii=False)
            cache.set(key, body, MAP_SECONDS)
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    # Private keeps the shared page cache out; the browser revalidates with the ETag.
    response["Cache-Control"] = "private, no-cache"
    return response
