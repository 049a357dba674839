"""Search-engine and social-preview metadata of reader pages: title, description, canonical and
hreflang URLs, robots, OpenGraph and Twitter card, and the JSON-LD (NewsArticle and
BreadcrumbList on articles, WebSite on the home page, Person on author pages).

Everything is built from what the page's template context already holds (the page, its
category, its authors, the cached site chrome) plus at most one rendition lookup per image, so
the head of a page costs one or two queries at most. URLs are absolute, on settings.BASE_URL,
and the canonical URL is always the Italian one, also on /en/ pages.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse, translate_url
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import ArticlePage, AuthorIndexPage, AuthorPage, CategoryPage, HomePage

# Google wants article images at least 1200 px wide in 16:9, 4:3 and 1:1.
ARTICLE_IMAGE_SPECS = (
    "fill-1200x675|format-jpeg",
    "fill-1200x900|format-jpeg",
    "fill-1200x1200|format-jpeg",
)
SHARE_IMAGE_SPEC = ARTICLE_IMAGE_SPECS[0]
AVATAR_IMAGE_SPEC = "fill-800x800|format-jpeg"
OG_LOCALE = "it_IT"
ROBOTS_INDEX = "index, follow, max-image-preview:large"
ROBOTS_NOINDEX = "noindex, follow"
DESCRIPTION_MAX_CHARS = 300
SCHEMA = "https://schema.org"

# The escapes of django.utils.html.json_script: nothing in the data can close the <script>.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def content_language() -> str:
    """The language articles are written in, and of every canonical URL."""
    return settings.LANGUAGE_CODE


def absolute_url(url: str) -> str:
    """`url` on settings.BASE_URL; URLs that are already absolute (a CDN) are kept."""
    if not url or urlsplit(url).scheme:
        return url
    return f"{settings.BASE_URL}/{url.lstrip('/')}"


def page_url(page, request=None) -> str:
    """The absolute, Italian URL of a Wagtail page."""
    with translation.override(content_language()):
        url = page.get_url(request) or "/"
    parts = urlsplit(url)
    return absolute_url(parts.path + (f"?{parts.query}" if parts.query else ""))


def home_url() -> str:
    with translation.override(content_language()):
        return absolute_url(reverse("wagtail_serve", args=("",)))


def search_url() -> str:
    with translation.override(content_language()):
        return absolute_url(reverse("search"))


def iso_datetime(value: datetime) -> str:
    """ISO 8601 in the site's time zone, with its offset (2025-03-01T10:00:00+01:00)."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def json_ld_script(data: dict) -> SafeString:
    """A <script type="application/ld+json"> element that no value can break out of."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_JSON_SCRIPT_ESCAPES)),  # noqa: S308 - escaped just above
    )


@dataclass(frozen=True)
class SocialImage:
    url: str
    width: int
    height: int
    alt: str
    mime_type: str = "image/jpeg"

    @classmethod
    def from_rendition(cls, rendition, alt: str) -> "SocialImage":
        return cls(absolute_url(rendition.url), rendition.width, rendition.height, alt)

    def as_json_ld(self) -> dict:
        return {
            "@type": "ImageObject",
            "url": self.url,
            "width": self.width,
            "height": self.height,
        }


@dataclass
class PageMeta:
    """What the head of one page says about it to search engines and social networks."""

    title: str
    og_title: str
    description: str
    site_name: str
    canonical: str = ""
    alternates: list[tuple[str, str]] = field(default_factory=list)
    robots: str = ROBOTS_INDEX
    og_type: str = "website"
    og_locale: str = OG_LOCALE
    image: SocialImage | None = None
    published: str = ""
    modified: str = ""
    section: str = ""
    author_urls: list[str] = field(default_factory=list)
    json_ld: list[dict] = field(default_factory=list)

    @property
    def json_ld_html(self) -> SafeString:
        return mark_safe("\n".join(json_ld_script(data) for data in self.json_ld))  # noqa: S308


def _description(*candidates: str) -> str:
    for text in candidates:
        text = " ".join((text or "").split())
        if text:
            return Truncator(text).chars(DESCRIPTION_MAX_CHARS)
    return ""


def _listing_query(context) -> str:
    """?page=N for the second and later pages of a listing, so each page is its own URL."""
    for name in ("articles", "results"):
        number = getattr(context.get(name), "number", 1)
        if isinstance(number, int) and number > 1:
            return "?" + urlencode({"page": number})
    return ""


def _alternates(canonical_path: str, query: str) -> list[tuple[str, str]]:
    # The Italian path resolves only while Italian is active.
    with translation.override(content_language()):
        links = [
            (code, absolute_url(translate_url(canonical_path, code)) + query)
            for code, _name in settings.LANGUAGES
        ]
    links.append(("x-default", absolute_url(canonical_path) + query))
    return links


def _organization(chrome) -> dict:
    data = {"@type": "Organization", "name": chrome.site_name, "url": home_url()}
    if chrome.logo_url:
        data["logo"] = {
            "@type": "ImageObject",
            "url": absolute_url(chrome.logo_url),
            "width": chrome.logo_width,
            "height": chrome.logo_height,
        }
    return data


def _logo_image(chrome) -> SocialImage | None:
    if not chrome.logo_url:
        return None
    return SocialImage(
        absolute_url(chrome.logo_url),
        chrome.logo_width,
        chrome.logo_height,
        chrome.site_name,
        "image/png",
    )


def _share_image(image, alt: str) -> SocialImage | None:
    if image is None:
        return None
    rendition = image.get_renditions(SHARE_IMAGE_SPEC)[SHARE_IMAGE_SPEC]
    return SocialImage.from_rendition(rendition, alt or image.default_alt_text)


def _first_hero(articles) -> tuple:
    for article in articles or ():
        if getattr(article, "hero_image", None) is not None:
            return article.hero_image, article.title
    return None, ""


def build_page_meta(context, title: str = "") -> PageMeta:
    """The metadata of the page rendered with `context`; `title`, if given, replaces ours."""
    request = context.get("request")
    chrome = context.get("chrome")
    page = context.get("page")
    site_name = chrome.site_name if chrome else settings.WAGTAIL_SITE_NAME
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match else None

    meta = PageMeta(title="", og_title="", description="", site_name=site_name)
    if page is not None and hasattr(page, "get_url"):
        canonical_path = urlsplit(page_url(page, request)).path
        heading = page.seo_title or page.title
        meta.title = f"{heading} · {site_name}"
        meta.og_title = heading
        meta.description = _description(page.search_description)
        if isinstance(page, ArticlePage):
            _describe_article(meta, page, context, chrome, request)
        elif isinstance(page, HomePage):
            _describe_home(meta, page, context, chrome)
        elif isinstance(page, AuthorPage):
            _describe_author(meta, page, chrome)
        elif isinstance(page, CategoryPage):
            meta.description = _description(
                meta.description,
                page.intro,
                _("The latest news in %(section)s from %(site)s.")
                % {"section": page.title, "site": site_name},
            )
            hero, alt = _first_hero(context.get("articles"))
            meta.image = _share_image(hero, alt)
        elif isinstance(page, AuthorIndexPage):
            meta.description = _description(
                meta.description, _("The authors of %(site)s.") % {"site": site_name}
            )
    elif url_name in {"search", "tag"} and (url_name == "search" or "tag" in context):
        canonical_path = translate_url(request.path, content_language())
        if url_name == "search":
            meta.robots = ROBOTS_NOINDEX
            meta.description = _("Search the articles of %(site)s.") % {"site": site_name}
        else:
            meta.description = _("Articles tagged “%(tag)s” on %(site)s.") % {
                "tag": context["tag"].name,
                "site": site_name,
            }
            hero, alt = _first_hero(context.get("articles"))
            meta.image = _share_image(hero, alt)
    else:
        # An error page (a Wagtail URL with no page, a missing tag) or a view we do not know.
        canonical_path = ""
        meta.robots = ROBOTS_NOINDEX

    if title:
        meta.title = title
        meta.og_title = title.rsplit(" · ", 1)[0] if " · " in title else title
    meta.title = meta.title or site_name
    meta.og_title = meta.og_title or meta.title
    meta.description = meta.description or _description(chrome.tagline if chrome else "", site_name)
    if canonical_path:
        query = _listing_query(context)
        meta.canonical = absolute_url(canonical_path) + query
        if meta.robots == ROBOTS_INDEX:
            meta.alternates = _alternates(canonical_path, query)
    if meta.image is None and chrome is not None:
        meta.image = _logo_image(chrome)
    return meta


def _describe_home(meta: PageMeta, page: HomePage, context, chrome) -> None:
    site_name = meta.site_name
    meta.title = f"{site_name} · {chrome.tagline}" if chrome and chrome.tagline else site_name
    if page.seo_title:
        meta.title = page.seo_title
    meta.og_title = page.seo_title or site_name
    meta.description = _description(meta.description, page.intro, chrome and chrome.tagline)
    hero, alt = _first_hero(context.get("lead"))
    meta.image = _share_image(hero, alt)
    website = {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": site_name,
        "url": home_url(),
        "inLanguage": content_language(),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {
                "@type": "EntryPoint",
                "urlTemplate": f"{search_url()}?q={{search_term_string}}",
            },
            "query-input": "required name=search_term_string",
        },
    }
    if meta.description:
        website["description"] = meta.description
    if chrome is not None:
        website["publisher"] = _organization(chrome)
    meta.json_ld.append(website)


def _describe_author(meta: PageMeta, page: AuthorPage, chrome) -> None:
    meta.og_type = "profile"
    meta.description = _description(
        meta.description,
        page.bio,
        _("Articles by %(name)s on %(site)s.") % {"name": page.title, "site": meta.site_name},
    )
    url = page_url(page)
    person = {"@context": SCHEMA, "@type": "Person", "name": page.title, "url": url}
    if page.avatar_id:
        rendition = page.avatar.get_renditions(AVATAR_IMAGE_SPEC)[AVATAR_IMAGE_SPEC]
        meta.image = SocialImage.from_rendition(rendition, page.title)
        person["image"] = meta.image.as_json_ld()
    if page.bio:
        person["description"] = page.bio
    if page.role:
        person["jobTitle"] = page.role
    same_as = [link for _label, link in page.social_links]
    if same_as:
        person["sameAs"] = same_as
    if chrome is not None:
        person["worksFor"] = _organization(chrome)
    meta.json_ld.append(person)


def _describe_article(meta: PageMeta, page: ArticlePage, context, chrome, request) -> None:
    canonical = page_url(page, request)
    category = context.get("category") or page.category
    authors = page.authors
    meta.og_type = "article"
    meta.description = _description(meta.description, page.standfirst)
    meta.published = iso_datetime(page.shown_date)
    meta.modified = iso_datetime(page.date_modified)
    meta.section = category.title if category else ""
    meta.author_urls = [page_url(author, request) for author in authors]

    images = []
    if page.hero_image is not None:
        alt = page.hero_caption or page.hero_image.default_alt_text
        renditions = page.hero_image.get_renditions(*ARTICLE_IMAGE_SPECS)
        images = [SocialImage.from_rendition(renditions[spec], alt) for spec in ARTICLE_IMAGE_SPECS]
        meta.image = images[0]

    article = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": page.title,
        "description": meta.description,
        "url": canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "datePublished": meta.published,
        "dateModified": meta.modified,
        "inLanguage": content_language(),
        "isAccessibleForFree": True,
        "author": [
            {"@type": "Person", "name": author.title, "url": url}
            for author, url in zip(authors, meta.author_urls, strict=True)
        ],
    }
    if category is not None:
        article["articleSection"] = category.title
    if images:
        article["image"] = [image.as_json_ld() for image in images]
    if chrome is not None:
        article["publisher"] = _organization(chrome)
    meta.json_ld.append(article)
    trail = [(_("Home"), home_url())]
    if category is not None:
        trail.append((category.title, page_url(category, request)))
    trail.append((page.title, canonical))
    meta.json_ld.append(
        {
            "@context": SCHEMA,
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": position, "name": name, "item": url}
                for position, (name, url) in enumerate(trail, start=1)
            ],
        }
    )
