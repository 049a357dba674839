"""Template helpers for reader pages: language links, bylines and machine-readable dates."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from edicola.news import seo

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> str:
    """List items linking to this page in every other interface language."""
    request = context.get("request")
    if request is None:
        return ""
    current = get_language()
    return format_html_join(
        "",
        '<li><a href="{}" hreflang="{}" lang="{}">{}</a></li>',
        (
            (translate_url(request.path, code), code, code, name)
            for code, name in settings.LANGUAGES
            if code != current
        ),
    )


@register.filter
def iso_datetime(value) -> str:
    """A machine-readable date-time for <time datetime>: seconds precision, Rome offset."""
    return seo.iso_datetime(value) if value else ""


@register.simple_tag
def byline(authors) -> str:
    return format_html_join(
        ", ", '<a href="{}" rel="author">{}</a>', ((a.url, a.title) for a in authors)
    ) or format_html("")
