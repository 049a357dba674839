"""Old addresses of posts and pages, rebuilt from a WordPress database as get_permalink() does.

`Permalinks` fills the site's permalink structure (%year%, %postname%, %category%, …) for each
item; unpublished posts and sites without a structure get WordPress's ?p= links. Only the small
lookup tables a link needs (categories, pages) are read, each once.
"""

from __future__ import annotations

import re

from .dbconnection import WordPressDatabase
from .records import Item, SiteInfo

# WordPress gives these statuses a ?p= link whatever the permalink structure.
UNPUBLISHED_POST_STATUSES = {"draft", "pending", "auto-draft", "future", "trash"}
UNPUBLISHED_PAGE_STATUSES = {"draft", "pending", "auto-draft"}
PERMALINK_TAG = re.compile(r"%([a-z_]+)%")


class Permalinks:
    """The item's address on the old site, as get_permalink() builds it for posts and pages.
    Attachments and other types keep "" unless the site uses plain ?p= links."""

    def __init__(self, source: WordPressDatabase, site: SiteInfo):
        self.source = source
        self.home = site.base_url
        self.structure = site.permalink_structure
        self.front_page = site.page_on_front if site.show_on_front == "page" else ""
        self.trailing_slash = self.structure.endswith("/")
        self._categories: dict[int, tuple[str, int]] | None = None
        self._pages: dict[int, tuple[str, int]] | None = None

    def link(self, item: Item, category_ids: list[int], author_nicename: str) -> str:
        if not self.home:
            return ""
        if item.post_type == "post":
            if not self.structure or item.status in UNPUBLISHED_POST_STATUSES:
                return f"{self.home}/?p={item.source_id}"
            return self._post_link(item, category_ids, author_nicename)
        if item.post_type == "page":
            if item.source_id == self.front_page:
                return f"{self.home}/"
            if not self.structure or item.status in UNPUBLISHED_PAGE_STATUSES:
                return f"{self.home}/?page_id={item.source_id}"
            return self._page_link(item)
        if item.post_type == "attachment" and not self.structure:
            return f"{self.home}/?attachment_id={item.source_id}"
        return ""

    def _post_link(self, item: Item, category_ids: list[int], author_nicename: str) -> str:
        date = item.date_local or (item.date and item.date.replace(tzinfo=None))
        if date is None:
            return ""
        values = {
            "year": f"{date.year:04d}",
            "monthnum": f"{date.month:02d}",
            "day": f"{date.day:02d}",
            "hour": f"{date.hour:02d}",
            "minute": f"{date.minute:02d}",
            "second": f"{date.second:02d}",
            "post_id": item.source_id,
            "postname": item.slug,
            "author": author_nicename,
        }
        if "%category%" in self.structure:
            values["category"] = self._category_path(category_ids)
        path = PERMALINK_TAG.sub(lambda tag: values.get(tag.group(1), tag.group(0)), self.structure)
        if PERMALINK_TAG.search(path):
            return ""  # a tag of a plugin (a custom taxonomy, …) we cannot fill in
        return f"{self.home}{self._slashed(path)}"

    def _page_link(self, item: Item) -> str:
        pages = self._page_tree()
        slugs = [item.slug]
        parent, seen = int(item.parent_id or 0), {int(item.source_id)}
        while parent and parent in pages and parent not in seen:
            seen.add(parent)
            slug, parent = pages[parent]
            slugs.append(slug)
        root = "/index.php" if self.structure.startswith("/index.php/") else ""
        return f"{self.home}{root}{self._slashed('/' + '/'.join(reversed(slugs)))}"

    def _category_path(self, category_ids: list[int]) -> str:
        categories = self._category_tree()
        if not category_ids:
            default = self.source._options.get("default_category", "")
            category_ids = [int(default)] if default.isdigit() else []
        if not category_ids:
            return ""
        term_id = min(category_ids)
        slugs, seen = [], set()
        while term_id and term_id in categories and term_id not in seen:
            seen.add(term_id)
            slug, term_id = categories[term_id]
            slugs.append(slug)
        return "/".join(reversed(slugs))

    def _slashed(self, path: str) -> str:
        return path.rstrip("/") + "/" if self.trailing_slash else path.rstrip("/")

    def _category_tree(self) -> dict[int, tuple[str, int]]:
        if self._categories is None and not (
            self.source._has("terms") and self.source._has("term_taxonomy")
        ):
            self._categories = {}
        if self._categories is None:
            source = self.source
            self._categories = {
                term_id: (slug, parent)
                for term_id, slug, parent in source._rows(
                    "SELECT t.term_id, t.slug, tt.parent "
                    f"FROM `{source.table('term_taxonomy')}` tt "
                    f"JOIN `{source.table('terms')}` t ON t.term_id = tt.term_id "
                    "WHERE tt.taxonomy = 'category'"
                )
            }
        return self._categories

    def _page_tree(self) -> dict[int, tuple[str, int]]:
        if self._pages is None:
            self._pages = {
                page_id: (slug, parent)
                for page_id, slug, parent in self.source._rows(
                    f"SELECT ID, post_name, post_parent FROM `{self.source.table('posts')}` "
                    "WHERE post_type = 'page'"
                )
            }
        return self._pages
