"""Reader endpoints of the discussion: HTML forms that work with JavaScript off, and the small
JSON answers comments.js asks for (reader state, live check, rendered fragments).

Each view parses input with a form from forms.py, calls one function of services.py and picks
the response: a 303 back to the article (JavaScript off), JSON with a server-rendered fragment
(JavaScript on), or the form again with translated errors. Article pages are shared through the
page cache, so nothing here relies on a CSRF token baked into them: state-changing endpoints
check the request's origin instead (core.origin), and per-reader state comes from `reader_state`.
"""

from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from edicola.core.origin import same_origin_required
from edicola.news.models import ArticlePage

from .. import reactions, services
from ..forms import CommentForm, EditForm, ReplyForm, ReportForm, VoteForm
from ..models import SORTS, Comment, Discussion, Vote, sort_or_default
from ..readers import (
    EDIT_COOKIE_PREFIX,
    GUEST_COOKIE_AGE,
    SORT_COOKIE,
    client_info,
    remember_reader,
)
from ..services import CommentError
from .responses import (
    NOTES,
    add_error,
    answer_post,
    back_to_article,
    error_json,
    form_error_json,
    private,
    render_comment,
    see_other,
    wants_json,
)
from .thread_context import (
    discussion_context,
    edit_tokens,
    editable_comments,
    form_stamp,
    guest_details,
    is_personal,
    privacy_url,
    read_stamp,
    sort_for,
    whole_number,
)

FRAGMENT_SECONDS = 300


def article_or_404(article_id: int):
    article = ArticlePage.objects.visible(article_id)
    if article is None:
        raise Http404
    return article


def _comment_or_404(pk: int) -> Comment:
    comment = (
        Comment.objects.published().on_published_articles().filter(pk=pk).select_related().first()
    )
    if comment is None:
        raise Http404
    return comment


@same_origin_required
@require_POST
def post_comment(request, article_id: int):
    """A new comment or a reply (field `parent`), from the article's form or the reply form."""
    article = article_or_404(article_id)
    client = client_info(request)
    form_class = ReplyForm if request.POST.get("parent") else CommentForm
    form = form_class(request.POST, user=client.user)
    status = 400
    comment = None
    if form.is_valid():
        data = form.to_input()
        data.stamp = read_stamp(request, article.pk)
        try:
            comment = services.submit_comment(article, data, client=client)
        except CommentError as error:
            add_error(form, error)
            status = error.status
    if comment is None:
        if wants_json(request):
            return form_error_json(form, status)
        parent = _parent_for(article, request.POST.get("parent"))
        response = render(
            request,
            "comments/form_page.html",
            {
                "article": article,
                "form": form,
                "parent": parent,
                "stamp": request.POST.get("stamp", "") or form_stamp(article.pk),
                "user": client.user,
                "privacy_url": privacy_url(request),
            },
            status=status,
        )
        return private(response)

    return answer_post(request, article, comment, form, client)


def _parent_for(article, value) -> Comment | None:
    pk = whole_number(value)
    if pk is None:
        return None
    return Comment.objects.published().filter(pk=pk, article=article).first()


def _token_for(request, comment: Comment) -> str:
    return edit_tokens(request).get(comment.pk, "") or str(request.POST.get("token", ""))[:200]


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_comment(request, pk: int):
    comment = _comment_or_404(pk)
    article = comment.article
    client = client_info(request)
    token = _token_for(request, comment)
    if request.method != "POST":
        if not services.can_edit(comment, client=client, token=token):
            return private(_refused_page(request, article, _edit_closed_message(), 403))
        form = EditForm(initial={"body": comment.body})
        return private(_edit_page(request, comment, form))
    form = EditForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            comment = services.edit_comment(
                comment, form.cleaned_data["body"], client=client, token=token
            )
        except CommentError as error:
            add_error(form, error)
            status = error.status
        else:
            if wants_json(request):
                html = render_comment(request, comment, editable={comment.pk})
                return private(JsonResponse({"id": comment.pk, "html": html}))
            return back_to_article(article, "modificato", comment.anchor)
    if wants_json(request):
        return form_error_json(form, status)
    return private(_edit_page(request, comment, form, status=status))


def _edit_closed_message() -> str:
    return _(
        "This comment can no longer be changed: the time to edit it has passed, someone has "
        "replied, or it was written in another browser."
    )


def _edit_page(request, comment, form, status: int = 200) -> HttpResponse:
    return render(
        request,
        "comments/edit_page.html",
        {"article": comment.article, "comment": comment, "form": form},
        status=status,
    )


def _refused_page(request, article, message, status: int) -> HttpResponse:
    return render(
        request,
        "comments/refused_page.html",
        {"article": article, "message": message},
        status=status,
    )


@same_origin_required
@require_POST
def delete_comment(request, pk: int):
    comment = _comment_or_404(pk)
    article = comment.article
    client = client_info(request)
    try:
        services.delete_comment(comment, client=client, token=_token_for(request, comment))
    except CommentError as error:
        if wants_json(request):
            return error_json(error.message, {}, error.status)
        return private(_refused_page(request, article, error.message, error.status))
    if wants_json(request):
        comment.refresh_from_db()
        html = render_comment(request, comment)
        response = private(JsonResponse({"id": comment.pk, "html": html}))
    else:
        response = back_to_article(article, "eliminato")
    response.delete_cookie(f"{EDIT_COOKIE_PREFIX}{comment.pk}", samesite="Lax")
    return response


