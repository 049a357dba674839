"""What the site export writes, kind by kind: one JSON Lines file per kind of stored thing.

Each kind is a queryset read in chunks (`iterator()`) and a function turning one row into a
plain JSON object. Rows keep our own ids, so references between files (a comment's `article`,
a vote's `comment`, an article's `hero_image`) are the ids of the other files' rows. Field
values are as stored: dates in ISO 8601 UTC, decimals as strings, StreamField bodies as their
raw JSON (`body`) next to the rendered HTML (`body_html`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models.fields.files import FieldFile
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.fields import StreamField
from wagtail.images import get_image_model
from wagtail.models import Page, PageViewRestriction

from edicola.comments.models import (
    Comment,
    Discussion,
    ModerationLog,
    Report,
    Subscriber,
    Subscription,
    Vote,
)
from edicola.core import identity
from edicola.deals.models import (
    Alert,
    Click,
    Deal,
    Store,
    TelegramSubscriber,
    WhatsAppSubscriber,
)
from edicola.news.models import ArticlePage, AuthorPage, CategoryPage
from edicola.passages.models import ErrorReport
from edicola.wordpress.models import ImportedObject, LegacyPath

CHUNK = 500
# Whether bodies are also rendered to HTML (`body_html`); off with export_site --no-html.
RENDER_HTML: ContextVar[bool] = ContextVar("render_html", default=True)

# Page fields every page kind carries, from Wagtail's Page.
PAGE_FIELDS = [
    "id",
    "title",
    "slug",
    "url_path",
    "live",
    "has_unpublished_changes",
    "first_published_at",
    "last_published_at",
    "go_live_at",
    "expire_at",
    "seo_title",
    "search_description",
    "show_in_menus",
    "owner_id",
    "locale_id",
    "latest_revision_created_at",
]


def field_values(instance: models.Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """The row's own columns by attribute name (`store_id`, not `store`), JSON-ready."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.attname in exclude or field.name in exclude:
            continue
        value = field.value_from_object(instance)
        if isinstance(field, StreamField):
            data[field.attname] = stream_raw(value)
            data[f"{field.attname}_html"] = render_stream(value)
        elif isinstance(value, FieldFile):
            data[field.attname] = value.name or ""
        else:
            data[field.attname] = value
    return data


def stream_raw(value) -> list:
    return list(value.raw_data) if value is not None else []


def render_stream(value) -> str:
    """The StreamField as readers see it, each block through its own template."""
    if value is None or not RENDER_HTML.get():
        return ""
    return str(value.render_as_block())


def _chunked(queryset) -> Iterator:
    return queryset.iterator(chunk_size=CHUNK)


def _restriction(page: Page, restrictions: dict[str, PageViewRestriction]) -> dict | None:
    """The view restriction on this page or an ancestor (password, login, groups)."""
    for depth in range(len(page.path), 0, -page.steplen):
        found = restrictions.get(page.path[:depth])
        if found is not None:
            return {
                "type": found.restriction_type,
                "password": found.password,
                "groups": sorted(group.name for group in found.groups.all()),
            }
    return None


def view_restrictions() -> dict[str, PageViewRestriction]:
    """Every page view restriction by the restricted page's tree path (few on any site)."""
    return {
        restriction.page.path: restriction
        for restriction in PageViewRestriction.objects.select_related("page").prefetch_related(
            "groups"
        )
    }


def page_values(page: Page, restrictions) -> dict:
    data = {name: getattr(page, name) for name in PAGE_FIELDS}
    data["type"] = f"{page._meta.app_label}.{page._meta.model_name}"
    data["parent_id"] = None
    data["url"] = page.get_url() or ""
    data["restriction"] = _restriction(page, restrictions)
    return data


def _parent_ids(pages: list[Page]) -> dict[str, int]:
    paths = {page.path[: -page.steplen] for page in pages if page.depth > 1}
    return dict(Page.objects.filter(path__in=paths).values_list("path", "id"))


def _pages(queryset, extra: Callable[[Page], dict]) -> Iterator[dict]:
    restrictions = view_restrictions()
    batch: list[Page] = []

    def flush():
        parents = _parent_ids(batch)
        for page in batch:
            data = page_values(page, restrictions)
            data["parent_id"] = parents.get(page.path[: -page.steplen])
            data.update(extra(page))
            yield data

    for page in _chunked(queryset):
        batch.append(page)
        if len(batch) >= CHUNK:
            yield from flush()
            batch = []
    yield from flush()


