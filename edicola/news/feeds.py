"""RSS 2.0 and Atom feeds of the newest articles: site-wide, per category and per author.

Built on django.contrib.syndication and on the same published queryset as every listing. Each
item carries the standfirst as its description, the whole body as HTML (absolute URLs, no
scripts) in content:encoded, the authors, the category and tags, and the hero image as
media:content. Feeds always speak Italian, whatever language the reader's browser prefers.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

import nh3
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from wagtail.models import Page, Site
from wagtail.rich_text import expand_db_html

from edicola.core.chrome import chrome_for

from .blocks import clean_body_html
from .models import ArticlePage, AuthorPage, CategoryPage
from .seo import SHARE_IMAGE_SPEC, absolute_url, content_language, page_url

FEED_LENGTH = 20
BODY_IMAGE_SPEC = "width-1200|format-jpeg"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"

_RELATIVE_URL = re.compile(r'(\s(?:href|src)=")/(?!/)')


@dataclass(frozen=True)
class MediaContent:
    url: str
    width: int
    height: int
    mime_type: str = "image/jpeg"

    def attributes(self) -> dict[str, str]:
        return {
            "url": self.url,
            "medium": "image",
            "width": str(self.width),
            "height": str(self.height),
            "type": self.mime_type,
        }


@dataclass
class FeedItem:
    """One article, with everything its feed entry says already worked out."""

    title: str
    link: str
    description: str
    published: datetime
    updated: datetime
    authors: list[tuple[str, str]]
    categories: list[str]
    content_html: str
    media: MediaContent | None = None


@dataclass
class FeedSource:
    """What a feed is about: its title and link, and the articles it lists."""

    title: str
    link: str
    description: str
    feed_url: str
    articles: object
    author_name: str
    request: object = None
    items: list[FeedItem] = field(default_factory=list)


def absolutize_html(html: str) -> str:
    """Root-relative href and src attributes made absolute on settings.BASE_URL."""
    return _RELATIVE_URL.sub(lambda m: f"{m.group(1)}{settings.BASE_URL}/", html)


def _figure_html(image, alt: str, caption: str) -> str:
    rendition = image.get_rendition(BODY_IMAGE_SPEC)
    return format_html(
        '<figure><img src="{}" width="{}" height="{}" alt="{}">{}</figure>',
        absolute_url(rendition.url),
        rendition.width,
        rendition.height,
        alt,
        format_html("<figcaption>{}</figcaption>", caption) if caption else "",
    )


def _block_html(block) -> str:
    value = block.value
    if block.block_type in ("paragraph", "list"):
        return expand_db_html(value.source)
    if block.block_type == "gallery":
        figures = [
            _figure_html(
                item["image"],
                item["alt"],
                " ".join(part for part in (item["caption"], item["credit"]) if part),
            )
            for item in value["images"]
            if item["image"] is not None
        ]
        caption = format_html("<p>{}</p>", value["caption"]) if value["caption"] else ""
        return "".join(figures) + caption
    if block.block_type == "separator":
        return "<hr>"
    if block.block_type in ("media", "document") and value["document"] is not None:
        document = value["document"]
        label = value.get("title") or value.get("caption") or document.title
        return format_html('<p><a href="{}">{}</a></p>', absolute_url(document.url), label)
    if block.block_type == "html":
        return clean_body_html(str(value))
    if block.block_type == "heading":
        return format_html("<{0}>{1}</{0}>", value["level"], value["text"])
    if block.block_type == "quote":
        attribution = value["attribution"]
        return format_html(
            "<figure><blockquote><p>{}</p></blockquote>{}</figure>",
            value["quote"],
            format_html("<figcaption>— {}</figcaption>", attribution) if attribution else "",
        )
    if block.block_type == "image" and value["image"] is not None:
        caption = " ".join(part for part in (value["caption"], value["credit"]) if part)
        return _figure_html(value["image"], value["alt"], caption)
    if block.block_type == "embed":
        return format_html(
            '<p><a href="{}">{}</a></p>{}',
            value["url"],
            value["title"],
            format_html("<p>{}</p>", value["caption"]) if value["caption"] else "",
        )
    if block.block_type == "related":
        articles = [page for page in value["articles"] if page is not None and page.live]
        if not articles:
            return ""
        return format_html(
            "<h2>{}</h2><ul>{}</ul>",
            value["title"],
            format_html_join(
                "", '<li><a href="{}">{}</a></li>', ((page_url(p), p.title) for p in articles)
            ),
        )
    return ""


def article_body_html(article: ArticlePage) -> str:
    """The article body as self-contained HTML for feed readers: absolute URLs, no scripts,
    and plain links instead of click-to-load embeds."""
    html = "\n".join(filter(None, (_block_html(block) for block in article.body)))
    cleaned = nh3.clean(html, link_rel="noopener")
    return absolutize_html(cleaned)


def feed_items(articles, request=None) -> list[FeedItem]:
    """The newest FEED_LENGTH articles of `articles` as feed items, in a fixed few queries.

    `request` only lets page URLs share the site lookups it caches.
    """
    articles = list(
        articles.with_listing_data().prefetch_related("tagged_items__tag")[:FEED_LENGTH]
    )
    parent_paths = {article.path[: -Page.steplen] for article in articles}
    categories = {page.path: page for page in Page.objects.filter(path__in=parent_paths)}
    items = []
    for article in articles:
        category = categories.get(article.path[: -Page.steplen])
        media = None
        if article.hero_image is not None:
            rendition = article.hero_image.get_rendition(SHARE_IMAGE_SPEC)
            media = MediaContent(absolute_url(rendition.url), rendition.width, rendition.height)
        items.append(
            FeedItem(
                title=article.title,
                link=page_url(article, request),
                description=article.standfirst,
                published=article.date_published,
                updated=article.date_modified,
                authors=[(a.title, page_url(a, request)) for a in article.authors],
                categories=([category.title] if category else [])
                + [tagged.tag.name for tagged in article.tagged_items.all()],
                content_html=article_body_html(article),
                media=media,
            )
        )
    return items


class ArticleRssFeed(Rss201rev2Feed):
    """RSS 2.0 with content:encoded, media:content and one dc:creator per author."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:media": MEDIA_NS,
            "xmlns:dc": DC_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _url in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content_html"])
        if item["media"] is not None:
            handler.addQuickElement("media:content", None, item["media"].attributes())


