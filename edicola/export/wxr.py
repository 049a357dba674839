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
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from edicola.comments.models import Comment
from edicola.news.models import ArticlePage, AuthorIndexPage, AuthorPage, CategoryPage, HomePage

WXR_VERSION = "1.2"
NAMESPACES = {
    "excerpt": f"http://wordpress.org/export/{WXR_VERSION}/excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "wp": f"http://wordpress.org/export/{WXR_VERSION}/",
}
CHUNK = 200
HEADER_COMMENT = [
    "This is a WordPress eXtended RSS file written by Edicola: the site's posts,",
    "pages, media, comments, categories, tags and authors. Import it in WordPress",
    "with Tools > Import > WordPress, or in Edicola with its import_wordpress command.",
]
WORDPRESS_LANGUAGES = {"it": "it-IT", "en": "en-US"}  # the locale names WordPress writes
ZERO_DATE = "0000-00-00 00:00:00"
COMMENT_STATES = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def cdata(text) -> str:
    """A CDATA section; a `]]>` in the text ends one section and starts the next."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def plain(text) -> str:
    return escape(clean(text))


def local_date(value: datetime | None) -> str:
    if value is None:
        return ZERO_DATE
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def gmt_date(value: datetime | None) -> str:
    if value is None:
        return ZERO_DATE
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def rss_date(value: datetime | None) -> str:
    value = value or timezone.now()
    return value.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def absolute(url: str) -> str:
    if not url:
        return ""
    if url.startswith("//"):
        return "https:" + url
    if url.startswith("/"):
        return settings.BASE_URL + url
    return url


def block_attributes(attributes: dict) -> str:
    """Block attributes as Gutenberg serialises them in a block comment."""
    if not attributes:
        return ""
    text = json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("--", "\\u002d\\u002d"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ('\\"', "\\u0022"),
    ):
        text = text.replace(raw, escaped)
    return " " + text + " "


def block(name: str, inner: str, attributes: dict | None = None) -> str:
    opener = f"<!-- wp:{name}{block_attributes(attributes or {}) or ' '}-->"
    return f"{opener}\n{inner}\n<!-- /wp:{name} -->"


class Ids:
    """WordPress post ids for our rows: pages keep their id, attachments follow."""

    def __init__(self):
        self.image_offset = Page.objects.aggregate(top=Max("pk"))["top"] or 0
        top_image = get_image_model().objects.aggregate(top=Max("pk"))["top"] or 0
        self.document_offset = self.image_offset + top_image

    def image(self, pk: int) -> int:
        return self.image_offset + pk

    def document(self, pk: int) -> int:
        return self.document_offset + pk


def file_url(name: str) -> str:
    try:
        return absolute(default_storage.url(name))
    except Exception:  # a storage that cannot give URLs: the media path is the best guess
        return absolute(settings.MEDIA_URL + name)


def paragraph_blocks(html: str) -> list[str]:
    """Rich text (several paragraphs and lists) → one Gutenberg block per top-level element."""
    from lxml import html as lxml_html
    from wagtail.rich_text import expand_db_html

    html = expand_db_html(html or "")
    if not html.strip():
        return []
    out = []
    for element in lxml_html.fragments_fromstring(html):
        if isinstance(element, str):
            if element.strip():
                out.append(block("paragraph", f"<p>{escape(element.strip())}</p>"))
            continue
        markup = lxml_html.tostring(element, encoding="unicode").strip()
        tag = element.tag.lower()
        if tag in ("ul", "ol"):
            markup = markup.replace(f"<{tag}>", f'<{tag} class="wp-block-list">', 1)
            out.append(block("list", markup, {"ordered": True} if tag == "ol" else None))
        elif re.fullmatch(r"h[1-6]", tag):
            level = int(tag[1])
            out.append(block("heading", markup, {"level": level} if level != 2 else None))
        elif tag == "p":
            out.append(block("paragraph", markup))
        else:
            out.append(block("html", markup))
    return out


def _caption(text: str, css: str = "wp-element-caption") -> str:
    return f'<figcaption class="{css}">{plain(text)}</figcaption>' if text else ""


def _image(image, alt: str, caption: str, credit: str, ids: Ids) -> str:
    wp_id = ids.image(image.pk)
    source = quoteattr(file_url(image.file.name))
    figcaption = _caption(" — ".join(part for part in (caption, credit) if part))
    inner = (
        f'<figure class="wp-block-image size-full"><img src={source} alt={quoteattr(clean(alt))} '
        f'class="wp-image-{wp_id}"/>{figcaption}</figure>'
    )
    return block("image", inner, {"id": wp_id, "sizeSlug": "full", "linkDestination": "none"})


def _quote(value) -> str:
    text = "".join(f"<p>{plain(line)}</p>" for line in value["quote"].split("\n\n") if line.strip())
    cite = f"<cite>{plain(value['attribution'])}</cite>" if value["attribution"] else ""
    if value.get("style") == "pullquote":
        inner = f'<figure class="wp-block-pullquote"><blockquote>{text}{cite}</blockquote></figure>'
        return block("pullquote", inner)
    return block("quote", f'<blockquote class="wp-block-quote">{text}{cite}</blockquote>')


def _media(value, ids: Ids) -> str:
    document = value["document"]
    url = quoteattr(file_url(document.file.name))
    kind = "audio" if value["kind"] == "audio" else "video"
    inner = (
        f'<figure class="wp-block-{kind}"><{kind} controls src={url}></{kind}>'
        f"{_caption(value['caption'])}</figure>"
    )
    return block(kind, inner, {"id": ids.document(document.pk)})


def _document(value, ids: Ids) -> str:
    document = value["document"]
    href = file_url(document.file.name)
    title = plain(value.get("title") or document.title)
    inner = (
        f'<div class="wp-block-file"><a href={quoteattr(href)}>{title}</a>'
        f'<a href={quoteattr(href)} class="wp-block-file__button wp-element-button" download>'
        "Scarica</a></div>"
    )
    return block("file", inner, {"id": ids.document(document.pk), "href": href})


def body_markup(stream, ids: Ids) -> str:
    """Our StreamField → Gutenberg block markup, block by block."""
    parts: list[str] = []
    for child in stream or []:
        kind, value = child.block_type, child.value
        if kind in ("paragraph", "list"):
            parts.extend(paragraph_blocks(value.source))
        elif kind == "heading":
            level = int(str(value["level"]).lstrip("h") or 2)
            inner = f'<h{level} class="wp-block-heading">{plain(value["text"])}</h{level}>'
            parts.append(block("heading", inner, {"level": level} if level != 2 else None))
        elif kind == "quote":
            parts.append(_quote(value))
        elif kind == "image" and value["image"] is not None:
            parts.append(
                _image(value["image"], value["alt"], value["caption"], value["credit"], ids)
            )
        elif kind == "gallery":
            images = "\n\n".join(
                _image(item["image"], item["alt"], item["caption"], item["credit"], ids)
                for item in value["images"]
                if item["image"] is not None
            )
            caption = _caption(value["caption"], "blocks-gallery-caption wp-element-caption")
            inner = (
                '<figure class="wp-block-gallery has-nested-images columns-default is-cropped">'
                f"\n{images}\n{caption}</figure>"
            )
            parts.append(block("gallery", inner, {"linkTo": "none"}))
        elif kind == "separator":
            inner = '<hr class="wp-block-separator has-alpha-channel-opacity"/>'
            parts.append(block("separator", inner))
        elif kind == "media" and value["document"] is not None:
            parts.append(_media(value, ids))
        elif kind == "document" and value["document"] is not None:
            parts.append(_document(value, ids))
        elif kind == "html":
            parts.append(block("html", clean(str(value))))
        elif kind == "embed":
            url = clean(value["url"])
            inner = (
                f'<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
                f"{escape(url)}\n</div>{_caption(value['caption'])}</figure>"
            )
            parts.append(block("embed", inner, {"url": url}))
        elif kind == "feedback":
            shortcode = (
                f'[wpdiscuz-feedback id="{value["question_id"]}" '
                f'question="{plain(value["question"]).replace(chr(34), "&quot;")}" opened="0"]'
                f"{plain(value['passage'])}[/wpdiscuz-feedback]"
            )
            parts.append(block("paragraph", f"<p>{shortcode}</p>"))
        elif kind == "related":
            links = "".join(
                f"<li><a href={quoteattr(absolute(page.url or ''))}>{plain(page.title)}</a></li>"
                for page in value["articles"]
                if page is not None
            )
            parts.append(block("paragraph", f"<p><strong>{plain(value['title'])}</strong></p>"))
            if links:
                parts.append(block("list", f'<ul class="wp-block-list">{links}</ul>'))
        else:
            # A block WordPress has no counterpart for: its rendered HTML, kept as it is.
            parts.append(block("html", clean(child.render())))
    return "\n\n".join(parts)


def chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class Writer:
    def __init__(self, out):
        self.out = out

    def line(self, text: str, indent: int = 0) -> None:
        self.out.write("\t" * indent + text + "\n")

    def tag(self, name: str, value: str, indent: int = 2) -> None:
        """`value` is already escaped or a CDATA section."""
        self.line(f"<{name}>{value}</{name}>", indent)


def _status(page: Page, restrictions: dict) -> tuple[str, str]:
    """(wp:status, wp:post_password) of a page."""
    from .kinds import _restriction

    restriction = _restriction(page, restrictions)
    now = timezone.now()
    if page.live:
        if restriction and restriction["type"] == "password":
            return "publish", restriction["password"]
        if restriction:
            return "private", ""
        return "publish", ""
    if page.go_live_at and page.go_live_at > now:
        return "future", ""
    return "draft", ""


def _item_head(w: Writer, *, title, link, date, creator, guid, content, excerpt, post_id):
    w.line("<item>", 1)
    w.tag("title", plain(title))
    w.tag("link", plain(link))
    w.tag("pubDate", rss_date(date))
    w.tag("dc:creator", cdata(creator))
    w.line(f'<guid isPermaLink="false">{plain(guid)}</guid>', 2)
    w.tag("description", "")
    w.tag("content:encoded", cdata(content))
    w.tag("excerpt:encoded", cdata(excerpt))
    w.tag("wp:post_id", str(post_id))


def _item_fields(w: Writer, *, date, modified, comment_status, name, status, parent, post_type,
                 password="", sticky=False, menu_order=0):  # fmt: skip
    w.tag("wp:post_date", cdata(local_date(date)))
    w.tag("wp:post_date_gmt", cdata(gmt_date(date)))
    w.tag("wp:post_modified", cdata(local_date(modified)))
    w.tag("wp:post_modified_gmt", cdata(gmt_date(modified)))
    w.tag("wp:comment_status", cdata(comment_status))
    w.tag("wp:ping_status", cdata("closed"))
    w.tag("wp:post_name", cdata(name))
    w.tag("wp:status", cdata(status))
    w.tag("wp:post_parent", str(parent))
    w.tag("wp:menu_order", str(menu_order))
    w.tag("wp:post_type", cdata(post_type))
    w.tag("wp:post_password", cdata(password))
    w.tag("wp:is_sticky", "1" if sticky else "0")


def _meta(w: Writer, key: str, value) -> None:
    w.line("<wp:postmeta>", 2)
    w.tag("wp:meta_key", cdata(key), 3)
    w.tag("wp:meta_value", cdata(value), 3)
    w.line("</wp:postmeta>", 2)


def _comment(w: Writer, comment: Comment) -> None:
    w.line("<wp:comment>", 2)
    w.tag("wp:comment_id", str(comment.pk), 3)
    w.tag("wp:comment_author", cdata(comment.author_name), 3)
    w.tag("wp:comment_author_email", cdata(comment.author_email), 3)
    w.tag("wp:comment_author_url", plain(comment.author_url), 3)
    w.tag("wp:comment_author_IP", cdata(""), 3)
    w.tag("wp:comment_date", cdata(local_date(comment.created_at)), 3)
    w.tag("wp:comment_date_gmt", cdata(gmt_date(comment.created_at)), 3)
    w.tag("wp:comment_content", cdata(comment.body_html), 3)
    w.tag("wp:comment_approved", cdata(COMMENT_STATES.get(comment.status, "0")), 3)
    w.tag("wp:comment_type", cdata("wpdiscuz_sticky" if comment.is_pinned else "comment"), 3)
    w.tag("wp:comment_parent", str(comment.parent_id or 0), 3)
    w.tag("wp:comment_user_id", str(comment.user_id or 0), 3)
    if comment.upvotes or comment.downvotes:
        w.line("<wp:commentmeta>", 3)
        w.tag("wp:meta_key", cdata("wpdiscuz_votes"), 4)
        w.tag("wp:meta_value", cdata(str(comment.score)), 4)
        w.line("</wp:commentmeta>", 3)
    if comment.thread_closed:  # as wpDiscuz marks a closed thread: every comment of it
        w.line("<wp:commentmeta>", 3)
        w.tag("wp:meta_key", cdata("wpdiscuz_closed"), 4)
        w.tag("wp:meta_value", cdata("1"), 4)
        w.line("</wp:commentmeta>", 3)
    w.line("</wp:comment>", 2)


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


def _attachments(w: Writer, ids: Ids, counts: dict) -> None:
    images = get_image_model().objects.order_by("pk").select_related("uploaded_by_user")
    for image in images.iterator(CHUNK):
        url = file_url(image.file.name)
        _item_head(
            w,
            title=image.title,
            link=url,
            date=image.created_at,
            creator=image.uploaded_by_user.get_username() if image.uploaded_by_user else "",
            guid=url,
            content="",
            excerpt="",
            post_id=ids.image(image.pk),
        )
        _item_fields(
            w,
            date=image.created_at,
            modified=image.created_at,
            comment_status="closed",
            name=slugify(image.title) or f"immagine-{image.pk}",
            status="inherit",
            parent=0,
            post_type="attachment",
        )
        w.tag("wp:attachment_url", cdata(url))
        _meta(w, "_wp_attached_file", image.file.name)
        if image.description:
            _meta(w, "_wp_attachment_image_alt", image.description)
        w.line("</item>", 1)
        counts["attachments"] += 1
    documents = get_document_model().objects.order_by("pk").select_related("uploaded_by_user")
    for document in documents.iterator(CHUNK):
        url = file_url(document.file.name)
        _item_head(
            w,
            title=document.title,
            link=url,
            date=document.created_at,
            creator=document.uploaded_by_user.get_username() if document.uploaded_by_user else "",
            guid=url,
            content="",
            excerpt="",
            post_id=ids.document(document.pk),
        )
        _item_fields(
            w,
            date=document.created_at,
            modified=document.created_at,
            comment_status="closed",
            name=slugify(document.title) or f"documento-{document.pk}",
            status="inherit",
            parent=0,
            post_type="attachment",
        )
        w.tag("wp:attachment_url", cdata(url))
        _meta(w, "_wp_attached_file", document.file.name)
        w.line("</item>", 1)
        counts["attachments"] += 1


def _comments_by_article(article_ids: list[int]) -> dict[int, list[Comment]]:
    grouped: dict[int, list[Comment]] = defaultdict(list)
    queryset = (
        Comment.objects.filter(article_id__in=article_ids)
        .order_by("article_id", "created_at", "pk")
        .only(
            "pk", "article_id", "parent_id", "author_name", "author_email", "author_url",
            "created_at", "body_html", "status", "is_pinned", "user_id", "upvotes",
            "downvotes", "score", "thread_closed",
        )
    )  # fmt: skip
    for comment in queryset.iterator(2000):
        grouped[comment.article_id].append(comment)
    for comments in grouped.values():
        _parents_first(comments)
    return grouped


def _parents_first(comments: list[Comment]) -> None:
    """Order a post's comments so that every parent comes before its replies (the WordPress
    importer links a reply only to a parent it has already read)."""
    by_id = {comment.pk: comment for comment in comments}
    placed: set[int] = set()
    ordered: list[Comment] = []

    def place(comment: Comment, trail: set[int]) -> None:
        if comment.pk in placed or comment.pk in trail:
            return
        parent = by_id.get(comment.parent_id)
        if parent is not None:
            place(parent, trail | {comment.pk})
        placed.add(comment.pk)
        ordered.append(comment)

    for comment in list(comments):
        place(comment, set())
    comments[:] = ordered


def _articles(w: Writer, ids: Ids, counts: dict, restrictions: dict) -> None:
    categories = {
        category.path: category for category in CategoryPage.objects.only("path", "slug", "title")
    }
    logins = dict(AuthorPage.objects.values_list("pk", "slug"))
    queryset = (
        ArticlePage.objects.order_by("pk")
        .select_related("discussion")
        .prefetch_related("article_authors", "tagged_items__tag")
    )
    for batch in chunks(queryset.iterator(CHUNK), CHUNK):
        comments = _comments_by_article([article.pk for article in batch])
        for article in batch:
            status, password = _status(article, restrictions)
            links = sorted(article.article_authors.all(), key=lambda link: link.sort_order or 0)
            creator = logins.get(links[0].author_id, "") if links else ""
            date = article.date_published
            if status == "future":
                date = article.go_live_at
            _item_head(
                w,
                title=article.title,
                link=absolute(article.get_url() or ""),
                date=date,
                creator=creator,
                guid=f"{settings.BASE_URL}/?p={article.pk}",
                content=body_markup(article.body, ids),
                excerpt=article.standfirst,
                post_id=article.pk,
            )
            try:
                closed = article.discussion.is_closed
            except ArticlePage.discussion.RelatedObjectDoesNotExist:
                closed = False
            _item_fields(
                w,
                date=date,
                modified=article.date_updated or article.last_published_at or date,
                comment_status="closed" if closed else "open",
                name=article.slug,
                status=status,
                parent=0,
                post_type="post",
                password=password,
                sticky=bool(getattr(article, "is_featured", False)),
            )
            category = categories.get(article.path[: -article.steplen])
            if category is not None:
                w.line(
                    f'<category domain="category" nicename={quoteattr(category.slug)}>'
                    f"{cdata(category.title)}</category>",
                    2,
                )
            for item in sorted(article.tagged_items.all(), key=lambda item: item.tag.slug):
                w.line(
                    f'<category domain="post_tag" nicename={quoteattr(item.tag.slug)}>'
                    f"{cdata(item.tag.name)}</category>",
                    2,
                )
            if article.hero_image_id:
                _meta(w, "_thumbnail_id", str(ids.image(article.hero_image_id)))
            if article.hero_caption:
                _meta(w, "_edicola_hero_caption", article.hero_caption)
            if len(links) > 1:
                _meta(
                    w,
                    "_edicola_authors",
                    ",".join(logins.get(link.author_id, "") for link in links),
                )
            for comment in comments.get(article.pk, ()):
                _comment(w, comment)
                counts["comments"] += 1
            w.line("</item>", 1)
            counts["posts"] += 1


def _pages(w: Writer, ids: Ids, counts: dict, restrictions: dict) -> None:
    """Standalone pages (anything that is not the site's own structure) with a body."""
    from django.db.models import Q
    from wagtail.models import Site

    skip = [ArticlePage, AuthorPage, CategoryPage, HomePage, AuthorIndexPage]
    roots = Q(pk__in=[])
    for root_path in Site.objects.values_list("root_page__path", flat=True):
        roots |= Q(path__startswith=root_path)  # pages readers can reach, not Wagtail's own
    queryset = Page.objects.not_type(*skip).filter(roots).order_by("path").specific()
    exported: dict[str, int] = {}
    for page in queryset.iterator(CHUNK):
        body = getattr(page, "body", None)
        status, password = _status(page, restrictions)
        date = page.first_published_at or page.latest_revision_created_at
        _item_head(
            w,
            title=page.title,
            link=absolute(page.get_url() or ""),
            date=date,
            creator=page.owner.get_username() if page.owner_id and page.owner else "",
            guid=f"{settings.BASE_URL}/?page_id={page.pk}",
            content=body_markup(body, ids) if body is not None else "",
            excerpt=getattr(page, "search_description", ""),
            post_id=page.pk,
        )
        _item_fields(
            w,
            date=date,
            modified=page.last_published_at or date,
            comment_status="closed",
            name=page.slug,
            status=status,
            parent=exported.get(page.path[: -page.steplen], 0),
            post_type="page",
            password=password,
        )
        w.line("</item>", 1)
        exported[page.path] = page.pk
        counts["pages"] += 1


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
        _attachments(w, ids, counts)
        _articles(w, ids, counts, restrictions)
        _pages(w, ids, counts, restrictions)
        w.line("</channel>")
        w.line("</rss>")
    return counts


def words_of(html: str) -> list[str]:
    """The words of an HTML fragment in reading order, for comparing bodies across a round
    trip (markup, spacing and punctuation left aside)."""
    from html import unescape

    return re.findall(r"\w+", unescape(re.sub(r"<[^>]*>", " ", html or "")))
