"""What goes into each WXR <item>: attachments, posts with their comments, pages.

One `write_*` per kind of item, each streaming its rows a chunk at a time: the item's head
(title, link, date, creator, guid, body, excerpt), its wp: fields (dates, status, type,
parent, password), its `<category>` terms and `wp:postmeta`, and for a post its comments as
`wp:comment`, parents before replies, with the states WordPress knows (1 / 0 / spam / trash).
"""

from __future__ import annotations

from collections import defaultdict
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page

from edicola.comments.models import Comment
from edicola.news.models import ArticlePage, AuthorIndexPage, AuthorPage, CategoryPage, HomePage

from .wxrbodies import Ids, body_markup, file_url
from .wxrxml import CHUNK, Writer, absolute, cdata, chunks, gmt_date, local_date, plain, rss_date

COMMENT_STATES = {
    Comment.Status.APPROVED: "1",
    Comment.Status.PENDING: "0",
    Comment.Status.SPAM: "spam",
    Comment.Status.REMOVED: "trash",
}


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


def write_attachments(w: Writer, ids: Ids, counts: dict) -> None:
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


def write_articles(w: Writer, ids: Ids, counts: dict, restrictions: dict) -> None:
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


def write_pages(w: Writer, ids: Ids, counts: dict, restrictions: dict) -> None:
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
