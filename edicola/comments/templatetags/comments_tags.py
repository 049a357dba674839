"""Template helpers for the discussion under an article: the whole section, locally generated
avatars, and safe author links."""

import hashlib

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string

from edicola.comments import views

register = template.Library()

AVATAR_COLOURS = 8


@register.simple_tag(takes_context=True)
def discussion(context, article) -> str:
    """The discussion section of `article`: count, form, sort links, threads, pages."""
    request = context["request"]
    return render_to_string(
        "comments/discussion.html",
        views.discussion_context(request, article, form=context.get("comment_form")),
        request=request,
    )


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
    return settings.COMMENTS["EDIT_WINDOW_SECONDS"] // 60