@same_origin_required
@require_POST
def vote(request, pk: int):
    comment = _comment_or_404(pk)
    client = client_info(request)
    form = VoteForm(request.POST)
    try:
        if not form.is_valid():
            raise CommentError(form.errors["value"][0], field="value")
        value = form.cleaned_data["value"]
        comment = reactions.vote(comment, value, client=client)
    except CommentError as error:
        if wants_json(request):
            response = error_json(error.message, {}, error.status)
        else:
            response = private(_refused_page(request, comment.article, error.message, error.status))
        return remember_reader(request, response)
    if wants_json(request):
        response = private(
            JsonResponse(
                {
                    "id": comment.pk,
                    "score": comment.score,
                    "upvotes": comment.upvotes,
                    "downvotes": comment.downvotes,
                    "value": value,
                }
            )
        )
    else:
        response = back_to_article(comment.article, "votato", comment.anchor)
    return remember_reader(request, response)


@same_origin_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request, pk: int):
    comment = _comment_or_404(pk)
    if comment.is_removed:
        raise Http404
    client = client_info(request)
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                reactions.report(
                    comment,
                    form.cleaned_data["reason"],
                    client=client,
                    note=form.cleaned_data.get("note", ""),
                )
            except CommentError as error:
                add_error(form, error)
                status = error.status
            else:
                if wants_json(request):
                    response = JsonResponse({"id": comment.pk, "message": NOTES["segnalato"]()})
                    response = private(response)
                else:
                    response = back_to_article(comment.article, "segnalato", comment.anchor)
                return remember_reader(request, response)
        if wants_json(request):
            return form_error_json(form, status)
    else:
        form = ReportForm()
    response = render(
        request,
        "comments/report_page.html",
        {"article": comment.article, "comment": comment, "form": form},
        status=status,
    )
    return private(response)


@require_GET
def set_sort(request, article_id: int):
    """Remember the reader's sort order (a link, so it works without JavaScript)."""
    sort = sort_or_default(request.GET.get("ordine", ""))
    if wants_json(request):
        response = private(HttpResponse(status=204))
    else:
        article = article_or_404(article_id)
        response = see_other(f"{article.get_url() or '/'}#commenti")
    response.set_cookie(
        SORT_COOKIE,
        sort,
        max_age=GUEST_COOKIE_AGE,
        secure=request.is_secure(),
        samesite="Lax",
    )
    return response


@require_GET
def reader_state(request, article_id: int):
    """What a cached page cannot know about this reader: votes, editable comments, details."""
    client = client_info(request)
    votes = {}
    if client.user is not None or request.COOKIES.get("edicola_lettore"):
        votes = dict(
            Vote.objects.filter(voter=client.reader_id, comment__article_id=article_id)
            .values_list("comment_id", "value")
            .order_by()[:2000]
        )
    from django.urls import reverse

    editable = {
        pk: {
            "edit": reverse("comments:edit", args=[pk]),
            "delete": reverse("comments:delete", args=[pk]),
        }
        for pk in sorted(editable_comments(request, article_id, client))
    }
    user = client.user
    state = {
        "logged_in": user is not None,
        "user_name": (user.get_full_name() or user.get_username()) if user else "",
        "guest": {} if user else guest_details(request),
        "votes": votes,
        "editable": editable,
        "sort": sort_for(request),
        "stamp": form_stamp(article_id),
    }
    return private(JsonResponse(state))


def _live_state(article_id: int) -> tuple[int, int] | None:
    return Discussion.objects.filter(pk=article_id).values_list("version", "comment_count").first()


@require_GET
def live(request, article_id: int):
    """Has the discussion changed? 304 when the reader's ETag (the version) is current."""
    state = _live_state(article_id)
    version, count = state if state else (0, 0)
    etag = f'"v{version}"'
    if request.headers.get("If-None-Match", "") == etag:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"version": version, "count": count})
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
def thread_fragment(request, article_id: int):
    """The current page of threads as HTML, for "load more", sorting and live updates."""
    article = article_or_404(article_id)
    sort = request.GET.get("ordine", "")
    sort = sort if sort in SORTS else sort_for(request)
    state = _live_state(article_id)
    version = state[0] if state else 0
    key = (
        f"comments:fragment:{article_id}:{version}:{sort}:{get_language()}:"
        f"{request.GET.get('commenti', '')}:{request.GET.get('pagina-commenti', '')}"
    )
    personal = is_personal(request)
    html = None if personal else cache.get(key)
    if html is None:
        context = discussion_context(request, article, sort=sort)
        html = render_to_string("comments/thread.html", context, request=request)
        if not personal:
            cache.set(key, html, FRAGMENT_SECONDS)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["ETag"] = f'"v{version}"'
    response["Cache-Control"] = "private, no-cache"
    return response
