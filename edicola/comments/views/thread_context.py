"""What a reader's copy of the discussion holds, for the thread's template and its endpoints.

`discussion_context` is what comments/discussion.html needs, the same for every reader of a
shared (page-cached) article unless `is_personal`: the thread page, the sorts, the notes, the
form with its signed stamp (`form_stamp`, read back by `read_stamp`). Per-reader
state comes from signed cookies: the edit tokens set after posting, a guest's last details,
the chosen sort. Shared by the template tag, the reader endpoints and passages.
"""

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services, stamps, threads
from ..conf import conf
from ..models import SORTS, Comment, Discussion, sort_or_default
from ..readers import (
    EDIT_COOKIE_PREFIX,
    EDIT_COOKIE_SALT,
    GUEST_COOKIE,
    GUEST_COOKIE_SALT,
    SORT_COOKIE,
    client_info,
)
from .responses import (
    NOTES,
)


def form_stamp(article_id: int, kind: str = "comment") -> str:
    """A new stamp for this article's comment forms (kind "comment") or passages' ("passage")."""
    return stamps.issue(stamps.form_for(article_id, kind))


def read_stamp(request, article_id: int, kind: str = "comment") -> stamps.Stamp:
    """The posted form's stamp, as read back for this article's form of this kind."""
    return stamps.read(request.POST.get("stamp", ""), stamps.form_for(article_id, kind))


def sort_for(request) -> str:
    return sort_or_default(request.COOKIES.get(SORT_COOKIE, ""))


def whole_number(value, default: int | None = None) -> int | None:
    value = str(value or "")
    return int(value) if value.isdigit() and len(value) < 10 else default


def edit_tokens(request) -> dict[int, str]:
    """Comment id → edit token, from the per-comment cookies set after posting."""
    tokens = {}
    for name in request.COOKIES:
        if name.startswith(EDIT_COOKIE_PREFIX):
            pk = whole_number(name.removeprefix(EDIT_COOKIE_PREFIX))
            token = request.get_signed_cookie(name, default="", salt=EDIT_COOKIE_SALT)
            if pk and token:
                tokens[pk] = token
    return tokens


def guest_details(request) -> dict:
    """Name, e-mail and website a guest used last time, from their signed cookie."""
    try:
        value = request.get_signed_cookie(GUEST_COOKIE, default=None, salt=GUEST_COOKIE_SALT)
        details = signing.loads(value, salt=GUEST_COOKIE_SALT) if value else {}
    except (signing.BadSignature, ValueError):
        details = {}
    if not isinstance(details, dict):
        return {}
    return {key: str(details.get(key, ""))[:200] for key in ("name", "email", "url")}


def editable_comments(request, article_id: int, client) -> set[int]:
    """Ids of this article's comments the reader may still edit (token cookie or account)."""
    tokens = edit_tokens(request)
    candidates = Comment.objects.none()
    if tokens:
        candidates = Comment.objects.filter(pk__in=list(tokens)[:50], article_id=article_id)
    if client.user is not None:
        window = conf("EDIT_WINDOW_SECONDS")
        since = timezone.now() - timezone.timedelta(seconds=window)
        candidates = candidates | Comment.objects.filter(
            article_id=article_id, user=client.user, created_at__gte=since
        )
    return {
        comment.pk
        for comment in candidates
        if services.can_edit(comment, client=client, token=tokens.get(comment.pk, ""))
    }


def is_personal(request) -> bool:
    """Whether this reader's discussion differs from the shared one (edit links, account)."""
    user = getattr(request, "user", None)
    return bool((user is not None and user.is_authenticated) or edit_tokens(request))


def discussion_context(request, article, *, form=None, sort: str | None = None) -> dict:
    """What comments/discussion.html needs, the same for every reader of a shared page."""
    client = client_info(request) if is_personal(request) else None
    show_all = request.GET.get("commenti") == "tutti"
    page = whole_number(request.GET.get("pagina-commenti"), 1) or 1
    thread = threads.thread_page(
        article, sort=sort or sort_for(request), page=page, show_all=show_all, viewer=client
    )
    try:
        discussion = article.discussion
    except Discussion.DoesNotExist:
        discussion = None
    reply_to = whole_number(request.GET.get("rispondi"))
    note_key = request.GET.get("nota", "")
    initial = guest_details(request) if client and not client.user else {}
    return {
        "article": article,
        "thread": thread,
        "closed": bool(discussion and discussion.is_closed),
        "version": discussion.version if discussion else 0,
        "form": form,
        "initial": initial,
        "stamp": form_stamp(article.pk),
        "reply_to": reply_to,
        "note": NOTES[note_key]() if note_key in NOTES else "",
        "note_key": note_key,
        "sorts": [(key, SORT_LABELS[key]()) for key in SORTS],
        "user": client.user if client else None,
        "editable": editable_comments(request, article.pk, client) if client else set(),
        "privacy_url": privacy_url(request),
        "page_query": page_query(show_all, page),
    }


SORT_LABELS = {
    "newest": lambda: _("Newest"),
    "oldest": lambda: _("Oldest"),
    "votes": lambda: _("Most voted"),
}


def privacy_url(request) -> str:
    from edicola.core.chrome import chrome_for

    chrome = chrome_for(request)
    return chrome.privacy_url if chrome else ""


def page_query(show_all: bool, page: int) -> str:
    if show_all:
        return "commenti=tutti"
    return f"pagina-commenti={page}" if page > 1 else ""
