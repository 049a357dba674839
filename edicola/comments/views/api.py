"""JSON API of the discussion: list an article's threads, post, reply, vote, report, and edit or
delete within the window. Documented by the OpenAPI schema in openapi.py, served at
/api/commenti/openapi.json (English error messages under /en/api/commenti/).

Thin views: the body is read as a JSON object with each field's type checked, the same forms as
the HTML views shape it, one service function decides. Every refusal is JSON:
{"message": "...", "errors": {"<field or __all__>": ["..."]}} with a 4xx status, and nothing is
saved. Unsafe methods accept only requests from this site's own pages (core.origin): the API
serves our pages' scripts, not other origins. Comment JSON holds public fields only.
"""

import hashlib
import json
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from edicola.core.origin import is_same_origin, same_origin_required
from edicola.news.models import ArticlePage

from .. import openapi, reactions, services, threads
from ..forms import PAGE_MAX, CommentForm, EditForm, ReplyForm, ReportForm, VoteForm
from ..models import DEFAULT_SORT, SORTS, Comment, Discussion, Vote
from ..readers import READER_COOKIE, client_info, remember_reader
from ..services import CommentError
from ..templatetags.comments_tags import avatar_colour, avatar_initials, web_url
from .responses import post_message, private

MAX_BODY_BYTES = 64 * 1024
EDIT_TOKEN_HEADER = "X-Edit-Token"
DEFAULT_RETRY_AFTER = 60

# Accepted JSON fields per request: name → (allowed types, must be present).
COMMENT_FIELDS = {
    "body": ((str,), True),
    "name": ((str, type(None)), False),
    "email": ((str, type(None)), False),
    "url": ((str, type(None)), False),
    "parent": ((int, type(None)), False),
    "consent": ((bool,), False),
    "notify": ((bool,), False),
}
EDIT_FIELDS = {"body": ((str,), True), "edit_token": ((str, type(None)), False)}
DELETE_FIELDS = {"edit_token": ((str, type(None)), False)}
VOTE_FIELDS = {"value": ((int,), True)}
REPORT_FIELDS = {"reason": ((str,), True), "note": ((str, type(None)), False)}


class ApiError(Exception):
    """A refusal before any service runs: `message` for one problem, or `errors` by field."""

    def __init__(self, status: int, message="", *, errors=None, headers=None):
        super().__init__(str(message))
        self.status = status
        self.errors = errors or {"__all__": [str(message)]}
        self.message = str(message)
        self.headers = headers or {}


# -- Responses ----------------------------------------------------------------------------------


