"""Categories, tags, posts and pages → our category pages, tags, articles and standard pages.

Categories: our tree is flat (HomePage → CategoryPage → ArticlePage, so article addresses stay
/<category>/<slug>/); WordPress's nesting is kept in CategoryPage.parent_category, and a parent
category's page lists its subcategories. A post in several categories is filed under its
primary category (Yoast's `_yoast_wpseo_primary_category`, else the first one listed); its
other categories become tags of the article, and the report says so.

Statuses: publish → live; future → scheduled by Wagtail at the same moment; draft and pending
→ draft; private → live behind a view restriction to the staff groups (those with admin
access); a password → Wagtail's password restriction; trash, auto-drafts and revisions are
skipped and counted. Sticky posts are featured on the home page.
"""

from __future__ import annotations

import html
import json
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import Page, PageViewRestriction, Revision, Site

from edicola.comments.models import Discussion
from edicola.news.models import (
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    CategoryPage,
    HomePage,
    StandardPage,
    reserved_slugs,
)

from . import bodies, media, people, redirects
from . import report as notes
from .records import FeedbackForm, Item, Term
from .run import Decision, Kind, Run, batched, compact_id, fingerprint

LIVE_STATUSES = {"publish", "private", "future"}
DRAFT_STATUSES = {"draft", "pending"}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
SLUG = re.compile(r"^[-\w]+$")
ITEM_BATCH = 50


# -- The site ------------------------------------------------------------------------------------


def prepare_site(run: Run) -> None:
    """The home page and the authors index the import fills (made when missing)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = None
    if site is not None and isinstance(site.root_page.specific, HomePage):
        home = site.root_page.specific
    home = home or HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        slug = "home" if not root.get_children().filter(slug="home").exists() else "edicola"
        home = HomePage(title=run.site.title[:255] or "Home", slug=slug)
        root.add_child(instance=home)
        home.save_revision().publish()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=run.site.title[:255],
        )
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    run.home = home
    index = AuthorIndexPage.objects.child_of(home).first()
    if index is None:
        index = AuthorIndexPage(title=_("Authors"), slug=_free_slug(home, "autori"))
        home.add_child(instance=index)
        index.save_revision().publish()
    run.author_index = index
    remember_site = getattr(redirects, "remember_site", None)
    if remember_site is not None:
        remember_site(run.site)


def _free_slug(parent, wanted: str, *, exclude=None, reserved=frozenset()) -> str:
    base = wanted[:200] or "pagina"
    siblings = parent.get_children()
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    slug, number = base, 1
    while slug in reserved or siblings.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def wordpress_slug(raw: str, title: str, fallback: str) -> str:
    """WordPress's post_name (percent-encoded) as a Wagtail slug."""
    slug = unquote(raw or "").strip().lower()
    if not SLUG.match(slug):
        slug = slugify(slug or plain(title), allow_unicode=True)
    return slug[:200] or fallback


def plain(value: str, limit: int = 0) -> str:
    text = html.unescape(strip_tags(value or "")).strip()
    text = re.sub(r"\s+", " ", text)
    return text[:limit] if limit else text


# -- Categories and tags -----------------------------------------------------------------------


def import_terms(run: Run) -> None:
    categories: list[Term] = []
    others: dict[str, int] = {}
    with run.progress.phase(_("Categories and tags")) as step:
        for term in run.content.terms():
            step()
            if term.taxonomy == "category":
                categories.append(term)
                run.category_slugs[term.slug] = compact_id(term.source_id)
            elif term.taxonomy == "post_tag":
                run.each(Kind.TAG, term.source_id, lambda term=term: _tag(run, term))
            else:
                others[term.taxonomy] = others.get(term.taxonomy, 0) + 1
    by_id = {compact_id(term.source_id): term for term in categories}
    for term in categories:
        run.category_paths[compact_id(term.source_id)] = _term_path(term, by_id)
    for term in categories:
        run.each(Kind.CATEGORY, term.source_id, lambda term=term: _category(run, term))
    for term in categories:
        parent = run.categories.get(compact_id(term.parent_id)) if term.parent_id else None
        mine = run.categories.get(compact_id(term.source_id))
        if mine:
            CategoryPage.objects.filter(pk=mine).update(parent_category_id=parent)
    for taxonomy, count in others.items():
        run.report.count("term", "skipped", count)
        run.report.note(
            notes.SKIPPED,
            "term",
            taxonomy,
            _("Terms of this taxonomy have no place here and were not imported."),
            str(count),
        )


def _term_path(term: Term, by_id: dict) -> str:
    parts, seen, current = [], set(), term
    while current is not None and compact_id(current.source_id) not in seen:
        seen.add(compact_id(current.source_id))
        parts.append(current.slug)
        current = by_id.get(compact_id(current.parent_id)) if current.parent_id else None
    return "/".join(reversed(parts))


