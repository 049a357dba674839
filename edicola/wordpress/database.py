"""Reading a WordPress site straight from its MySQL or MariaDB database, wpDiscuz included.

`DatabaseSource(url, table_prefix)` owns the translation of WordPress's tables (options, users,
terms, posts, comments and their meta) and wpDiscuz's (votes, subscriptions, inline feedback
forms, sticky comments, closed threads) into the records of `records.py`. It never writes.

Memory stays flat whatever the size of the site: every iterator streams its rows through
unbuffered cursors (one query per table, on its own connection) and turns them into records
as they come. Meta rows are joined to their posts, users or comments by walking two streams
sorted on the same id side by side, so no table is ever held in memory. Only the small lookup
tables a permalink needs (categories, pages) are read whole.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import phpserialize
import pymysql
import pymysql.cursors
from django.utils.translation import gettext as _

from .records import (
    Author,
    Comment,
    DiscussionSubscription,
    FeedbackForm,
    Item,
    Repair,
    SiteInfo,
    SourceError,
    Term,
    Vote,
)

DEFAULT_PORT = 3306
CONNECT_TIMEOUT = 10
# An unbuffered cursor holds the server while the importer works on a row; give it time.
SESSION_SETUP = "SET time_zone = '+00:00', net_write_timeout = 3600, net_read_timeout = 3600"
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_]{1,64}")
# A site of a multisite network has tables wp_3_…, but shares the network's wp_users/usermeta.
NETWORK_SITE_PREFIX = re.compile(r"(.+?_)(\d+)_")

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

# WordPress gives these statuses a ?p= link whatever the permalink structure.
UNPUBLISHED_POST_STATUSES = {"draft", "pending", "auto-draft", "future", "trash"}
UNPUBLISHED_PAGE_STATUSES = {"draft", "pending", "auto-draft"}
PERMALINK_TAG = re.compile(r"%([a-z_]+)%")

# wpDiscuz's names (its tables carry the site's table prefix). Sticky comments need nothing of
# their own: they are comments of type wpdiscuz_sticky.
CLOSED_META_KEY = "wpdiscuz_closed"


class DatabaseSource:
    """A WordPress site read from its database: `DatabaseSource("mysql://u:p@host:3306/db")`.

    The constructor connects once and checks the WordPress tables are there, so a wrong address,
    password or prefix is a `SourceError` before any work starts."""

    def __init__(self, url: str, table_prefix: str = "wp_"):
        self.repairs: list[Repair] = []
        self._connect_args = _parse_url(url)
        if not PREFIX_PATTERN.fullmatch(table_prefix or ""):
            raise SourceError(
                _(
                    "The table prefix “%(prefix)s” is not valid: WordPress prefixes contain "
                    "only letters, digits and underscores."
                )
                % {"prefix": table_prefix}
            )
        self.prefix = table_prefix
        self._site: SiteInfo | None = None
        self._options: dict[str, str] = {}
        connection = self._connect()
        try:
            self._tables = self._existing_tables(connection)
        except pymysql.MySQLError as error:
            raise SourceError(
                _("Reading the WordPress database failed: %(problem)s")
                % {"problem": _server_message(error)}
            ) from None
        finally:
            connection.close()
        self._users_prefix, self._network_site_id = self.prefix, ""
        network_site = NETWORK_SITE_PREFIX.fullmatch(self.prefix)
        if network_site and not self._has("users") and f"{network_site[1]}users" in self._tables:
            self._users_prefix, self._network_site_id = network_site[1], network_site[2]
        for table in ("options", "posts"):
            if self.table(table) not in self._tables:
                raise SourceError(
                    _(
                        "The database “%(database)s” has no WordPress table “%(table)s”: "
                        "check the table prefix (now “%(prefix)s”)."
                    )
                    % {
                        "database": self._connect_args["database"],
                        "table": self.table(table),
                        "prefix": self.prefix,
                    }
                )

    # -- connections ------------------------------------------------------------------------

    def table(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _connect(self) -> pymysql.connections.Connection:
        args = self._connect_args
        try:
            return pymysql.connect(
                **args | {"password": args["password"].encode("utf-8")},  # PHP sends UTF-8 bytes
                charset="utf8mb4",
                use_unicode=True,
                connect_timeout=CONNECT_TIMEOUT,
                init_command=SESSION_SETUP,
                autocommit=True,
            )
        except pymysql.MySQLError as error:
            raise _connection_error(error, args) from None

    def _existing_tables(self, connection) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
            return {row[0] for row in cursor.fetchall()}

    def _has(self, name: str) -> bool:
        return self.table(name) in self._tables

    def _columns(self, name: str) -> set[str]:
        return {
            column
            for (column,) in self._rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                (self.table(name),),
            )
        }

    def _users_table(self, name: str) -> str:
        """wp_users or wp_usermeta: the network's on a site of a multisite network; "" if
        missing."""
        table = f"{self._users_prefix}{name}"
        return table if table in self._tables else ""

    def _stream(self, sql: str, args: Iterable = ()) -> Iterator[tuple]:
        """The rows of one query, unbuffered, on a connection of their own."""
        connection = self._connect()
        cursor = connection.cursor(pymysql.cursors.SSCursor)
        try:
            cursor.execute(sql, tuple(args))
            while row := cursor.fetchone():
                if any(isinstance(value, bytes) for value in row):
                    row = tuple(
                        _text(value) if isinstance(value, bytes) else value for value in row
                    )
                yield row
        except pymysql.MySQLError as error:
            raise SourceError(
                _("Reading the WordPress database failed: %(problem)s")
                % {"problem": _server_message(error)}
            ) from None
        finally:
            _close_unread(cursor, connection)

    def _rows(self, sql: str, args: Iterable = ()) -> list[tuple]:
        return list(self._stream(sql, args))

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
            gmt_offset=_float_or_none(options.get("gmt_offset")),
            permalink_structure=(options.get("permalink_structure") or "").strip(),
            category_base=(options.get("category_base") or "").strip(),
            tag_base=(options.get("tag_base") or "").strip(),
            sticky_post_ids=[
                post_id
                for post_id in map(_text, _values(sticky))
                if post_id.isdigit() and post_id != "0"
            ],
            show_on_front=options.get("show_on_front", ""),
            page_on_front=_id(options.get("page_on_front")),
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
        for user, (user_meta,) in _merge(users, meta):
            user_id, login, email, display_name, url, registered, password_hash = user
            values = {key: value or "" for _user, key, value in user_meta}
            capabilities = self._unserialize(
                values.get(capabilities_key, ""), f"{usermeta_table} user {user_id}"
            )
            roles = [
                _text(role)
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
                registered=_utc(registered),
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
                media_id = _text(avatar.get(b"media_id", avatar.get("media_id", "")))
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
                parent_id=_id(parent),
                description=description or "",
            )

    # -- posts, pages, attachments ----------------------------------------------------------

    def items(self) -> Iterator[Item]:
        site = self.site()
        sticky = set(site.sticky_post_ids)
        links = _Permalinks(self, site)
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
        for post, (meta_rows, term_rows) in _merge(posts, *streams):
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
                date=_utc(date_gmt),
                date_local=_naive(date_local),
                modified=_utc(modified_gmt),
                author_id=_id(author_id),
                author_login=author_login or "",
                parent_id=_id(parent_id),
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
        for row, (meta_rows,) in _merge(comments, meta):
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
                parent_id=_id(parent_id),
                author_name=author_name or "",
                author_email=author_email or "",
                author_url=author_url or "",
                author_ip=author_ip or "",
                date=_utc(date_gmt),
                date_local=_naive(date_local),
                content=content or "",
                approved=approved,
                type=comment_type or "",
                user_id=_id(user_id),
                meta=[(key or "", value or "") for _comment, key, value in meta_rows],
            )

    def votes(self) -> Iterator[Vote]:
        if not self._has("wc_users_voted"):
            return
        # wpDiscuz 5 and older had no post_id and date columns, and the first versions no
        # is_guest (only members could vote).
        columns = self._columns("wc_users_voted")
        optional = ", ".join(
            f"`{name}`" if name in columns else "0" for name in ("post_id", "is_guest", "date")
        )
        for comment_id, voter, vote_type, post_id, is_guest, date in self._stream(
            f"SELECT comment_id, user_id, vote_type, {optional} "
            f"FROM `{self.table('wc_users_voted')}` ORDER BY id"
        ):
            # wpDiscuz keeps a withdrawn vote as a row of type 0: there is no vote to bring.
            if not vote_type:
                continue
            yield Vote(
                comment_id=str(comment_id),
                post_id=_id(post_id),
                voter=voter or "",
                value=1 if vote_type > 0 else -1,
                is_guest=bool(is_guest),
                date=datetime.fromtimestamp(date, UTC) if date else None,
            )

    def subscriptions(self) -> Iterator[DiscussionSubscription]:
        if not self._has("wc_comments_subscription"):
            return
        user_column = "''"
        if users_table := self._users_table("users"):
            user_column = f"(SELECT MIN(u.ID) FROM `{users_table}` u WHERE u.user_email = s.email)"
        for (
            subscription_id,
            email,
            subject_id,
            post_id,
            kind,
            activation_key,
            confirmed,
            date,
            user_id,
        ) in self._stream(
            "SELECT s.id, s.email, s.subscribtion_id, s.post_id, s.subscribtion_type, "
            f"s.activation_key, s.confirm, s.subscription_date, {user_column} "
            f"FROM `{self.table('wc_comments_subscription')}` s ORDER BY s.id"
        ):
            yield DiscussionSubscription(
                source_id=str(subscription_id),
                email=email or "",
                post_id=str(post_id),
                kind=kind or "",
                subject_id=_id(subject_id),
                confirmed=bool(confirmed),
                activation_key=activation_key or "",
                date=_utc(date),
                user_id=_id(user_id),
            )

    def feedback_forms(self) -> Iterator[FeedbackForm]:
        if not self._has("wc_feedback_forms"):
            return
        for form_id, post_id, unique_id, question, opened, content in self._stream(
            "SELECT id, post_id, unique_id, question, opened, content "
            f"FROM `{self.table('wc_feedback_forms')}` ORDER BY id"
        ):
            yield FeedbackForm(
                source_id=str(form_id),
                post_id=str(post_id),
                unique_id=unique_id or "",
                question=question or "",
                opened=bool(opened),
                content=content or "",
            )

    def closed_comment_ids(self) -> Iterator[str]:
        """Threads closed in wpDiscuz: comment meta wpdiscuz_closed = 1. Before wpDiscuz 7 a
        closed thread had comment_karma = 1; until its "regenerate closed comments" tool has run
        (option wpdiscuz_show_closed_regenerate_message = 1) those are closed threads too."""
        self.site()
        closed: set[str] = set()
        if self._has("commentmeta") and self._has("comments"):
            for comment_id, value in self._stream(
                f"SELECT m.comment_id, m.meta_value FROM `{self.table('commentmeta')}` m "
                f"JOIN `{self.table('comments')}` c ON c.comment_ID = m.comment_id "
                "WHERE m.meta_key = %s ORDER BY m.comment_id",
                (CLOSED_META_KEY,),
            ):
                if _php_intval(value) and str(comment_id) not in closed:
                    closed.add(str(comment_id))
                    yield str(comment_id)
        legacy = _php_intval(self._options.get("wpdiscuz_show_closed_regenerate_message", ""))
        if legacy and self._has("comments"):
            for (comment_id,) in self._stream(
                f"SELECT comment_ID FROM `{self.table('comments')}` "
                "WHERE comment_karma = 1 AND comment_parent = 0 ORDER BY comment_ID"
            ):
                if str(comment_id) not in closed:
                    closed.add(str(comment_id))
                    yield str(comment_id)

    # -- helpers ----------------------------------------------------------------------------

    def _unserialize(self, value: str, where: str):
        """A PHP-serialized option or meta value; a damaged one is reported and read as empty."""
        if not value:
            return None
        try:
            return phpserialize.loads(value.encode("utf-8"), decode_strings=False)
        except (ValueError, TypeError, EOFError, IndexError, KeyError, RecursionError):
            self.repairs.append(
                Repair(
                    where=where,
                    problem=_("A PHP-serialized value could not be read and was left out."),
                    repaired=True,
                )
            )
            return None


class _Permalinks:
    """The item's address on the old site, as get_permalink() builds it for posts and pages.
    Attachments and other types keep "" unless the site uses plain ?p= links."""

    def __init__(self, source: DatabaseSource, site: SiteInfo):
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


# -- streams ----------------------------------------------------------------------------------


def _close_unread(cursor, connection) -> None:
    """Ends a streamed query, read to the end or abandoned half-way, by closing its connection.

    Closing an unbuffered cursor would first read every remaining row of an abandoned query,
    so the socket is closed instead and the cursor told its result is gone (PyMySQL would
    otherwise try to finish reading it when the objects are collected)."""
    result = getattr(cursor, "_result", None)
    if result is not None:
        result.unbuffered_active = False
    cursor.connection = None
    try:
        connection.close()
    except (pymysql.MySQLError, OSError):
        pass


def _merge(primary: Iterator[tuple], *secondaries: Iterator[tuple]):
    """Pairs each row of `primary` with the rows of each secondary stream that share its id.

    Every stream is sorted on its first column; a secondary row whose id has no primary row
    (meta left behind by a deleted post) is skipped. The streams are closed at the end, or
    when the caller stops early."""
    try:
        yield from _merged(primary, secondaries)
    finally:
        for stream in (primary, *secondaries):
            close = getattr(stream, "close", None)
            if close:
                close()


def _merged(primary: Iterator[tuple], secondaries: tuple[Iterator[tuple], ...]):
    pending: list[tuple | None] = [next(stream, None) for stream in secondaries]
    for row in primary:
        key = row[0]
        groups = []
        for index, stream in enumerate(secondaries):
            group = []
            current = pending[index]
            while current is not None and current[0] < key:
                current = next(stream, None)
            while current is not None and current[0] == key:
                group.append(current)
                current = next(stream, None)
            pending[index] = current
            groups.append(group)
        yield row, groups


# -- values -----------------------------------------------------------------------------------


def _parse_url(url: str) -> dict:
    parts = urlsplit((url or "").strip())
    database = unquote(parts.path.lstrip("/"))
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        port = None
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname or not database or not port:
        raise SourceError(
            _(
                "The database address must look like mysql://user:password@host:port/database "
                "(got “%(url)s”)."
            )
            % {"url": _without_password(url)}
        )
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": database,
    }


def _without_password(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.password is None:
        return url or ""
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _connection_error(error: pymysql.MySQLError, args: dict) -> SourceError:
    code = error.args[0] if error.args else 0
    names = {"host": args["host"], "port": args["port"], "user": args["user"]}
    names["database"] = args["database"]
    if code in (1044, 1045, 1698):
        message = _(
            "The database server at %(host)s:%(port)s refused the user “%(user)s”: check the "
            "user name and the password."
        )
    elif code == 1049:
        message = _("There is no database “%(database)s” on the server at %(host)s:%(port)s.")
    elif code in (2002, 2003, 2005, 2006, 2013):
        message = _(
            "No database server answers at %(host)s:%(port)s: check the host name and the port."
        )
    else:
        return SourceError(
            _("The database server at %(host)s:%(port)s could not be used: %(problem)s")
            % {**names, "problem": _server_message(error)}
        )
    return SourceError(message % names)


def _server_message(error: pymysql.MySQLError) -> str:
    return str(error.args[1]) if len(error.args) > 1 else str(error)


def _utc(value) -> datetime | None:
    """A DATETIME the site stored in UTC (the *_gmt columns); 0000-00-00 is None."""
    value = _naive(value)
    return value.replace(tzinfo=UTC) if value else None


def _naive(value) -> datetime | None:
    # PyMySQL returns 0000-00-00 (and other dates Python cannot hold) as the string it read.
    return value if isinstance(value, datetime) else None


def _id(value) -> str:
    """An id column: 0 (WordPress's "none") becomes ""."""
    text = str(value if value is not None else "").strip()
    return "" if text in ("", "0") else text


def _float_or_none(value) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _php_intval(value) -> int:
    match = re.match(r"\s*[+-]?\d+", str(value or ""))
    return int(match.group(0)) if match else 0


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _values(value) -> list:
    if isinstance(value, dict):
        return list(value.values())
    return []


def _attachment_url(item: Item, uploads: str) -> str:
    """wp_get_attachment_url(): the uploads URL + _wp_attached_file, else the guid."""
    attached = item.meta_value("_wp_attached_file").strip()
    if attached.startswith(("http://", "https://")):
        return attached
    if attached:
        return f"{uploads}/{attached.lstrip('/')}"
    return item.guid
