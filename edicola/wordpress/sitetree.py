"""The site an import fills, and the page-tree helpers every content pass shares.

`prepare_site` finds or makes the home page, the default Site and the authors index; the
helpers pick a free slug under a parent, read WordPress's slugs and titles as plain text, add a
child page with fewer queries, and give the fingerprint a page's local edits are told by.
"""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from django.db.models import F
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.models import Page, Site

from edicola.news.models import (
    AuthorIndexPage,
    HomePage,
)

from . import oldurls
from .run import Run

SLUG = re.compile(r"^[-\w]+$")


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
        index = AuthorIndexPage(title=_("Authors"), slug=free_slug(home, "autori"))
        home.add_child(instance=index)
        index.save_revision().publish()
    run.author_index = index
    remember_site = getattr(oldurls, "remember_site", None)
    if remember_site is not None:
        remember_site(run.site)


def free_slug(parent, wanted: str, *, exclude=None, reserved=frozenset()) -> str:
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


def revision_of(page) -> str | None:
    return None if page is None else str(page.latest_revision_id or "")


def add_child(run: Run, parent: Page, page: Page) -> None:
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
