"""The site as a WordPress eXtended RSS file (WXR 1.2), the format WordPress's own exporter
writes and its importer (Tools → Import → WordPress) reads.

Layout, as WordPress writes it: an RSS 2.0 `<channel>` with the `excerpt`, `content`, `wfw`,
`dc` and `wp` namespaces of export version 1.2; `wp:wxr_version`, `wp:base_site_url`,
`wp:base_blog_url`; one `wp:author` per author page (login = the author page's slug); one
`wp:category` per category page and one `wp:tag` per tag; then one `<item>` per attachment
(our images and documents, `wp:attachment_url` = the original file's absolute URL), per post
(our articles) and per page (standalone pages), each with `wp:post_id`, `wp:post_date(_gmt)`,
`wp:post_modified(_gmt)`, `wp:status`, `wp:post_type`, `<category domain nicename>` terms,
`wp:postmeta` (`_thumbnail_id` for the main image, `_wp_attached_file` and
`_wp_attachment_image_alt` for images) and its comments as `wp:comment` (parents before
replies, `wp:comment_parent` naming the parent, states 1 / 0 / spam / trash). Bodies become
Gutenberg block markup (`<!-- wp:paragraph -->…`); questions for readers become wpDiscuz's
`[wpdiscuz-feedback]` shortcode. Text goes in CDATA sections, a `]]>` inside split across two
sections as WordPress does; characters XML 1.0 cannot carry are dropped, so the file is always
well-formed. Post ids are our page ids; attachment ids follow the largest page id.

Written as a stream (articles and their comments a chunk at a time), so memory stays flat.

This module writes the file's frame and channel; `wxritems` what goes into each item,
`wxrbodies` the block markup of bodies, `wxrxml` the escaping and the line writer.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from edicola.news.models import AuthorPage, CategoryPage

from .wxrbodies import Ids
from .wxritems import write_articles, write_attachments, write_pages
from .wxrxml import CHUNK, Writer, cdata, plain, rss_date

WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": f"http://wordpress.org/export/{WXR_VERSION}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": f"http://wordpress.org/export/{WXR_VERSION}/",
}
HEADER_COMMENT = [
    "This is a WordPress eXtended RSS file written by Edicola: the site's posts,",
    "pages, media, comments, categories, tags and authors. Import it in WordPress",
    "with Tools > Import > WordPress, or in Edicola with its import_wordpress command.",
]
WORDPRESS_LANGUAGES = {"it": "it-IT", "en": "en-US"}  # the locale names WordPress writes


def _channel_head(w: Writer, counts: dict) -> None:
    from wagtail.models import Site

    from edicola.core.models import SiteSettings

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    values = SiteSettings.objects.filter(site=site).first() if site else None
    name = values.site_name if values else getattr(settings, "SITE_NAME", "Edicola")
    w.tag("title", plain(name), 1)
    w.tag("link", plain(settings.BASE_URL), 1)
    w.tag("description", plain(values.tagline if values else ""), 1)
    w.tag("pubDate", rss_date(None), 1)
    w.tag(
        "language",
        plain(WORDPRESS_LANGUAGES.get(settings.LANGUAGE_CODE, settings.LANGUAGE_CODE)),
        1,
    )
    w.tag("wp:wxr_version", WXR_VERSION, 1)
    w.tag("wp:base_site_url", plain(settings.BASE_URL), 1)
    w.tag("wp:base_blog_url", plain(settings.BASE_URL), 1)
    w.line("")
    for author in AuthorPage.objects.order_by("pk").select_related("user").iterator(CHUNK):
        first, _space, last = author.title.partition(" ")
        w.line("<wp:author>", 1)
        w.tag("wp:author_id", str(author.pk))
        w.tag("wp:author_login", cdata(author.slug))
        w.tag("wp:author_email", cdata(author.user.email if author.user else ""))
        w.tag("wp:author_display_name", cdata(author.title))
        w.tag("wp:author_first_name", cdata(first))
        w.tag("wp:author_last_name", cdata(last))
        w.line("</wp:author>", 1)
        counts["authors"] += 1
    w.line("")
    for category in CategoryPage.objects.order_by("path").iterator(CHUNK):
        w.line("<wp:category>", 1)
        w.tag("wp:term_id", str(category.pk))
        w.tag("wp:category_nicename", cdata(category.slug))
        w.tag("wp:category_parent", cdata(""))
        w.tag("wp:cat_name", cdata(category.title))
        if category.intro:
            w.tag("wp:category_description", cdata(category.intro))
        w.line("</wp:category>", 1)
        counts["categories"] += 1
    from taggit.models import Tag

    used = Tag.objects.filter(news_articletag_items__isnull=False).distinct().order_by("pk")
    for tag in used.iterator(CHUNK):
        w.line("<wp:tag>", 1)
        w.tag("wp:term_id", str(tag.pk))
        w.tag("wp:tag_slug", cdata(tag.slug))
        w.tag("wp:tag_name", cdata(tag.name))
        w.line("</wp:tag>", 1)
        counts["tags"] += 1
    w.line("")


def write_wxr(path: Path) -> dict[str, int]:
    """Write the WXR file at `path`; returns how many of each kind it holds."""
    from importlib.metadata import PackageNotFoundError, version

    from .kinds import view_restrictions

    try:
        generator = f"Edicola/{version('edicola')}"
    except PackageNotFoundError:
        generator = "Edicola"
    counts = dict.fromkeys(
        ("authors", "categories", "tags", "attachments", "posts", "pages", "comments"), 0
    )
    ids = Ids()
    restrictions = view_restrictions()
    with open(path, "w", encoding="utf-8", newline="\n", buffering=1 << 16) as out:
        w = Writer(out)
        w.line('<?xml version="1.0" encoding="UTF-8" ?>')
        for text in HEADER_COMMENT:
            w.line(f"<!-- {text} -->")
        w.line(f'<!-- generator="{generator}" created="{timezone.now():%Y-%m-%d %H:%M}" -->')
        w.line('<rss version="2.0"')
        for prefix, uri in NAMESPACES.items():
            w.line(f'xmlns:{prefix}="{uri}"', 1)
        w.line(">")
        w.line("")
        w.line("<channel>")
        _channel_head(w, counts)
        write_attachments(w, ids, counts)
        write_articles(w, ids, counts, restrictions)
        write_pages(w, ids, counts, restrictions)
        w.line("</channel>")
        w.line("</rss>")
    return counts