def _specific_fields(page: Page) -> dict:
    """The fields a page type adds to Wagtail's Page (whatever the type)."""
    base = {field.attname for field in Page._meta.concrete_fields}
    data = {}
    for field in page._meta.concrete_fields:
        if field.attname in base or field.attname == "page_ptr_id":
            continue
        value = field.value_from_object(page)
        if isinstance(field, StreamField):
            data[field.attname] = stream_raw(value)
            data[f"{field.attname}_html"] = render_stream(value)
        else:
            data[field.attname] = value
    return data


def articles() -> Iterator[dict]:
    queryset = (
        ArticlePage.objects.order_by("pk")
        .select_related("discussion")
        .prefetch_related("article_authors", "tagged_items__tag")
    )

    def extra(article: ArticlePage) -> dict:
        data = _specific_fields(article)
        data["authors"] = [
            link.author_id for link in sorted(article.article_authors.all(), key=_sort_order)
        ]
        data["tags"] = sorted(item.tag.slug for item in article.tagged_items.all())
        try:
            discussion = article.discussion
        except Discussion.DoesNotExist:
            discussion = None
        data["discussion"] = (
            {
                "is_closed": discussion.is_closed,
                "comment_count": discussion.comment_count,
                "last_comment_at": discussion.last_comment_at,
            }
            if discussion
            else None
        )
        return data

    return _pages(queryset, extra)


def _sort_order(link) -> int:
    return link.sort_order if link.sort_order is not None else 0


def authors() -> Iterator[dict]:
    return _pages(AuthorPage.objects.order_by("pk"), _specific_fields)


def categories() -> Iterator[dict]:
    return _pages(CategoryPage.objects.order_by("pk"), _specific_fields)


def other_pages() -> Iterator[dict]:
    """Every page that is not an article, an author or a category: the home page, the authors
    index, standalone pages, Wagtail's root."""
    skip = [ArticlePage, AuthorPage, CategoryPage]
    queryset = Page.objects.not_type(*skip).order_by("path").specific()
    return _pages(queryset, _specific_fields)


def tags() -> Iterator[dict]:
    from taggit.models import Tag

    for tag in _chunked(Tag.objects.order_by("pk")):
        yield {"id": tag.pk, "name": tag.name, "slug": tag.slug}


def media() -> Iterator[dict]:
    """Images and documents; `file` is the original's path under the export's media/ folder.
    The copying itself is done by services.export_site, which adds `size` and `sha256`."""
    for image in _chunked(get_image_model().objects.order_by("pk").prefetch_related("tags")):
        data = field_values(image, exclude=("file_hash",))
        data["kind"] = "image"
        data["tags"] = sorted(tag.name for tag in image.tags.all())
        yield data
    for document in _chunked(get_document_model().objects.order_by("pk").prefetch_related("tags")):
        data = field_values(document, exclude=("file_hash",))
        data["kind"] = "document"
        data["tags"] = sorted(tag.name for tag in document.tags.all())
        yield data


def comments() -> Iterator[dict]:
    queryset = Comment.objects.order_by("pk").select_related("passage")
    for comment in _chunked(queryset):
        data = field_values(comment, exclude=("edit_key",))
        try:
            anchor = comment.passage
        except Comment.passage.RelatedObjectDoesNotExist:
            anchor = None
        data["passage"] = field_values(anchor, exclude=("comment",)) if anchor else None
        yield data


def _plain(model, *, order: str = "pk", exclude: tuple[str, ...] = ()):
    def rows() -> Iterator[dict]:
        for row in _chunked(model.objects.order_by(order)):
            yield field_values(row, exclude=exclude)

    return rows


def subscriptions() -> Iterator[dict]:
    for row in _chunked(Subscription.objects.order_by("pk").select_related("subscriber")):
        data = field_values(row)
        data["email"] = row.subscriber.email
        yield data


def deals() -> Iterator[dict]:
    for deal in _chunked(Deal.objects.order_by("pk").prefetch_related("related_articles")):
        data = field_values(deal)
        data["related_articles"] = sorted(article.pk for article in deal.related_articles.all())
        yield data