class ArticleAtomFeed(Atom1Feed):
    """Atom with the full body as <content type="html">, every author and media:content."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        if item["media"] is not None:
            handler.addQuickElement("media:content", None, item["media"].attributes())


class LatestArticlesFeed(Feed):
    """The newest articles of the whole site."""

    feed_type = ArticleRssFeed
    language = settings.LANGUAGE_CODE

    def __call__(self, request, *args, **kwargs):
        with translation.override(content_language()):
            return super().__call__(request, *args, **kwargs)

    def _site(self, request) -> Site:
        site = Site.find_for_request(request)
        if site is None:
            raise Http404
        return site

    def get_object(self, request, *args, **kwargs) -> FeedSource:
        site = self._site(request)
        chrome = chrome_for(request)
        return FeedSource(
            title=chrome.site_name,
            link=page_url(site.root_page, request),
            description=chrome.tagline
            or _("The latest articles from %(site)s.") % {"site": chrome.site_name},
            feed_url=absolute_url(request.path),
            articles=ArticlePage.objects.published().descendant_of(site.root_page),
            author_name=chrome.site_name,
            request=request,
        )

    def title(self, source: FeedSource) -> str:
        return source.title

    def link(self, source: FeedSource) -> str:
        return source.link

    def feed_url(self, source: FeedSource) -> str:
        return source.feed_url

    def description(self, source: FeedSource) -> str:
        return source.description

    def author_name(self, source: FeedSource) -> str:
        return source.author_name

    def items(self, source: FeedSource) -> list[FeedItem]:
        return feed_items(source.articles, source.request)

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_link(self, item: FeedItem) -> str:
        return item.link

    def item_guid_is_permalink(self, item: FeedItem) -> bool:
        return True

    def item_description(self, item: FeedItem) -> str:
        return item.description

    def item_pubdate(self, item: FeedItem) -> datetime:
        return item.published

    def item_updateddate(self, item: FeedItem) -> datetime:
        return item.updated

    def item_categories(self, item: FeedItem) -> list[str]:
        return item.categories

    def item_extra_kwargs(self, item: FeedItem) -> dict:
        return {"authors": item.authors, "content_html": item.content_html, "media": item.media}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = ArticleAtomFeed

    def subtitle(self, source: FeedSource) -> str:
        return source.description


class CategoryFeed(LatestArticlesFeed):
    """The newest articles of one category, /feed/categoria/<slug>/."""

    def get_object(self, request, slug) -> FeedSource:
        site = self._site(request)
        chrome = chrome_for(request)
        category = (
            CategoryPage.objects.live().public().descendant_of(site.root_page).filter(slug=slug)
        ).first()
        if category is None:
            raise Http404
        return FeedSource(
            title=f"{category.title} · {chrome.site_name}",
            link=page_url(category, request),
            description=category.intro
            or _("The latest news in %(section)s from %(site)s.")
            % {"section": category.title, "site": chrome.site_name},
            feed_url=absolute_url(request.path),
            articles=ArticlePage.objects.published().child_of(category),
            author_name=chrome.site_name,
            request=request,
        )


class AuthorFeed(LatestArticlesFeed):
    """The newest articles of one author, /feed/autore/<slug>/."""

    def get_object(self, request, slug) -> FeedSource:
        site = self._site(request)
        chrome = chrome_for(request)
        author = (
            AuthorPage.objects.live().public().descendant_of(site.root_page).filter(slug=slug)
        ).first()
        if author is None:
            raise Http404
        return FeedSource(
            title=f"{author.title} · {chrome.site_name}",
            link=page_url(author, request),
            description=_("Articles by %(name)s on %(site)s.")
            % {"name": author.title, "site": chrome.site_name},
            feed_url=absolute_url(request.path),
            articles=ArticlePage.objects.published()
            .descendant_of(site.root_page)
            .filter(article_authors__author=author),
            author_name=author.title,
            request=request,
        )
