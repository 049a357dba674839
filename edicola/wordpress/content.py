"""Posts and pages → our articles and standard pages.

A post in several categories is filed under its primary category (Yoast's
`_yoast_wpseo_primary_category`, else the first one listed); its other categories become tags
of the article, and the report says so. A page keeps its parent page; one whose parent comes
later in the source waits for it. Sticky posts are featured on the home page. Each page gets
the state its WordPress status asks for (`publishing`) and remembers its old addresses for the
redirects. The categories and tags are imported before, by `terms`; the home page by
`sitetree.prepare_site`.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from taggit.models import Tag

from edicola.comments.models import Discussion
from edicola.news.models import (
    ArticleAuthor,
    ArticlePage,
    CategoryPage,
    StandardPage,
    reserved_slugs,
)

from . import bodies, media, oldurls, people
from . import report as notes
from .publishing import (
    DRAFT_STATUSES,
    LIVE_STATUSES,
    SKIPPED_STATUSES,
    first_state,
    publish_as_wordpress,
    status_name,
)
from .records import FeedbackForm, Item
from .run import Decision, Kind, Run, batched, compact_id, fingerprint
from .sitetree import add_child, free_slug, plain, revision_of, wordpress_slug
from .terms import tag_for_name

ITEM_BATCH = 50


def import_items(run: Run) -> None:
    deferred: set = set()
    seen_types: set[str] = set()
    with run.progress.phase(_("Posts and pages"), run.item_total or None) as step:
        # One transaction per batch, a savepoint per item: a failed item is rolled back alone.
        for batch in batched(run.content.items(), ITEM_BATCH):
            run.prefetch(Kind.POST, [i.source_id for i in batch if i.post_type == "post"])
            run.prefetch(Kind.PAGE, [i.source_id for i in batch if i.post_type == "page"])
            with transaction.atomic():
                for item in batch:
                    step()
                    _one(run, item, deferred, seen_types)
            run.forget_prefetched()
            run.last_child_paths.clear()
        # Pages whose parent page came later in the source: as many passes as levels.
        while deferred:
            before = len(deferred)
            for item in run.content.items():
                if compact_id(item.source_id) in deferred:
                    deferred.discard(compact_id(item.source_id))
                    _one(run, item, deferred, seen_types, last_chance=False)
            if len(deferred) >= before:
                for item in run.content.items():
                    if compact_id(item.source_id) in deferred:
                        _one(run, item, set(), seen_types, last_chance=True)
                break


def _one(run: Run, item: Item, deferred: set, seen_types: set, last_chance: bool = False):
    kind = {"post": Kind.POST, "page": Kind.PAGE}.get(item.post_type)
    if item.post_type == "attachment":
        return
    if kind is None:
        run.report.count(item.post_type or "item", "skipped")
        if item.post_type not in seen_types:
            seen_types.add(item.post_type)
            run.report.note(
                notes.SKIPPED,
                item.post_type or "item",
                "",
                _("Items of this type are not imported (revisions, menus, plugin data)."),
            )
        return
    if item.status in SKIPPED_STATUSES or item.status not in (LIVE_STATUSES | DRAFT_STATUSES):
        run.report.count(f"{kind} status", item.status or "unknown")
        run.report.note(
            notes.SKIPPED,
            kind,
            item.source_id,
            _("Trashed items, auto-drafts and unknown statuses are not imported."),
            item.status,
        )
        return
    if kind == Kind.PAGE:
        parent = run.page_parents.get(compact_id(item.source_id))
        if parent and parent not in run.pages and parent in run.page_ids and not last_chance:
            deferred.add(compact_id(item.source_id))
            return
        run.each(kind, item.source_id, lambda: _page(run, item))
    else:
        run.each(kind, item.source_id, lambda: _post(run, item))


def _body(run: Run, item: Item, kind: str) -> bodies.BodyResult:
    context = bodies.BodyContext(
        post_id=item.source_id,
        resolve_image=lambda attachment_id, url: media.resolve_image(run, attachment_id, url),
        resolve_document=lambda attachment_id, url: media.resolve_document(run, attachment_id, url),
        attached_image_ids=lambda: media.attached_images(run, item.source_id),
        rewrite_url=lambda url: rewrite_url(run, url),
        feedback_form=lambda unique_id: _feedback_form(run, item.source_id, unique_id),
    )
    result = bodies.convert_body(item.content, context)
    for note in result.notes:
        run.report.note(
            notes.REPAIRED if note.repaired else notes.DEGRADED,
            kind,
            item.source_id,
            note.problem,
            note.where,
        )
    return result


def _feedback_form(run: Run, post_id: str, unique_id: str) -> FeedbackForm | None:
    fallback = None
    for form in run.feedback_forms.values():
        if form.unique_id == unique_id:
            if str(form.post_id) == str(post_id):
                return form
            fallback = fallback or form
    return fallback


def _remember_questions(run: Run, item: Item, result: bodies.BodyResult) -> None:
    blocks = [block for block in result.blocks if block.get("type") == "feedback"]
    if not blocks:
        return
    ids = list(result.feedback_ids)
    if len(ids) != len(blocks):
        ids = [block["value"].get("question_id", "") for block in blocks]
    run.questions[compact_id(item.source_id)] = {
        unique_id: (block["value"].get("question_id", ""), block["value"].get("passage", ""))
        for unique_id, block in zip(ids, blocks, strict=False)
    }


def rewrite_url(run: Run, url: str) -> str:
    """A link to the old site → the same address on ours (the old-address redirects answer
    it); other links unchanged."""
    raw = (url or "").strip()
    if not raw:
        return url
    parts = urlsplit(raw if not raw.startswith("//") else "http:" + raw)
    old_host = urlsplit(run.key).netloc.removeprefix("www.")
    if parts.netloc.lower().removeprefix("www.") != old_host or not old_host:
        return url
    return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


def _old_urls(item: Item) -> list[str]:
    urls = [item.link, item.guid]
    if item.link:
        parts = urlsplit(item.link)
        segments = parts.path.rstrip("/").split("/")
        for old in item.meta_values("_wp_old_slug"):
            if old and len(segments) > 1:
                path = "/".join([*segments[:-1], old]) + ("/" if parts.path.endswith("/") else "")
                urls.append(urlunsplit((parts.scheme, parts.netloc, path, "", "")))
    return [url for url in urls if url]


def _primary_category(run: Run, item: Item) -> tuple[int | None, list[str]]:
    """(our category page pk, names of the post's other categories)."""
    listed = [slug for taxonomy, slug in item.terms if taxonomy == "category"]
    term_ids = [run.category_slugs.get(slug) for slug in listed]
    term_ids = [term for term in term_ids if term is not None and term in run.categories]
    primary = compact_id(item.meta_value("_yoast_wpseo_primary_category"))
    if primary not in term_ids:
        primary = term_ids[0] if term_ids else None
    others = [term for term in term_ids if term != primary]
    pks = {term: run.categories[term] for term in others}
    names = (
        dict(CategoryPage.objects.filter(pk__in=pks.values()).values_list("pk", "title"))
        if pks
        else {}
    )
    return (run.categories[primary] if primary is not None else None), [
        names[pks[term]] for term in others if pks[term] in names
    ]


def _category_page(run: Run, pk: int | None) -> CategoryPage | None:
    """The category page (read once per import: treebeard re-reads the parent row itself
    when a child is added)."""
    if not pk:
        return None
    if pk not in run.category_pages:
        page = CategoryPage.objects.filter(pk=pk).first()
        if page is None:
            return None
        run.category_pages[pk] = page
    return run.category_pages[pk]


def _uncategorised(run: Run) -> CategoryPage:
    page = CategoryPage.objects.child_of(run.home).filter(slug="senza-categoria").first()
    if page is None:
        page = CategoryPage(title=_("Uncategorised"), slug="senza-categoria")
        run.home.add_child(instance=page)
        page.save_revision().publish()
    return page


def _standfirst(item: Item, result: bodies.BodyResult, title: str) -> str:
    text = plain(item.excerpt) or plain(result.teaser)
    if not text:
        for block in result.blocks:
            value = block.get("value")
            if block.get("type") == "paragraph" and isinstance(value, str):
                text = plain(value)
                if text:
                    break
    return Truncator(text or title).chars(320)


def _post(run: Run, item: Item) -> str:
    source_fp = fingerprint(item)
    row = run.imported(Kind.POST, item.source_id)
    page = ArticlePage.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: revision_of(page))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if page is not None:
            run.articles[compact_id(item.source_id)] = page.pk
        return run.kept(Kind.POST, item.source_id) if decision == Decision.KEPT else decision

    category_pk, other_categories = _primary_category(run, item)
    category = _category_page(run, category_pk)
    if category is None:
        category = _uncategorised(run)
        run.report.note(
            notes.REPAIRED,
            Kind.POST,
            item.source_id,
            _("The post has no imported category: filed under “Uncategorised”."),
        )
    if other_categories:
        run.report.note(
            notes.REPAIRED,
            Kind.POST,
            item.source_id,
            _("In several categories: filed under the primary one, the others became tags."),
            ", ".join(other_categories),
        )
    result = _body(run, item, Kind.POST)
    title = plain(item.title, 255) or _("Untitled")
    published = run.when(item.date, item.date_local) or timezone.now()
    modified = run.when(item.modified)
    hero = run.images.get(compact_id(item.meta_value("_thumbnail_id")))
    fields = {
        "title": title,
        "standfirst": _standfirst(item, result, title),
        "date_published": published,
        "date_updated": modified if modified and modified > published else None,
        "hero_image_id": hero[0] if hero else None,
        "hero_caption": hero[2] if hero else "",
        "is_featured": item.is_sticky or item.source_id in run.site.sticky_post_ids,
        "body": json.dumps(result.blocks),
    }
    wanted = wordpress_slug(item.slug, title, f"articolo-{item.source_id}")
    created = page is None
    if created:
        page = ArticlePage(slug=free_slug(category, wanted), **first_state(item, fields))
        page.locale_id = category.locale_id  # what Wagtail would read from the parent
        _authors_and_tags(run, page, item, other_categories)
        add_child(run, category, page)
    else:
        page = page.specific
        if page.get_parent().pk != category.pk:
            page.move(category, pos="last-child")
            page = ArticlePage.objects.get(pk=page.pk)
        for name, value in fields.items():
            setattr(page, name, value)
        page.slug = free_slug(category, wanted, exclude=page)
        _authors_and_tags(run, page, item, other_categories)
    publish_as_wordpress(run, page, item, created)
    if item.comment_status == "closed":
        Discussion.objects.update_or_create(article_id=page.pk, defaults={"is_closed": True})
    elif not created:
        Discussion.objects.filter(article_id=page.pk, is_closed=True).update(is_closed=False)
    imported = run.keep(
        Kind.POST, item.source_id, page, source_fp=source_fp, local_fp=revision_of(page), row=row
    )
    oldurls.remember(imported, _old_urls(item))
    run.articles[compact_id(item.source_id)] = page.pk
    _remember_questions(run, item, result)
    if decision == Decision.CREATE:
        run.report.count("post status", status_name(item))
    return decision