def accounts() -> Iterator[dict]:
    """Reader and staff accounts, without password hashes: people set a new password.
    `email_confirmed` says whether the account's address is proven (accounts/confirmation.py)."""
    users = get_user_model().objects.order_by("pk").prefetch_related("groups")
    users = users.select_related("email_confirmation")
    for user in _chunked(users):
        data = field_values(user, exclude=("password",))
        data["groups"] = sorted(group.name for group in user.groups.all())
        data["email_confirmed"] = identity.is_confirmed(user)
        yield data


def redirects() -> Iterator[dict]:
    """Wagtail's redirects and the old WordPress addresses an import keeps answering."""
    for redirect in _chunked(Redirect.objects.order_by("pk").select_related("redirect_page")):
        target = redirect.redirect_page.get_url() if redirect.redirect_page else ""
        yield {
            "kind": "redirect",
            "old_path": redirect.old_path,
            "site_id": redirect.site_id,
            "is_permanent": redirect.is_permanent,
            "redirect_page_id": redirect.redirect_page_id,
            "redirect_link": redirect.redirect_link,
            "target": target or redirect.redirect_link,
            "automatically_created": redirect.automatically_created,
            "created_at": redirect.created_at,
        }
    legacy = LegacyPath.objects.order_by("pk").select_related("imported__content_type")
    for row in _chunked(legacy):
        imported = row.imported
        yield {
            "kind": "legacy_path",
            "old_path": row.path,
            "source": imported.source,
            "source_kind": imported.kind,
            "source_id": imported.source_id,
            "target_type": f"{imported.content_type.app_label}.{imported.content_type.model}",
            "target_id": imported.object_id,
            "created_at": row.created_at,
        }


def imported_objects() -> Iterator[dict]:
    queryset = ImportedObject.objects.order_by("pk").select_related("content_type")
    for row in _chunked(queryset):
        data = field_values(row, exclude=("content_type",))
        data["target_type"] = f"{row.content_type.app_label}.{row.content_type.model}"
        yield data


@dataclass(frozen=True)
class Kind:
    name: str  # also the file name: <name>.jsonl
    rows: Callable[[], Iterator[dict]]
    description: str


KINDS: list[Kind] = [
    Kind("authors", authors, "author pages (name, bio, avatar image id, social links)"),
    Kind("categories", categories, "category pages"),
    Kind("tags", tags, "tags (name, slug)"),
    Kind("articles", articles, "articles: StreamField body JSON and rendered HTML, authors, tags"),
    Kind("pages", other_pages, "every other page (home, authors index, standalone pages)"),
    Kind("media", media, "images and documents: metadata, original file under media/, sha256"),
    Kind("discussions", _plain(Discussion, order="article_id"), "per-article discussion state"),
    Kind("comments", comments, "comments with parent/thread ids, states, passage anchors"),
    Kind("votes", _plain(Vote), "comment votes (+1/-1) by reader id"),
    Kind("reports", _plain(Report), "readers' reports of comments"),
    Kind("moderation_log", _plain(ModerationLog), "what moderators did"),
    Kind("subscribers", _plain(Subscriber, exclude=("key",)), "discussion mail addresses"),
    Kind("subscriptions", subscriptions, "discussion subscriptions with confirmation dates"),
    Kind("error_reports", _plain(ErrorReport), "readers' error reports and corrections"),
    Kind("accounts", accounts, "accounts (no password hashes)"),
    Kind("stores", _plain(Store), "deal stores with affiliate parameters"),
    Kind("deals", deals, "deals with prices, coupons, dates, related articles"),
    Kind("deal_clicks", _plain(Click), "counted deal clicks (no reader data)"),
    Kind("telegram_subscribers", _plain(TelegramSubscriber), "Telegram bot chats"),
    Kind("deal_alerts", _plain(Alert, exclude=("token",)), "readers' deal alerts"),
    Kind(
        "whatsapp_subscribers",
        _plain(WhatsAppSubscriber),
        "WhatsApp subscribers with consent text version and consent/confirmation dates",
    ),
    Kind("redirects", redirects, "Wagtail redirects and old WordPress addresses"),
    Kind("imported_objects", imported_objects, "which rows came from which WordPress row"),
]
