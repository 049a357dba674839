"""Template helpers for reader pages: language links, bylines, machine-readable dates and
fragments cached per published revision."""

from django import template
from django.conf import settings
from django.core.cache import cache
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

from edicola.core import pagecache
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


class PageFragmentNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList):
        self.name = name
        self.nodelist = nodelist

    def render(self, context) -> str:
        page = context.get("page")
        request = context.get("request")
        seconds = settings.FRAGMENT_CACHE_SECONDS
        if page is None or not page.pk or not seconds or getattr(request, "is_preview", False):
            return self.nodelist.render(context)
        key = (
            f"fragment:{self.name}:{page.pk}:{page.live_revision_id}:{get_language()}:"
            f"{pagecache.generation()}"
        )
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, seconds)
        return html


@register.tag("page_fragment")
def page_fragment(parser, token) -> PageFragmentNode:
    """Cache what the tag encloses for the published revision of the page being rendered.

        {% page_fragment "article" %}...{% endpage_fragment %}

    The key holds the page, its live revision, the language and the page-cache generation, so a
    new revision or any publication renders it afresh; previews are never cached. Only content
    that is the same for every reader may go inside.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("page_fragment takes one name")
    nodelist = parser.parse(("endpage_fragment",))
    parser.delete_first_token()
    return PageFragmentNode(bits[1].strip("\"'"), nodelist)