def _category(run: Run, term: Term) -> str:
    source_fp = fingerprint(term)
    row = run.imported(Kind.CATEGORY, term.source_id)
    page = CategoryPage.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: _revision(page))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if page is not None:
            run.categories[compact_id(term.source_id)] = page.pk
        return run.kept(Kind.CATEGORY, term.source_id) if decision == Decision.KEPT else decision
    title = plain(term.name, 255) or term.slug
    intro = plain(term.description, 500)
    wanted = wordpress_slug(term.slug, title, f"categoria-{term.source_id}")
    if page is None:
        page = CategoryPage.objects.child_of(run.home).filter(slug=wanted).first()
        if page is not None:
            run.report.note(
                notes.REPAIRED,
                Kind.CATEGORY,
                term.source_id,
                _("A category with this slug already existed here: the two were merged."),
                wanted,
            )
    if page is None:
        slug = _free_slug(run.home, wanted, reserved=reserved_slugs())
        if slug != wanted:
            run.report.note(
                notes.REPAIRED,
                Kind.CATEGORY,
                term.source_id,
                _("The slug is taken by the site: the category got another one."),
                f"{wanted} → {slug}",
            )
        page = CategoryPage(title=title, slug=slug, intro=intro)
        run.home.add_child(instance=page)
    else:
        page.title, page.intro = title, intro
    page.save_revision().publish()
    page.refresh_from_db()
    imported = run.keep(
        Kind.CATEGORY, term.source_id, page, source_fp=source_fp, local_fp=_revision(page), row=row
    )
    base = run.site.category_base.strip("/") or "category"
    path = run.category_paths.get(compact_id(term.source_id), term.slug)
    urls = {run.old_url(f"{base}/{path}/"), run.old_url(f"{base}/{term.slug}/")}
    redirects.remember(imported, sorted(urls))
    run.categories[compact_id(term.source_id)] = page.pk
    return decision


def _revision(page) -> str | None:
    return None if page is None else str(page.latest_revision_id or "")


def _tag(run: Run, term: Term) -> str:
    source_fp = fingerprint(term)
    row = run.imported(Kind.TAG, term.source_id)
    tag = Tag.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: None if tag is None else tag.name)
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if tag is not None:
            run.tags[term.slug] = tag.pk
        return run.kept(Kind.TAG, term.source_id) if decision == Decision.KEPT else decision
    name = plain(term.name, 100) or term.slug
    slug = wordpress_slug(term.slug, name, f"tag-{term.source_id}")
    tag = tag or Tag.objects.filter(Q(slug=slug) | Q(name=name)).first()
    if tag is None:
        tag = Tag.objects.create(name=name, slug=slug)
    elif tag.name != name and not Tag.objects.filter(name=name).exclude(pk=tag.pk).exists():
        tag.name = name
        tag.save()
    imported = run.keep(
        Kind.TAG, term.source_id, tag, source_fp=source_fp, local_fp=tag.name, row=row
    )
    base = run.site.tag_base.strip("/") or "tag"
    redirects.remember(imported, [run.old_url(f"{base}/{term.slug}/")])
    run.tags[term.slug] = tag.pk
    return decision


def _tag_for_name(name: str) -> int:
    tag = Tag.objects.filter(name=name).first()
    if tag is None:
        slug = slugify(name, allow_unicode=True)[:90] or "tag"
        while Tag.objects.filter(slug=slug).exists():
            slug = f"{slug}-2"
        tag = Tag.objects.create(name=name[:100], slug=slug)
    return tag.pk


# -- Posts and pages -----------------------------------------------------------------------------


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


def _status_name(item: Item) -> str:
    if item.status == "publish" and item.password:
        return "password"
    return item.status


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
    decision = run.decide(row, source_fp, lambda: _revision(page))
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
        page = ArticlePage(slug=_free_slug(category, wanted), **_first_state(item, fields))
        page.locale_id = category.locale_id  # what Wagtail would read from the parent
        _authors_and_tags(run, page, item, other_categories)
        _add_child(run, category, page)
    else:
        page = page.specific
        if page.get_parent().pk != category.pk:
            page.move(category, pos="last-child")
            page = ArticlePage.objects.get(pk=page.pk)
        for name, value in fields.items():
            setattr(page, name, value)
        page.slug = _free_slug(category, wanted, exclude=page)
        _authors_and_tags(run, page, item, other_categories)
    _publish(run, page, item, created)
    if item.comment_status == "closed":
        Discussion.objects.update_or_create(article_id=page.pk, defaults={"is_closed": True})
    elif not created:
        Discussion.objects.filter(article_id=page.pk, is_closed=True).update(is_closed=False)
    imported = run.keep(
        Kind.POST, item.source_id, page, source_fp=source_fp, local_fp=_revision(page), row=row
    )
    redirects.remember(imported, _old_urls(item))
    run.articles[compact_id(item.source_id)] = page.pk
    _remember_questions(run, item, result)
    if decision == Decision.CREATE:
        run.report.count("post status", _status_name(item))
    return decision