def _authors_and_tags(run: Run, page: ArticlePage, item: Item, other_categories) -> None:
    author_pk = people.author_for(run, item.author_id, item.author_login)
    page.article_authors = [ArticleAuthor(author_id=author_pk, sort_order=0)]
    tag_ids = [run.tags[slug] for taxonomy, slug in item.terms if taxonomy == "post_tag"]
    tag_ids = [pk for pk in tag_ids if pk] + [tag_for_name(name) for name in other_categories]
    missing = [pk for pk in tag_ids if pk not in run.tag_objects]
    if missing:
        run.tag_objects.update(Tag.objects.in_bulk(missing))
    page.tags.set([run.tag_objects[pk] for pk in sorted(set(tag_ids)) if pk in run.tag_objects])


def _page(run: Run, item: Item) -> str:
    source_fp = fingerprint(item)
    row = run.imported(Kind.PAGE, item.source_id)
    page = StandardPage.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: revision_of(page))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if page is not None:
            run.pages[compact_id(item.source_id)] = page.pk
        return run.kept(Kind.PAGE, item.source_id) if decision == Decision.KEPT else decision
    parent_id = run.page_parents.get(compact_id(item.source_id))
    parent = StandardPage.objects.filter(pk=run.pages.get(parent_id)).first() if parent_id else None
    if parent_id and parent is None:
        run.report.note(
            notes.REPAIRED,
            Kind.PAGE,
            item.source_id,
            _("The parent page was not imported: the page was placed under the home page."),
            str(parent_id),
        )
    parent = parent or run.home
    result = _body(run, item, Kind.PAGE)
    title = plain(item.title, 255) or _("Untitled")
    published = run.when(item.date, item.date_local) or timezone.now()
    modified = run.when(item.modified)
    fields = {
        "title": title,
        "standfirst": Truncator(plain(item.excerpt)).chars(320),
        "date_published": published,
        "date_updated": modified if modified and modified > published else None,
        "body": json.dumps(result.blocks),
    }
    wanted = wordpress_slug(item.slug, title, f"pagina-{item.source_id}")
    reserved = reserved_slugs() if parent.pk == run.home.pk else frozenset()
    created = page is None
    if created:
        slug = free_slug(parent, wanted, reserved=reserved)
        page = StandardPage(slug=slug, **first_state(item, fields))
        parent.add_child(instance=page)
    else:
        page = page.specific
        if page.get_parent().pk != parent.pk:
            page.move(parent, pos="last-child")
            page = StandardPage.objects.get(pk=page.pk)
        for name, value in fields.items():
            setattr(page, name, value)
        page.slug = free_slug(parent, wanted, exclude=page, reserved=reserved)
    if page.slug != wanted:
        run.report.note(
            notes.REPAIRED,
            Kind.PAGE,
            item.source_id,
            _("The slug is taken here: the page got another one."),
            f"{wanted} → {page.slug}",
        )
    if run.site.show_on_front == "page" and item.source_id == run.site.page_on_front:
        run.report.note(
            notes.DEGRADED,
            Kind.PAGE,
            item.source_id,
            _("This was the static front page: it is a page here; the home page lists articles."),
        )
    publish_as_wordpress(run, page, item, created)
    imported = run.keep(
        Kind.PAGE, item.source_id, page, source_fp=source_fp, local_fp=revision_of(page), row=row
    )
    oldurls.remember(imported, _old_urls(item))
    run.pages[compact_id(item.source_id)] = page.pk
    if decision == Decision.CREATE:
        run.report.count("page status", status_name(item))
    return decision
