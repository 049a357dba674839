"""Reading a WordPress site straight from its MySQL or MariaDB database, wpDiscuz included.

`DatabaseSource(url, table_prefix)` owns the translation of WordPress's tables (options, users,
terms, posts, comments and their meta) and wpDiscuz's (votes, subscriptions, inline feedback
forms, sticky comments, closed threads) into the records of `records.py`. It never writes.

Memory stays flat whatever the size of the site: every iterator streams its rows through
unbuffered cursors (one query per table, on its own connection) and turns them into records
as they come. Meta rows are joined to their posts, users or comments by walking two streams
sorted on the same id side by side, so no table is ever held in memory. Only the small lookup
tables a permalink needs (categories, pages) are read whole.

This module reads WordPress's own tables; `dbconnection` holds the address, the connection,
the streams and the errors, `wpdiscuz` wpDiscuz's tables, `permalinks` the old addresses.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

from django.utils.translation import gettext as _

from .dbconnection import (
    as_text,
    dict_values,
    float_or_none,
    merge_streams,
    naive_or_none,
    optional_id,
    utc_or_none,
)
from .permalinks import Permalinks
from .records import (
    Author,
    Comment,
    Item,
    Repair,
    SiteInfo,
    Term,
)
from .wpdiscuz import WpDiscuzTables

SITE_OPTIONS = (
    "siteurl",
    "home",
    "blogname",
    "blogdescription",
    "permalink_structure",
    "category_base",
    "tag_base",
    "timezone_string",
    "gmt_offset",
    "sticky_posts",
    "show_on_front",
    "page_on_front",
    "WPLANG",
    "default_category",
    "upload_path",
    "upload_url_path",
    "wpdiscuz_show_closed_regenerate_message",
)


class DatabaseSource(WpDiscuzTables):
    """A WordPress site read from its database: `DatabaseSource("mysql://u:p@host:3306/db")`.

    The constructor connects once and checks the WordPress tables are there, so a wrong address,
    password or prefix is a `SourceError` before any work starts."""

    # -- the site ---------------------------------------------------------------------------

    def site(self) -> SiteInfo:
        if self._site is not None:
            return self._site
        placeholders = ", ".join(["%s"] * len(SITE_OPTIONS))
        options = dict(
            self._rows(
                f"SELECT option_name, option_value FROM `{self.table('options')}` "
                f"WHERE option_name IN ({placeholders})",
                SITE_OPTIONS,
            )
        )
        self._options = options
        home = (options.get("home") or options.get("siteurl") or "").strip().rstrip("/")
        if not home:
            self.repairs.append(
                Repair(
                    where=f"{self.table('options')} home",
                    problem=_("The site has no address (options home and siteurl are empty)."),
                    repaired=False,
                )
            )
        language = (options.get("WPLANG") or "").strip() or "en_US"
        sticky = self._unserialize(
            options.get("sticky_posts", ""), f"{self.table('options')} sticky_posts"
        )
        self._site = SiteInfo(
            base_url=home,
            title=html.unescape(options.get("blogname", "")),
            description=html.unescape(options.get("blogdescription", "")),
            language=language.replace("_", "-"),
            timezone=(options.get("timezone_string") or "").strip(),
            gmt_offset=float_or_none(options.get("gmt_offset")),
            permalink_structure=(options.get("permalink_structure") or "").strip(),
            category_base=(options.get("category_base") or "").strip(),
            tag_base=(options.get("tag_base") or "").strip(),
            sticky_post_ids=[
                post_id
                for post_id in map(as_text, dict_values(sticky))
                if post_id.isdigit() and post_id != "0"
            ],
            show_on_front=options.get("show_on_front", ""),
            page_on_front=optional_id(options.get("page_on_front")),
        )
        return self._site

    def uploads_url(self) -> str:
        """The absolute URL of the uploads folder, as wp_upload_dir() computes it."""
        self.site()
        custom_url = (self._options.get("upload_url_path") or "").strip().rstrip("/")
        if custom_url:
            return custom_url
        siteurl = (self._options.get("siteurl") or self.site().base_url).strip().rstrip("/")
        path = (self._options.get("upload_path") or "").strip().strip("/")
        if path and path != "wp-content/uploads" and not path.startswith("/"):
            return f"{siteurl}/{path}"
        if self._network_site_id and self._network_site_id != "1":
            return f"{siteurl}/wp-content/uploads/sites/{self._network_site_id}"
        return f"{siteurl}/wp-content/uploads"

    # -- people and terms -------------------------------------------------------------------

    def authors(self) -> Iterator[Author]:
        users_table, usermeta_table = self._users_table("users"), self._users_table("usermeta")
        if not users_table:
            return
        capabilities_key = self.table("capabilities")
        avatar_keys = (self.table("user_avatar"), "simple_local_avatar")
        wanted = ("description", "first_name", "last_name", capabilities_key, *avatar_keys)
        users = self._stream(
            "SELECT ID, user_login, user_email, display_name, user_url, user_registered, "
            "user_pass "
            f"FROM `{users_table}` ORDER BY ID"
        )
        meta: Iterator[tuple] = iter(())
        if usermeta_table:
            placeholders = ", ".join(["%s"] * len(wanted))
            meta = self._stream(
                f"SELECT user_id, meta_key, meta_value FROM `{usermeta_table}` "
                f"WHERE meta_key IN ({placeholders}) ORDER BY user_id, umeta_id",
                wanted,
            )
        for user, (user_meta,) in merge_streams(users, meta):
            user_id, login, email, display_name, url, registered, password_hash = user
            values = {key: value or "" for _user, key, value in user_meta}
            capabilities = self._unserialize(
                values.get(capabilities_key, ""), f"{usermeta_table} user {user_id}"
            )
            roles = [
                as_text(role)
                for role, granted in (
                    capabilities.items() if isinstance(capabilities, dict) else []
                )
                if granted
            ]
            yield Author(
                source_id=str(user_id),
                login=login,
                email=email,
                display_name=display_name,
                first_name=values.get("first_name", ""),
                last_name=values.get("last_name", ""),
                url=url,
                bio=values.get("description", ""),
                avatar_attachment_id=self._avatar_id(
                    values, avatar_keys, f"{usermeta_table} user {user_id}"
                ),
                registered=utc_or_none(registered),
                roles=roles,
                password_hash=password_hash or "",
            )

    def _avatar_id(self, values: dict[str, str], keys: tuple[str, str], where: str) -> str:
        plain_key, local_avatar_key = keys
        if values.get(plain_key, "").strip().isdigit():
            return values[plain_key].strip()
        if values.get(local_avatar_key):
            avatar = self._unserialize(values[local_avatar_key], where)
            if isinstance(avatar, dict):
                media_id = as_text(avatar.get(b"media_id", avatar.get("media_id", "")))
                if media_id.isdigit() and media_id != "0":
                    return media_id
        return ""

    def terms(self) -> Iterator[Term]:
        if not (self._has("terms") and self._has("term_taxonomy")):
            return
        for term_id, taxonomy, slug, name, parent, description in self._stream(
            "SELECT t.term_id, tt.taxonomy, t.slug, t.name, tt.parent, tt.description "
            f"FROM `{self.table('term_taxonomy')}` tt "
            f"JOIN `{self.table('terms')}` t ON t.term_id = tt.term_id "
            "ORDER BY tt.term_taxonomy_id"
        ):
            yield Term(
                source_id=str(term_id),
                taxonomy=taxonomy,
                slug=slug,
                name=name,
                parent_id=optional_id(parent),
                description=description or "",
            )

    # -- posts, pages, attachments ----------------------------------------------------------

    def items(self) -> Iterator[Item]:
        site = self.site()
        sticky = set(site.sticky_post_ids)
        links = Permalinks(self, site)
        uploads = self.uploads_url()
        users_join, user_columns = "", "'', ''"
        if users_table := self._users_table("users"):
            users_join = f"LEFT JOIN `{users_table}` u ON u.ID = p.post_author"
            user_columns = "u.user_login, u.user_nicename"
        posts = self._stream(
            "SELECT p.ID, p.post_type, p.post_status, p.post_title, p.post_name, p.post_content, "
            "p.post_excerpt, p.post_date_gmt, p.post_date, p.post_modified_gmt, p.post_author, "
            "p.post_parent, p.menu_order, p.post_password, p.guid, p.comment_status, "
            f"{user_columns} FROM `{self.table('posts')}` p {users_join} ORDER BY p.ID"
        )
        streams: list[Iterator[tuple]] = []
        if self._has("postmeta"):
            streams.append(
                self._stream(
                    f"SELECT post_id, meta_key, meta_value FROM `{self.table('postmeta')}` "
                    "ORDER BY post_id, meta_id"
                )
            )
        else:
            streams.append(iter(()))
        if self._has("term_relationships") and self._has("term_taxonomy") and self._has("terms"):
            streams.append(
                self._stream(
                    "SELECT tr.object_id, tt.taxonomy, t.slug, t.term_id "
                    f"FROM `{self.table('term_relationships')}` tr "
                    f"JOIN `{self.table('term_taxonomy')}` tt "
                    "ON tt.term_taxonomy_id = tr.term_taxonomy_id "
                    f"JOIN `{self.table('terms')}` t ON t.term_id = tt.term_id "
                    "ORDER BY tr.object_id, tr.term_order, tt.term_taxonomy_id"
                )
            )
        else:
            streams.append(iter(()))
        for post, (meta_rows, term_rows) in merge_streams(posts, *streams):
            (
                post_id,
                post_type,
                status,
                title,
                slug,
                content,
                excerpt,
                date_gmt,
                date_local,
                modified_gmt,
                author_id,
                parent_id,
                menu_order,
                password,
                guid,
                comment_status,
                author_login,
                author_nicename,
            ) = post
            meta = [(key or "", value or "") for _post, key, value in meta_rows]
            item = Item(
                source_id=str(post_id),
                post_type=post_type,
                status=status,
                title=title or "",
                slug=slug or "",
                content=content or "",
                excerpt=excerpt or "",
                date=utc_or_none(date_gmt),
                date_local=naive_or_none(date_local),
                modified=utc_or_none(modified_gmt),
                author_id=optional_id(author_id),
                author_login=author_login or "",
                parent_id=optional_id(parent_id),
                menu_order=int(menu_order or 0),
                password=password or "",
                is_sticky=str(post_id) in sticky,
                guid=guid or "",
                comment_status=comment_status or "open",
                terms=[(taxonomy, term_slug) for _object, taxonomy, term_slug, _id_ in term_rows],
                meta=meta,
            )
            if post_type == "attachment":
                item.attachment_url = _attachment_url(item, uploads)
            item.link = links.link(
                item,
                category_ids=[
                    term_id for _o, taxonomy, _s, term_id in term_rows if taxonomy == "category"
                ],
                author_nicename=author_nicename or "",
            )
            yield item

    # -- discussions ------------------------------------------------------------------------

    def comments(self) -> Iterator[Comment]:
        if not self._has("comments"):
            return
        comments = self._stream(
            "SELECT comment_ID, comment_post_ID, comment_parent, comment_author, "
            "comment_author_email, comment_author_url, comment_author_IP, comment_date_gmt, "
            "comment_date, comment_content, comment_approved, comment_type, user_id "
            f"FROM `{self.table('comments')}` ORDER BY comment_ID"
        )
        meta: Iterator[tuple] = iter(())
        if self._has("commentmeta"):
            meta = self._stream(
                f"SELECT comment_id, meta_key, meta_value FROM `{self.table('commentmeta')}` "
                "ORDER BY comment_id, meta_id"
            )
        for row, (meta_rows,) in merge_streams(comments, meta):
            (
                comment_id,
                post_id,
                parent_id,
                author_name,
                author_email,
                author_url,
                author_ip,
                date_gmt,
                date_local,
                content,
                approved,
                comment_type,
                user_id,
            ) = row
            yield Comment(
                source_id=str(comment_id),
                post_id=str(post_id),
                parent_id=optional_id(parent_id),
                author_name=author_name or "",
                author_email=author_email or "",
                author_url=author_url or "",
                author_ip=author_ip or "",
                date=utc_or_none(date_gmt),
                date_local=naive_or_none(date_local),
                content=content or "",
                approved=approved,
                type=comment_type or "",
                user_id=optional_id(user_id),
                meta=[(key or "", value or "") for _comment, key, value in meta_rows],
            )


def _attachment_url(item: Item, uploads: str) -> str:
    """wp_get_attachment_url(): the uploads URL + _wp_attached_file, else the guid."""
    attached = item.meta_value("_wp_attached_file").strip()
    if attached.startswith(("http://", "https://")):
        return attached
    if attached:
        return f"{uploads}/{attached.lstrip('/')}"
    return item.guid
