"""How the discussion's views answer: the one place for private responses, JSON errors, the 303
back to the article, and the answer to a posted comment.

`answer_post()` is the one "answer a post" helper: the article's form (discussion.py), the
passages' forms (edicola.passages.views) and, through `post_message()`, the JSON API answer a
saved comment the same way: published or awaiting moderation, the edit cookie for the author, the
guest's details remembered.
"""

from urllib.parse import urlencode

from django.core import signing
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .. import services, stamps, threads
from ..conf import conf
from ..models import Comment
from ..readers import (
    EDIT_COOKIE_PREFIX,
    EDIT_COOKIE_SALT,
    GUEST_COOKIE,
    GUEST_COOKIE_AGE,
    GUEST_COOKIE_SALT,
    remember_reader,
)
from ..services import CommentError

# The notes shown on the article after an action (?nota=...), by key.
NOTES = {
    "pubblicato": lambda: _("Thank you: your comment is published."),
    "in-attesa": lambda: _(
        "Thank you: your comment is awaiting moderation and will appear once approved."
    ),
    "modificato": lambda: _("Your comment has been updated."),
    "eliminato": lambda: _("Your comment has been deleted."),
    "segnalato": lambda: _("Thank you for your report: the moderators will review the comment."),
    "votato": lambda: _("Your vote has been counted."),
}


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def private(response: HttpResponse, *, from_link: bool = False) -> HttpResponse:
    """Never stored by a shared cache; pages reached through a mailed link (`from_link`) also
    send no referrer and are not indexed."""
    response["Cache-Control"] = "private, no-store"
    if from_link:
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
    return response


def error_json(message, errors: dict, status: int) -> JsonResponse:
    return private(JsonResponse({"message": str(message), "errors": errors}, status=status))


def form_error_json(form, status: int) -> JsonResponse:
    """The form's errors as JSON, led by its first non-field error (or a generic request)."""
    messages = form.non_field_errors()
    message = messages[0] if messages else _("Please correct the errors below.")
    return error_json(message, form_errors(form), status)


def form_errors(form) -> dict:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def add_error(form, error: CommentError) -> None:
    field = error.field if error.field in form.fields else None
    if field is not None and form.fields[field].widget.is_hidden:
        field = None  # a hidden field shows no error: the reader reads it above the form
    form.add_error(field, str(error.message))


def see_other(url: str) -> HttpResponse:
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def back_to_article(article, note: str = "", anchor: str = "commenti") -> HttpResponse:
    url = article.get_url() or "/"
    if note:
        url += "?" + urlencode({"nota": note})
    return see_other(f"{url}#{anchor}")


def render_comment(request, comment: Comment, **extra) -> str:
    node = threads.ThreadNode(comment=comment, replies=[])
    return render_to_string(
        "comments/comment.html",
        {"node": node, "article": comment.article, **extra},
        request=request,
    )


def set_edit_cookie(request, response, comment: Comment) -> None:
    response.set_signed_cookie(
        f"{EDIT_COOKIE_PREFIX}{comment.pk}",
        services.edit_token(comment),
        salt=EDIT_COOKIE_SALT,
        max_age=conf("EDIT_WINDOW_SECONDS"),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def remember_guest(request, response, form) -> None:
    details = {key: form.cleaned_data.get(key, "") or "" for key in ("name", "email", "url")}
    response.set_signed_cookie(
        GUEST_COOKIE,
        signing.dumps(details, salt=GUEST_COOKIE_SALT),
        salt=GUEST_COOKIE_SALT,
        max_age=GUEST_COOKIE_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def post_note(comment: Comment) -> str:
    """The note key for a saved comment: published, or awaiting moderation (also for a comment
    a bot signal refused, so bots learn nothing)."""
    return "pubblicato" if comment.status == Comment.Status.APPROVED else "in-attesa"


def post_message(comment: Comment) -> str:
    return NOTES[post_note(comment)]()


def answer_post(request, article, comment: Comment, form, client) -> HttpResponse:
    """The answer to a comment saved by services.submit_comment (or a passage service): 201 JSON
    with the rendered comment when published, else a 303 to the article with the note; the edit
    cookie for its author, the guest's details, the reader cookie."""
    published = comment.status == Comment.Status.APPROVED
    if wants_json(request):
        html = render_comment(request, comment, editable={comment.pk}) if published else ""
        response = private(
            JsonResponse(
                {
                    "id": comment.pk,
                    "parent": comment.parent_id,
                    "published": published,
                    "message": post_message(comment),
                    "html": html,
                    # A stamp is good for one comment: the page's forms get a new one.
                    "stamp": stamps.issue(stamps.form_for(article.pk)),
                },
                status=201,
            )
        )
    else:
        anchor = comment.anchor if published else "commenti"
        response = back_to_article(article, post_note(comment), anchor)
    if comment.pk and comment.status != Comment.Status.SPAM:
        set_edit_cookie(request, response, comment)
    if client.user is None:
        remember_guest(request, response, form)
    return remember_reader(request, response)