def error_response(status: int, errors: dict, message: str = "", headers=None) -> JsonResponse:
    if not message:
        message = next(iter(errors.get("__all__", [])), "") or _("Please correct the errors.")
    response = JsonResponse({"message": str(message), "errors": errors}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return private(response)


def form_errors(form) -> dict[str, list[str]]:
    return {
        name: [item["message"] for item in items]
        for name, items in form.errors.get_json_data().items()
    }


def _comment_error(error: CommentError) -> JsonResponse:
    headers = {}
    if error.status == 429:
        retry_after = error.retry_after or DEFAULT_RETRY_AFTER
        headers["Retry-After"] = str(int(retry_after))
    errors = {
        name or "__all__": [str(message) for message in messages]
        for name, messages in (error.errors or {}).items()
    } or {error.field or "__all__": [str(error.message)]}
    return error_response(error.status, errors, str(error.message), headers)


def _foreign_origin_message() -> str:
    return _("This request did not come from this site. Reload the page and try again.")


def api_view(*methods: str):
    """Allow `methods` (plus HEAD with GET, and OPTIONS), refuse other sites' unsafe requests
    with a JSON 403, and turn ApiError / CommentError into JSON errors."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set()) | {"OPTIONS"}
    allow_header = ", ".join(sorted(allowed))

    def decorator(view):
        # same_origin_required is the guard; the check below only makes its refusal JSON.
        guarded = same_origin_required(view)

        @wraps(guarded)
        def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = allow_header
                return response
            if request.method not in allowed:
                response = error_response(405, {"__all__": [_("This method is not allowed here.")]})
                response["Allow"] = allow_header
                return response
            if request.method not in ("GET", "HEAD") and not is_same_origin(request):
                return error_response(403, {"__all__": [_foreign_origin_message()]})
            try:
                response = guarded(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.status, error.errors, error.message, error.headers)
            except CommentError as error:
                return _comment_error(error)
            if request.method in ("GET", "HEAD"):
                return response  # reading never hands out a guest id
            return remember_reader(request, response)

        return wrapper

    return decorator


# -- Input --------------------------------------------------------------------------------------


def read_json(request, fields: dict, *, optional_body: bool = False) -> dict:
    """The request body as a JSON object holding `fields` with the right types."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        raise ApiError(400, _("The request could not be read."))
    if length > MAX_BODY_BYTES:
        raise ApiError(413, _("The request is too large."))
    if length == 0 and optional_body:
        return {}
    if request.content_type != "application/json":
        raise ApiError(415, _("Send the data as JSON (Content-Type: application/json)."))
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, _("The request is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise ApiError(400, _("The request must be a JSON object."))
    errors = {}
    for name, (types, required) in fields.items():
        if name not in data:
            if required:
                errors[name] = [_("This field is required.")]
            continue
        value = data[name]
        # bool is an int in Python, but not a number in JSON.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            errors[name] = [_("This value has the wrong type.")]
    if errors:
        raise ApiError(400, _("Please correct the errors."), errors=errors)
    return {name: data[name] for name in fields if name in data}


def _query_number(request, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= PAGE_MAX:
        message = _("Enter a whole number from 1 to %(max)s.") % {"max": PAGE_MAX}
        raise ApiError(400, message, errors={name: [message]})
    return int(raw)


def _article_or_404(article_id: int):
    article = ArticlePage.objects.visible(article_id)
    if article is None:
        raise ApiError(404, _("This article does not exist or is not published."))
    return article


def _comment_or_404(comment_id: int, *statuses: str) -> Comment:
    comment = (
        Comment.objects.on_published_articles()
        .filter(pk=comment_id, status__in=statuses)
        .select_related("article")
        .first()
    )
    if comment is None:
        raise ApiError(404, _("This comment does not exist."))
    return comment


def _known_reader(request, client) -> bool:
    """Whether the reader has an identity we may have seen before (account or guest cookie)."""
    return client.user is not None or READER_COOKIE in request.COOKIES


def _edit_token(request, data: dict) -> str:
    return (request.headers.get(EDIT_TOKEN_HEADER) or data.get("edit_token") or "")[:500]


# -- Output -------------------------------------------------------------------------------------


def _datetime(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def comment_json(comment: Comment, *, permalink_base: str = "", my_votes=None) -> dict:
    """A comment as readers see it: public fields only (never e-mail, network or keys)."""
    removed = comment.status == Comment.Status.REMOVED
    author = None
    if not removed:
        name = comment.author_name
        author = {
            "name": name,
            "badge": comment.badge or None,
            "badge_label": str(comment.get_badge_display()) if comment.badge else None,
            "website": web_url(comment.author_url) or None,
            "avatar": {"initials": avatar_initials(name), "colour": avatar_colour(name)},
        }
    return {
        "id": comment.pk,
        "parent": comment.parent_id,
        "depth": comment.depth,
        "status": comment.status,
        "author": author,
        "html": "" if removed else comment.body_html,
        "created": _datetime(comment.created_at),
        "edited": None if removed else _datetime(comment.edited_at),
        "score": comment.score,
        "upvotes": comment.upvotes,
        "downvotes": comment.downvotes,
        "my_vote": None if my_votes is None else my_votes.get(comment.pk, 0),
        "is_pinned": comment.is_pinned,
        "permalink": f"{permalink_base}#{comment.anchor}",
    }


def _node_json(node, **kwargs) -> dict:
    data = comment_json(node.comment, **kwargs)
    data["replies"] = [_node_json(reply, **kwargs) for reply in node.replies]
    return data


def _article_url(request, article) -> str:
    return article.get_url(request=request) or ""


# -- Endpoints ----------------------------------------------------------------------------------


@api_view("GET", "POST")
def article_comments(request, article_id: int):
    if request.method == "POST":
        return _create(request, article_id)
    return _list(request, article_id)


def _list(request, article_id: int):
    article = _article_or_404(article_id)
    sort = request.GET.get("sort") or DEFAULT_SORT
    if sort not in SORTS:
        raise ApiError(400, errors={"sort": [_("Choose newest, oldest or votes.")]})
    page = _query_number(request, "page", 1)
    show_all = request.GET.get("all", "") in ("1", "true")
    client = client_info(request)
    known = _known_reader(request, client)
    discussion = Discussion.objects.filter(pk=article.pk).first()
    version = discussion.version if discussion else 0

    etag = ""
    if not known:  # the same answer for every anonymous reader: let them revalidate cheaply
        key = f"{version}:{sort}:{page}:{show_all}:{get_language()}"
        etag = '"' + hashlib.blake2b(key.encode(), digest_size=8).hexdigest() + '"'
        if request.headers.get("If-None-Match") == etag:
            response = HttpResponse(status=304)
            response["ETag"] = etag
            return response

    thread = threads.thread_page(
        article, sort=sort, page=page, show_all=show_all, viewer=client if known else None
    )
    my_votes = None
    if known:
        my_votes = dict(
            Vote.objects.filter(voter=client.reader_id, comment__article_id=article.pk)
            .order_by()
            .values_list("comment_id", "value")
        )
    base = _article_url(request, article)
    response = JsonResponse(
        {
            "article": {
                "id": article.pk,
                "title": article.title,
                "url": base,
                "is_closed": bool(discussion and discussion.is_closed),
            },
            "comment_count": thread.comment_count,
            "thread_count": thread.thread_count,
            "sort": thread.sort,
            "page": thread.page,
            "page_count": thread.page_count,
            "showing_all": thread.showing_all,
            "version": version,
            "threads": [
                _node_json(node, permalink_base=base, my_votes=my_votes) for node in thread.threads
            ],
        }
    )
    if etag:
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
    else:
        response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Cookie"
    return response


def _create(request, article_id: int):
    article = _article_or_404(article_id)
    data = read_json(request, COMMENT_FIELDS)
    client = client_info(request)
    form_class = ReplyForm if data.get("parent") is not None else CommentForm
    form_data = {key: value for key, value in data.items() if value is not None}
    if "consent" in form_data:
        form_data["consent"] = "on" if form_data["consent"] else ""
    if "notify" in form_data:
        form_data["notify"] = "on" if form_data["notify"] else ""
    form = form_class(form_data, user=client.user)
    if not form.is_valid():
        return error_response(400, form_errors(form))
    comment = services.submit_comment(article, form.to_input(), client=client)
    body = {
        "comment": comment_json(comment, permalink_base=_article_url(request, article)),
        "message": post_message(comment),
    }
    if comment.status != Comment.Status.SPAM:
        # Proof of authorship for the edit window; send it back in the X-Edit-Token header.
        body["edit_token"] = services.edit_token(comment)
    response = JsonResponse(body, status=201)
    return private(response)


@api_view("PATCH", "DELETE")
def comment_detail(request, comment_id: int):
    statuses = (Comment.Status.APPROVED, Comment.Status.PENDING)
    comment = _comment_or_404(comment_id, *statuses)
    client = client_info(request)
    base = _article_url(request, comment.article)
    if request.method == "DELETE":
        data = read_json(request, DELETE_FIELDS, optional_body=True)
        services.delete_comment(comment, client=client, token=_edit_token(request, data))
        comment.refresh_from_db()
        return private(
            JsonResponse(
                {
                    "comment": comment_json(comment, permalink_base=base),
                    "message": _("Your comment has been deleted."),
                }
            )
        )
    data = read_json(request, EDIT_FIELDS)
    form = EditForm({"body": data["body"]})
    if not form.is_valid():
        return error_response(400, form_errors(form))
    comment = services.edit_comment(
        comment, form.cleaned_data["body"], client=client, token=_edit_token(request, data)
    )
    return private(
        JsonResponse(
            {
                "comment": comment_json(comment, permalink_base=base),
                "message": _("Your comment has been updated."),
            }
        )
    )


@api_view("POST")
def comment_vote(request, comment_id: int):
    comment = _comment_or_404(comment_id, Comment.Status.APPROVED)
    data = read_json(request, VOTE_FIELDS)
    form = VoteForm({"value": str(data["value"])})
    if not form.is_valid():
        return error_response(400, form_errors(form))
    value = form.cleaned_data["value"]
    comment = reactions.vote(comment, value, client=client_info(request))
    return private(
        JsonResponse(
            {
                "id": comment.pk,
                "score": comment.score,
                "upvotes": comment.upvotes,
                "downvotes": comment.downvotes,
                "my_vote": value,
            }
        )
    )


@api_view("POST")
def comment_report(request, comment_id: int):
    comment = _comment_or_404(comment_id, Comment.Status.APPROVED)
    data = read_json(request, REPORT_FIELDS)
    form = ReportForm({key: value for key, value in data.items() if value is not None})
    if not form.is_valid():
        return error_response(400, form_errors(form))
    reactions.report(
        comment,
        form.cleaned_data["reason"],
        client=client_info(request),
        note=form.cleaned_data.get("note", ""),
    )
    message = _("Thank you for your report: the moderators will review the comment.")
    return private(JsonResponse({"id": comment.pk, "message": message}))


@csrf_exempt  # no state changes here; a CSRF 403 would only hide the JSON 404
def not_found(request, unmatched: str = ""):
    """Any other address under the API (an id that is not a number, a path nobody serves): the
    API's JSON 404 rather than the site's HTML page, so clients read one error shape."""
    return error_response(404, {"__all__": [_("There is nothing at this address in the API.")]})


@api_view("GET")
def schema(request):
    response = JsonResponse(openapi.schema(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response
