"""The source-neutral shape of a WordPress site, as both readers produce it.

`wxr.WXRSource` (an export file, streamed) and `database.DatabaseSource` (the site's MySQL or
MariaDB tables, wpDiscuz's included) yield these records; the importer only ever sees these.
Values are as WordPress stores them, decoded exactly once: text is `str` (HTML entities of
the *markup* are left to the body converter), dates are aware datetimes in UTC taken from the
`*_gmt` fields (None when WordPress stored 0000-00-00), ids are strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Repair:
    """Something the reader fixed or could not read in the source, for the report."""

    where: str  # e.g. "line 1204" or "wp_posts id 77"
    problem: str  # translated, human sentence
    repaired: bool = True


@dataclass
class SiteInfo:
    base_url: str  # "https://lumio.example" (no trailing slash); the import's source key
    title: str = ""
    description: str = ""
    language: str = ""  # "it-IT"
    timezone: str = ""  # "Europe/Rome" (timezone_string), or "" when only gmt_offset is known
    gmt_offset: float | None = None
    permalink_structure: str = ""  # "/%year%/%monthnum%/%postname%/"; "" means ?p= links
    category_base: str = ""  # "" means "category"
    tag_base: str = ""  # "" means "tag"
    sticky_post_ids: list[str] = field(default_factory=list)
    show_on_front: str = ""  # "posts" or "page"
    page_on_front: str = ""  # post id of the static front page
    wxr_version: str = ""  # "1.2" for an export file, "" for a database


@dataclass
class Author:
    source_id: str  # wp_users.ID
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    url: str = ""
    bio: str = ""  # usermeta "description"
    avatar_attachment_id: str = ""  # an attachment id, when a plugin stored one
    registered: datetime | None = None
    roles: list[str] = field(default_factory=list)  # ["administrator"], ["subscriber"], …
    password_hash: str = ""  # wp_users.user_pass ("$P$…" phpass, "$wp$2y$…"); databases only


@dataclass
class Term:
    source_id: str  # term_id
    taxonomy: str  # "category", "post_tag", others kept for the report
    slug: str
    name: str
    parent_id: str = ""  # term_id of the parent, "" at top level
    description: str = ""


@dataclass
class Item:
    """A row of wp_posts: post, page, attachment, or another type (counted, skipped)."""

    source_id: str
    post_type: str  # "post", "page", "attachment", "revision", "nav_menu_item", …
    status: (
        str  # "publish", "future", "draft", "pending", "private", "trash", "auto-draft", "inherit"
    )
    title: str = ""
    slug: str = ""  # post_name (percent-encoded as WordPress keeps it)
    content: str = ""  # post_content: Gutenberg or classic HTML, shortcodes untouched
    excerpt: str = ""
    date: datetime | None = None  # from post_date_gmt (UTC)
    date_local: datetime | None = None  # post_date, naive site time (fallback when gmt is zero)
    modified: datetime | None = None  # post_modified_gmt
    author_id: str = ""  # wp_users.ID ("" when unknown)
    author_login: str = ""  # WXR gives the login; the database gives both
    parent_id: str = ""  # post_parent
    menu_order: int = 0
    password: str = ""
    is_sticky: bool = False
    guid: str = ""
    link: str = ""  # the item's permalink on the old site, when the source knows it
    attachment_url: str = ""  # for attachments: absolute URL of the uploaded file
    comment_status: str = "open"  # "open" or "closed"
    terms: list[tuple[str, str]] = field(default_factory=list)  # (taxonomy, slug)
    meta: list[tuple[str, str]] = field(default_factory=list)  # postmeta; keys repeat

    def meta_value(self, key: str, default: str = "") -> str:
        return next((value for k, value in self.meta if k == key), default)

    def meta_values(self, key: str) -> list[str]:
        return [value for k, value in self.meta if k == key]


@dataclass
class Comment:
    source_id: str
    post_id: str
    parent_id: str = ""  # "" or "0" means top level
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date: datetime | None = None  # from comment_date_gmt (UTC)
    date_local: datetime | None = None  # comment_date, naive site time (fallback when gmt is zero)
    content: str = ""  # HTML as WordPress stored it
    approved: str = "1"  # "1", "0", "spam", "trash", "post-trashed"
    type: str = ""  # "", "comment", "pingback", "trackback", "wpdiscuz_sticky", …
    user_id: str = ""  # wp_users.ID of a registered commenter, "" for guests
    meta: list[tuple[str, str]] = field(default_factory=list)

    def meta_value(self, key: str, default: str = "") -> str:
        return next((value for k, value in self.meta if k == key), default)


@dataclass
class Vote:
    """A row of wpDiscuz's wc_users_voted."""

    comment_id: str
    post_id: str = ""
    voter: str = ""  # user id, or the hashed IP/cookie wpDiscuz stored for guests
    value: int = 1  # +1 or -1
    is_guest: bool = True
    date: datetime | None = None


@dataclass
class DiscussionSubscription:
    """A row of wpDiscuz's wc_comments_subscription."""

    source_id: str
    email: str
    post_id: str
    kind: str  # "post" (new comments on the post), "all_comment" (replies to any of my
    #            comments on the post), "comment" (replies to one comment)
    subject_id: str = ""  # post id for "post"/"all_comment", comment id for "comment"
    confirmed: bool = False
    activation_key: str = ""  # the key in the subscriber's old unsubscribe links
    date: datetime | None = None
    user_id: str = ""


@dataclass
class FeedbackForm:
    """A row of wpDiscuz's wc_feedback_forms: an inline question placed in a post by the
    [wpdiscuz-feedback id="…" question="…" opened="…"] shortcode."""

    source_id: str  # the form's row id (comment meta wpdiscuz_feedback_form_id points here)
    post_id: str
    unique_id: str  # the shortcode's id attribute
    question: str
    opened: bool = False
    content: str = ""


class Source(Protocol):
    """What the importer asks of a reader. Every iterator streams: memory stays flat whatever
    the size of the site. Iterators may be called more than once (a new pass each time).
    Problems met while reading are appended to `repairs`; a problem that makes the source
    unreadable raises `SourceError` with a translated message naming the line or the cause."""

    repairs: list[Repair]

    def site(self) -> SiteInfo: ...

    def authors(self) -> Iterator[Author]: ...

    def terms(self) -> Iterator[Term]: ...

    def items(self) -> Iterator[Item]: ...  # every post type; attachments included

    def comments(self) -> Iterator[Comment]: ...  # parents before children not guaranteed

    def votes(self) -> Iterator[Vote]: ...  # empty for a WXR file

    def subscriptions(self) -> Iterator[DiscussionSubscription]: ...  # empty for a WXR file

    def feedback_forms(self) -> Iterator[FeedbackForm]: ...  # empty for a WXR file

    def closed_comment_ids(self) -> Iterator[str]: ...  # wpDiscuz closed threads (comment meta)


class SourceError(Exception):
    """The source cannot be read at all (truncated beyond repair, wrong password, …).
    str(error) is the translated message shown to the user, without a traceback."""
