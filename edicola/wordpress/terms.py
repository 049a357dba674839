"""Categories and tags → our category pages and tags.

Our tree is flat (HomePage → CategoryPage → ArticlePage, so article addresses stay
/<category>/<slug>/); WordPress's nesting is kept in CategoryPage.parent_category, and a parent
category's page lists its subcategories. Each category and tag remembers its old addresses for
the redirects. Terms of other taxonomies are skipped and counted.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from taggit.models import Tag

from edicola.news.models import (
    CategoryPage,
    reserved_slugs,
)

from . import oldurls
from . import report as notes
from .records import Term
from .run import Decision, Kind, Run, compact_id, fingerprint
from .sitetree import free_slug, plain, revision_of, wordpress_slug


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
    decision = run.decide(row, source_fp, lambda: revision_of(page))
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
        slug = free_slug(run.home, wanted, reserved=reserved_slugs())
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
        Kind.CATEGORY,
        term.source_id,
        page,
        source_fp=source_fp,
        local_fp=revision_of(page),
        row=row,
    )
    base = run.site.category_base.strip("/") or "category"
    path = run.category_paths.get(compact_id(term.source_id), term.slug)
    urls = {run.old_url(f"{base}/{path}/"), run.old_url(f"{base}/{term.slug}/")}
    oldurls.remember(imported, sorted(urls))
    run.categories[compact_id(term.source_id)] = page.pk
    return decision


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
    oldurls.remember(imported, [run.old_url(f"{base}/{term.slug}/")])
    run.tags[term.slug] = tag.pk
    return decision


def tag_for_name(name: str) -> int:
    tag = Tag.objects.filter(name=name).first()
    if tag is None:
        slug = slugify(name, allow_unicode=True)[:90] or "tag"
        while Tag.objects.filter(slug=slug).exists():
            slug = f"{slug}-2"
        tag = Tag.objects.create(name=name[:100], slug=slug)
    return tag.pk