def _add_child(run: Run, parent: Page, page: Page) -> None:
    """`parent.add_child(instance=page)`, minus two queries for every article after the first
    one of a batch in a category: the first goes through treebeard, which locks the parent's
    row until the batch commits, so the next path can be worked out here (as treebeard does:
    the last child's path, incremented). A gap left by a failed article is harmless."""
    last = run.last_child_paths.get(parent.pk)
    if last is None:
        parent.add_child(instance=page)
    else:
        page.depth = parent.depth + 1
        page.path = Page(path=last, depth=page.depth)._inc_path()
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + 1)
        parent.numchild += 1
        page._cached_parent_obj = parent
        page.save()
    run.last_child_paths[parent.pk] = page.path


def _authors_and_tags(run: Run, page: ArticlePage, item: Item, other_categories) -> None:
    author_pk = people.author_for(run, item.author_id, item.author_login)
    page.article_authors = [ArticleAuthor(author_id=author_pk, sort_order=0)]
    tag_ids = [run.tags[slug] for taxonomy, slug in item.terms if taxonomy == "post_tag"]
    tag_ids = [pk for pk in tag_ids if pk] + [_tag_for_name(name) for name in other_categories]
    missing = [pk for pk in tag_ids if pk not in run.tag_objects]
    if missing:
        run.tag_objects.update(Tag.objects.in_bulk(missing))
    page.tags.set([run.tag_objects[pk] for pk in sorted(set(tag_ids)) if pk in run.tag_objects])


def _page(run: Run, item: Item) -> str:
    source_fp = fingerprint(item)
    row = run.imported(Kind.PAGE, item.source_id)
    page = StandardPage.objects.filter(pk=row.object_id).first() if row else None
    decision = run.decide(row, source_fp, lambda: _revision(page))
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
        slug = _free_slug(parent, wanted, reserved=reserved)
        page = StandardPage(slug=slug, **_first_state(item, fields))
        parent.add_child(instance=page)
    else:
        page = page.specific
        if page.get_parent().pk != parent.pk:
            page.move(parent, pos="last-child")
            page = StandardPage.objects.get(pk=page.pk)
        for name, value in fields.items():
            setattr(page, name, value)
        page.slug = _free_slug(parent, wanted, exclude=page, reserved=reserved)
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
    _publish(run, page, item, created)
    imported = run.keep(
        Kind.PAGE, item.source_id, page, source_fp=source_fp, local_fp=_revision(page), row=row
    )
    redirects.remember(imported, _old_urls(item))
    run.pages[compact_id(item.source_id)] = page.pk
    if decision == Decision.CREATE:
        run.report.count("page status", _status_name(item))
    return decision


def staff_groups():
    return Group.objects.filter(
        permissions__codename="access_admin", permissions__content_type__app_label="wagtailadmin"
    ).distinct()


def _first_state(item: Item, fields: dict) -> dict:
    """A new page's fields: born live when WordPress published it (see _publish)."""
    live = _status_name(item) in PUBLISHED_NOW
    state = {**fields, "live": live, "has_unpublished_changes": not live}
    if live:
        state["first_published_at"] = fields["date_published"]
        state["last_published_at"] = fields.get("date_updated") or fields["date_published"]
    return state


PUBLISHED_NOW = {"publish", "private", "password"}


def _publish(run: Run, page: Page, item: Item, created: bool) -> None:
    """Give the page the state its WordPress status asks for (see the module docstring).

    A new page WordPress published is saved live once, with its one revision recorded as the
    live one: what Wagtail's publish would leave, without saving the page twice more (this is
    most of an import's time). Updates, schedules and drafts go through Wagtail's own publish.
    """
    status = _status_name(item)
    restriction = {"private": PageViewRestriction.GROUPS, "password": PageViewRestriction.PASSWORD}
    wanted = restriction.get(status)
    if not created:
        PageViewRestriction.objects.filter(page=page).exclude(
            restriction_type=wanted or ""
        ).delete()
    if wanted == PageViewRestriction.PASSWORD:
        PageViewRestriction.objects.update_or_create(
            page=page,
            restriction_type=wanted,
            defaults={"password": item.password[:255]},
        )
    elif wanted == PageViewRestriction.GROUPS:
        found, _created = PageViewRestriction.objects.get_or_create(
            page=page, restriction_type=wanted
        )
        found.groups.set(staff_groups())
    if created and status in PUBLISHED_NOW:
        revision = Revision.objects.create(
            content_object=page,
            base_content_type=page.get_base_content_type(),
            content=page.serializable_data(),
            object_str=str(page),
        )
        page.latest_revision, page.live_revision = revision, revision
        Page.objects.filter(pk=page.pk).update(
            latest_revision=revision,
            live_revision=revision,
            latest_revision_created_at=revision.created_at,
            draft_title=page.title,
            has_unpublished_changes=False,
        )
        return
    if status in DRAFT_STATUSES:
        if page.live:
            page.unpublish(log_action=False)
        page.save_revision(log_action=False)
        return
    page.go_live_at = page.date_published if status == "future" else None
    revision = page.save_revision(log_action=False)
    revision.publish(log_action=False)
