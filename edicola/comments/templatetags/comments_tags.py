"""Template helpers for the discussion under an article: the whole section, locally generated
avatars, and safe author links."""

import hashlib

from django import template
from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from edicola.comments.conf import conf
from edicola.comments.models import Discussion
from edicola.comments.views import discussion as views
from edicola.comments.views import thread_context
from edicola.core import pagecache

register = template.Library()

AVATAR_COLOURS = 8


@register.simple_tag(takes_context=True)
def discussion(context, article) -> str:
    """The discussion section of `article`: count, form, sort links, threads, pages.

    The section readers share (no account, no edit token, no form errors, no note) is kept in
    the cache per discussion version, so a page render re-reads one row, not the thread.
    """
    request = context["request"]
    form = context.get("comment_form")
    shared = (
        form is None
        and not thread_context.is_personal(request)
        and not (request.GET.get("nota") or request.GET.get("rispondi"))
    )
    key = None
    if shared:
        state = Discussion.objects.filter(pk=article.pk).values_list("version", flat=True)
        key = ":".join(
            [
                "comments:section",
                str(article.pk),
                str(state.first() or 0),
                pagecache.generation(),
                thread_context.sort_for(request),
                get_language(),
                request.GET.get("commenti", "")[:20],
                request.GET.get("pagina-commenti", "")[:10],
            ]
        )
        if (html := cache.get(key)) is not None:
            return mark_safe(html)  # rendered by our own template below
    html = render_to_string(
        "comments/discussion.html",
        thread_context.discussion_context(request, article, form=form),
        request=request,
    )
    if key is not None:
        cache.set(key, html, views.FRAGMENT_SECONDS)
    return html


@register.filter
def avatar_initials(name: str) -> str:
    """Up to two initials of a display name, for the generated avatar."""
    words = [word for word in str(name).split() if word[:1].isalnum()]
    if not words:
        return "?"
    letters = words[0][:1] + (words[-1][:1] if len(words) > 1 else "")
    return letters.upper()


@register.filter
def avatar_colour(name: str) -> int:
    """A stable colour index (0-7) for a display name."""
    digest = hashlib.blake2b(str(name).strip().lower().encode(), digest_size=2).digest()
    return digest[0] % AVATAR_COLOURS


@register.filter
def web_url(value: str) -> str:
    """The URL if it is a plain http(s) address, else empty (never a script or data link)."""
    value = str(value or "").strip()
    if value.lower().startswith(("http://", "https://")) and not any(
        ch in value for ch in "\"'<>` \t\r\n\\"
    ):
        return value
    return ""


@register.filter
def is_closed(article) -> bool:
    try:
        return article.discussion.is_closed
    except ObjectDoesNotExist:
        return False


@register.simple_tag
def edit_window_minutes() -> int:
    return conf("EDIT_WINDOW_SECONDS") // 60
