"""The WordPress export file (WXR 1.0, 1.1, 1.2) read as a stream of `records`.

`WXRSource(path)` implements `records.Source` for an export file of any size: every iterator is
a new pass over the file with lxml's `iterparse`, and each element is cleared as soon as it has
been turned into a record, so memory stays flat whatever the size of the site.

What it decides, so the importer does not have to:

- Namespaces are looked up by the prefixes the file declares (`wp`, `content`, `excerpt`,
  `dc`), whatever their URIs (`http` or `https`, any WXR version); a `wp` URI under another
  prefix is recognised by its shape.
- Values are decoded exactly once, by the XML parser: `&amp;` in a title becomes `&`, while the
  HTML inside `content:encoded` is handed over as WordPress stored it, entities untouched
  (term names too: WordPress keeps `&` in them as `&amp;`, as the database reader sees it).
- Dates come from the `*_gmt` fields as aware UTC datetimes. When WordPress stored
  `0000-00-00 00:00:00` there (drafts do), `date` is None and `date_local` keeps the naive
  local time, for the importer to localise in the site's time zone.
- WXR does not carry the permalink structure, the category and tag bases, the time zone or the
  front page: those stay empty (the old-address code infers the structure from the items'
  links). Sticky posts come from the items' `wp:is_sticky`. wpDiscuz's closed threads come
  from the comment meta `wpdiscuz_closed`; votes, subscriptions and feedback forms live only in
  the database, so those iterators are empty.
- WXR 1.0 has no author list: the authors are the distinct `dc:creator` logins, each with its
  login as source id. A term an item uses but the file never declares (an export of posts only)
  gets `"<taxonomy>:<slug>"` as source id, as does any term without a `wp:term_id`.

Malformed input, repaired while streaming by `CleanStream` (a file-like filter between the
file and the parser) with one `Repair` per line in `repairs`: control characters XML does not
allow (in CDATA or anywhere), undefined entities such as `&nbsp;` or `&rsquo;` outside CDATA
(HTML5 names become their characters, unknown names are kept as text), a bare `&`, bytes that
are not UTF-8 (read as Windows-1252). A file cut short is imported up to its last complete
`<item>`: the cut item and everything after it are reported, not imported. An empty file, a
file that is not XML, not a WordPress export, or broken anywhere else raises `SourceError`
with a translated message naming the line.

The first call of any method reads the whole file once (`site()`): every fatal problem is
raised then, before the importer has been handed a single record.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from lxml import etree

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
from .xmlrepair import CleanStream, RepairNotes

_READ_ERRORS = (OSError, EOFError, zlib.error)  # a damaged .gz, a disk that fails
CLOSED_THREAD_META = "wpdiscuz_closed"  # wpDiscuz marks a closed thread with this comment meta

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
_WP_URI = re.compile(r"^https?://wordpress\.(?:org|com)/export/(\d+\.\d+)/$")
_EXCERPT_URI = re.compile(r"^https?://wordpress\.(?:org|com)/export/\d+\.\d+/excerpt/$")
_CONTENT_URI = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$")
_DC_URI = re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$")
_VERSION = re.compile(r"^\d+\.\d+$")


@dataclass
class _Names:
    """Clark names (`{uri}local`) of the elements a pass listens to."""

    wp: str
    excerpt: str
    content: str
    dc: str

    def __post_init__(self):
        wp = self.wp_prefix = "{" + self.wp + "}"
        self.author = wp + "author"
        self.category = wp + "category"
        self.tag = wp + "tag"
        self.term = wp + "term"
        self.comment = wp + "comment"
        self.commentmeta = wp + "commentmeta"
        self.postmeta = wp + "postmeta"
        self.meta_key = wp + "meta_key"
        self.meta_value = wp + "meta_value"
        self.post_id = wp + "post_id"
        self.is_sticky = wp + "is_sticky"
        self.post_type = wp + "post_type"
        self.creator = "{" + self.dc + "}creator"
        self.encoded = "{" + self.content + "}encoded"
        self.excerpt_encoded = "{" + self.excerpt + "}encoded"
        self.header = [self.author, self.category, self.tag, self.term]
        self.channel_fields = {
            "title": "title",
            "link": "link",
            "description": "description",
            "language": "language",
            wp + "wxr_version": "wxr_version",
            wp + "base_site_url": "base_site_url",
            wp + "base_blog_url": "base_blog_url",
        }

    def wp_field(self, element) -> str:
        """The local name of a wp: child, or "" for any other element."""
        tag = element.tag
        if isinstance(tag, str) and tag.startswith(self.wp_prefix):
            return tag[len(self.wp_prefix) :]
        return ""


@dataclass
class _Survey:
    """What the first full pass learns: the channel, and what items tell about the site."""

    site: SiteInfo
    names: _Names
    author_ids: dict[str, str] = field(default_factory=dict)  # login → wp:author_id
    creators: list[str] = field(default_factory=list)  # dc:creator logins, WXR 1.0 only
    declared_terms: set[tuple[str, str]] = field(default_factory=set)
    undeclared_terms: dict[tuple[str, str], str] = field(default_factory=dict)  # → name
    truncated_post_id: str | None = None
    truncated: bool = False
    truncated_line: int = 0
    closed_comment_ids: list[str] = field(default_factory=list)


class WXRSource:
    """A WordPress export file, streamed. See the module docstring for what it decides."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.repairs: list[Repair] = []
        # What the file holds, for a progress bar: items per post type, and "comment".
        # Filled by the first pass (any first call).
        self.totals: dict[str, int] = {}
        self._seen: set[Repair] = set()
        self._survey: _Survey | None = None

    # records.Source -----------------------------------------------------------------------

    def site(self) -> SiteInfo:
        return self._surveyed().site

    def authors(self) -> Iterator[Author]:
        survey = self._surveyed()
        names = survey.names
        if survey.creators:  # WXR 1.0: no author list, only the items' logins
            for login in survey.creators:
                yield Author(source_id=login, login=login)
            return
        for element in self._header(survey):
            if element.tag != names.author:
                continue
            fields = _fields(element, names)
            login = fields.get("author_login", "").strip()
            if not login:
                self._note(element, _("An author without a login was skipped."), False)
                continue
            yield Author(
                source_id=fields.get("author_id", "").strip() or login,
                login=login,
                email=fields.get("author_email", "").strip(),
                display_name=fields.get("author_display_name", ""),
                first_name=fields.get("author_first_name", ""),
                last_name=fields.get("author_last_name", ""),
            )

    def terms(self) -> Iterator[Term]:
        survey = self._surveyed()
        names = survey.names
        ids: dict[tuple[str, str], str] = {}
        waiting: list[tuple[Term, str, int]] = []  # a child met before its parent
        for element in self._header(survey):
            if element.tag == names.author:
                continue
            term, parent_slug = self._term(element, names)
            if term is None:
                continue
            ids[term.taxonomy, term.slug] = term.source_id
            if parent_slug and (term.taxonomy, parent_slug) not in ids:
                waiting.append((term, parent_slug, element.sourceline or 0))
                continue
            term.parent_id = ids.get((term.taxonomy, parent_slug), "") if parent_slug else ""
            yield term
        for term, parent_slug, line in waiting:
            term.parent_id = ids.get((term.taxonomy, parent_slug), "")
            if not term.parent_id:
                self._add(
                    Repair(
                        _("line %(line)d") % {"line": line},
                        _(
                            "The parent “%(parent)s” of the term “%(slug)s” is not in the file; "
                            "the term was put at the top level."
                        )
                        % {"parent": parent_slug, "slug": term.slug},
                    )
                )
            yield term
        for (taxonomy, slug), name in survey.undeclared_terms.items():
            yield Term(source_id=f"{taxonomy}:{slug}", taxonomy=taxonomy, slug=slug, name=name)

    def items(self) -> Iterator[Item]:
        survey = self._surveyed()
        for element in self._pass(survey, ["item"]):
            if element.tag == "item":
                item = self._item(element, survey)
                if item is not None:
                    yield item

    def comments(self) -> Iterator[Comment]:
        survey = self._surveyed()
        names = survey.names
        item, post_id = None, ""
        for element in self._pass(survey, [names.comment, "item"]):
            if element.tag != names.comment:
                continue
            parent = element.getparent()
            if parent is not item:
                item, post_id = parent, (parent.findtext(names.post_id) or "").strip()
            if not post_id or post_id == survey.truncated_post_id:
                continue  # its item is skipped and reported
            comment = self._comment(element, post_id, names)
            if comment is not None:
                yield comment

    def votes(self) -> Iterator[Vote]:
        return iter(())

    def subscriptions(self) -> Iterator[DiscussionSubscription]:
        return iter(())

    def feedback_forms(self) -> Iterator[FeedbackForm]:
        return iter(())

    def closed_comment_ids(self) -> Iterator[str]:
        return iter(dict.fromkeys(self._surveyed().closed_comment_ids))  # few: from the survey

    # Passes -------------------------------------------------------------------------------

    def _surveyed(self) -> _Survey:
        if self._survey is None:
            self._survey = self._run_survey()
        return self._survey

    def _open(self) -> BinaryIO:
        try:
            if self.path.is_dir():
                raise IsADirectoryError(self.path)
            raw = self.path.open("rb")
            if raw.read(2) == b"\x1f\x8b":  # an export saved as .xml.gz
                raw.seek(0)
                return gzip.GzipFile(fileobj=raw, mode="rb")
            raw.seek(0)
            return raw
        except OSError as error:
            raise self._unreadable(error) from None

    def _unreadable(self, error: Exception) -> SourceError:
        if isinstance(error, FileNotFoundError):
            reason = _("it does not exist")
        elif isinstance(error, IsADirectoryError):
            reason = _("it is a folder")
        elif isinstance(error, PermissionError):
            reason = _("permission denied")
        elif isinstance(error, gzip.BadGzipFile | EOFError | zlib.error):
            reason = _("the compressed file is damaged or cut short")
        else:
            reason = getattr(error, "strerror", None) or str(error) or error.__class__.__name__
        return SourceError(
            _("The file %(name)s cannot be read: %(reason)s.")
            % {"name": self.path.name, "reason": reason}
        )

    def _parse(self, tags: Iterable[str], notes: RepairNotes, survey: _Survey | None) -> Iterator:
        """The end of each element with one of `tags`, freed once the caller is done with it.
        A file cut short ends the iteration (the survey records it); any other broken XML
        raises SourceError naming the line."""
        with closing(self._open()) as raw:
            channel = last_item = stream = None
            try:
                stream = CleanStream(raw, notes)
                events = etree.iterparse(
                    stream,
                    events=("end",),
                    tag=list(tags),
                    encoding="utf-8",
                    huge_tree=True,
                    resolve_entities=False,
                    load_dtd=False,
                    no_network=True,
                    remove_comments=True,
                    remove_pis=True,
                )
                for _event, element in events:
                    parent = element.getparent()
                    if channel is None:
                        channel = _channel_of(element)
                    yield element
                    if element.tag == "item":
                        last_item = element
                    if parent is not None:
                        _forget(element, parent)
            except etree.XMLSyntaxError as error:
                open_item = None
                if channel is not None and len(channel) and channel[-1].tag == "item":
                    open_item = channel[-1] if channel[-1] is not last_item else None
                self._broken(error, stream, open_item, survey)
            except _READ_ERRORS as error:
                raise self._unreadable(error) from None

    def _broken(self, error, stream: CleanStream, open_item, survey: _Survey | None) -> None:
        line = error.lineno or stream.line
        cut_short = stream.eof and line >= stream.last_content_line
        if cut_short and survey is None:
            return  # the survey has reported it
        if cut_short:
            survey.truncated, survey.truncated_line = True, line
            if open_item is not None:
                post_id = (open_item.findtext(survey.names.post_id) or "").strip()
                survey.truncated_post_id = post_id
                problem = _(
                    "The file ends at line %(line)d inside the <item> that starts at line "
                    "%(start)d (post %(post_id)s): that item was not imported."
                ) % {"line": line, "start": open_item.sourceline or 0, "post_id": post_id or "?"}
                repaired = False
            else:
                problem = _(
                    "The file ends at line %(line)d without closing the channel; every "
                    "complete item was read."
                ) % {"line": line}
                repaired = True
            self._add(Repair(_("line %(line)d") % {"line": line}, problem, repaired))
            return
        raise SourceError(
            _("The file %(name)s is not valid XML at line %(line)d: %(detail)s.")
            % {"name": self.path.name, "line": line, "detail": _detail(error)}
        )

    def _pass(self, survey: _Survey, tags: list[str]) -> Iterator:
        """The end of each element with one of `tags`, over the whole file."""
        return self._parse(tags, RepairNotes(keep=False), None)

    def _header(self, survey: _Survey) -> Iterator:
        """The channel's authors, categories, tags and terms, stopping at the first item."""
        for element in self._parse([*survey.names.header, "item"], RepairNotes(keep=False), None):
            if element.tag == "item":
                return
            parent = element.getparent()
            if parent is not None and parent.tag == "channel":
                yield element

    def _run_survey(self) -> _Survey:
        names = self._sniff()
        site = SiteInfo(base_url="")
        survey = _Survey(site=site, names=names)
        channel: dict[str, str] = {}
        notes = RepairNotes(keep=True)
        creators: dict[str, None] = {}
        authors_listed = False
        items = 0
        tags = [names.author, names.category, names.tag, names.term, "category", "item", "channel"]
        for element in self._parse(tags, notes, survey):
            tag = element.tag
            parent = element.getparent()
            parent_tag = parent.tag if parent is not None else None
            if tag == "channel" or tag == "item" and not items:
                _read_channel(element if tag == "channel" else parent, names, channel)
            if parent_tag == "channel":
                if tag == names.author:
                    authors_listed = True
                    fields = _fields(element, names)
                    login = fields.get("author_login", "").strip()
                    if login:
                        survey.author_ids[login] = fields.get("author_id", "").strip() or login
                elif tag in (names.category, names.tag, names.term):
                    term, _parent = self._term(element, names, notes=False)
                    if term is not None:
                        survey.declared_terms.add((term.taxonomy, term.slug))
                elif tag == "item":
                    items += 1
                    post_id = (element.findtext(names.post_id) or "").strip()
                    sticky = (element.findtext(names.is_sticky) or "").strip()
                    if post_id and sticky not in ("", "0"):
                        site.sticky_post_ids.append(post_id)
                    login = (element.findtext(names.creator) or "").strip()
                    if login:
                        creators.setdefault(login)
                    post_type = (element.findtext(names.post_type) or "").strip() or "post"
                    self.totals[post_type] = self.totals.get(post_type, 0) + 1
                    if post_id:
                        self._survey_comments(element, names, survey)
            elif parent_tag == "item" and tag == "category":
                key = _item_term(element)
                if key is not None and key not in survey.declared_terms:
                    survey.undeclared_terms.setdefault(key, (element.text or "").strip())
        if survey.truncated and not items and survey.truncated_post_id is None:
            raise SourceError(
                _(
                    "The file %(name)s ends at line %(line)d, before its first post: "
                    "it is cut short."
                )
                % {"name": self.path.name, "line": survey.truncated_line}
            )
        if not channel and not items:
            raise SourceError(
                _("The file %(name)s is XML but not a WordPress export: it has no <channel>.")
                % {"name": self.path.name}
            )
        version = channel.get("wxr_version", "")
        if not _VERSION.match(version):
            from_uri = _WP_URI.match(names.wp)
            if not from_uri:
                raise SourceError(
                    _(
                        "The file %(name)s is not a WordPress export: it gives no WXR version "
                        "(wp:wxr_version)."
                    )
                    % {"name": self.path.name}
                )
            version = from_uri.group(1)
            self._add(
                Repair(
                    _("whole file"),
                    _("No wp:wxr_version: version %(version)s was taken from the namespace.")
                    % {"version": version},
                )
            )
        base = _base_url(
            channel.get("base_blog_url") or channel.get("base_site_url") or channel.get("link")
        )
        if not base:
            raise SourceError(
                _(
                    "The file %(name)s does not say which site it comes from "
                    "(wp:base_blog_url, wp:base_site_url or the channel link)."
                )
                % {"name": self.path.name}
            )
        site.base_url = base
        site.title = channel.get("title", "")
        site.description = channel.get("description", "")
        site.language = channel.get("language", "")
        site.wxr_version = version
        if not authors_listed:
            survey.creators = list(creators)
            survey.author_ids = {login: login for login in creators}
        for repair in notes.summary():
            self._add(repair)
        return survey

    def _survey_comments(self, item, names: _Names, survey: _Survey) -> None:
        """Counts an item's comments and notes its closed threads (wpDiscuz's comment meta)."""
        comments = item.findall(names.comment)
        if comments:
            self.totals["comment"] = self.totals.get("comment", 0) + len(comments)
        for meta in item.iterfind(f"{names.comment}/{names.commentmeta}"):
            if (meta.findtext(names.meta_key) or "").strip() != CLOSED_THREAD_META:
                continue
            if (meta.findtext(names.meta_value) or "").strip() not in ("", "0"):
                comment_id = (
                    meta.getparent().findtext(names.wp_prefix + "comment_id") or ""
                ).strip()
                if comment_id:
                    survey.closed_comment_ids.append(comment_id)

    def _sniff(self) -> _Names:
        """Reads the start of the file: refuses what is empty or not a WordPress export, and
        learns the namespaces the <rss> element declares."""
        with closing(self._open()) as raw:
            try:
                head = raw.read(4096)
            except _READ_ERRORS as error:
                raise self._unreadable(error) from None
            if not head.strip():
                raise SourceError(_("The file %(name)s is empty.") % {"name": self.path.name})
            start = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
            if not start.startswith(b"<") and not head.startswith(
                (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)
            ):
                raise SourceError(
                    _("The file %(name)s is not XML (line 1 does not start with “<”).")
                    % {"name": self.path.name}
                )
            namespaces: dict[str, str] = {}
            root = None
            try:
                raw.seek(0)
                for event, value in etree.iterparse(
                    CleanStream(raw, RepairNotes(keep=False)),
                    events=("start-ns", "start"),
                    encoding="utf-8",
                    huge_tree=True,
                    resolve_entities=False,
                    load_dtd=False,
                    no_network=True,
                ):
                    if event == "start-ns":
                        prefix, uri = value
                        namespaces.setdefault(prefix, uri)
                    elif root is None:
                        root = value
                    else:
                        break  # the root's first child: every declaration that matters is read
            except _READ_ERRORS as error:
                raise self._unreadable(error) from None
            except etree.XMLSyntaxError as error:
                if root is None:
                    raise SourceError(
                        _("The file %(name)s is not XML (line %(line)d: %(detail)s).")
                        % {
                            "name": self.path.name,
                            "line": error.lineno or 1,
                            "detail": _detail(error),
                        }
                    ) from None
        if root is None or root.tag != "rss":
            raise SourceError(
                _(
                    "The file %(name)s is XML but not a WordPress export: its root element is "
                    "<%(tag)s>, not <rss>."
                )
                % {"name": self.path.name, "tag": _local(root.tag) if root is not None else "?"}
            )
        return _names(namespaces, self.path.name)

    # Records ------------------------------------------------------------------------------

    def _term(self, element, names: _Names, notes: bool = True) -> tuple[Term | None, str]:
        fields = _fields(element, names)
        tag = element.tag
        if tag == names.category:
            taxonomy, slug = "category", fields.get("category_nicename", "")
            name, parent = fields.get("cat_name", ""), fields.get("category_parent", "")
            description = fields.get("category_description", "")
        elif tag == names.tag:
            taxonomy, slug = "post_tag", fields.get("tag_slug", "")
            name, parent = fields.get("tag_name", ""), ""
            description = fields.get("tag_description", "")
        else:
            taxonomy, slug = fields.get("term_taxonomy", "").strip(), fields.get("term_slug", "")
            name, parent = fields.get("term_name", ""), fields.get("term_parent", "")
            description = fields.get("term_description", "")
        slug, parent = slug.strip(), parent.strip()
        if not slug or not taxonomy:
            if notes:
                self._note(element, _("A term without a slug or taxonomy was skipped."), False)
            return None, ""
        term_id = fields.get("term_id", "").strip() or f"{taxonomy}:{slug}"
        return (
            Term(
                source_id=term_id,
                taxonomy=taxonomy,
                slug=slug,
                name=name or slug,
                description=description,
            ),
            parent,
        )

    def _item(self, element, survey: _Survey) -> Item | None:
        names = survey.names
        wp: dict[str, str] = {}
        other: dict[str, str] = {}
        terms: list[tuple[str, str]] = []
        meta: list[tuple[str, str]] = []
        for child in element:
            local = names.wp_field(child)
            if local == "postmeta":
                meta.append(_meta(child, names))
            elif local == "comment":
                continue
            elif local:
                wp.setdefault(local, child.text or "")
            elif child.tag == "category":
                key = _item_term(child)
                if key is not None:
                    terms.append(key)
            else:
                other.setdefault(child.tag, child.text or "")
        post_id = wp.get("post_id", "").strip()
        if not post_id:
            self._note(element, _("An <item> without wp:post_id was skipped."), False)
            return None
        where = _("post %(id)s") % {"id": post_id}
        login = other.get(names.creator, "").strip()
        return Item(
            source_id=post_id,
            post_type=wp.get("post_type", "").strip() or "post",
            status=wp.get("status", "").strip() or "publish",
            title=other.get("title", ""),
            slug=wp.get("post_name", "").strip(),
            content=other.get(names.encoded, ""),
            excerpt=other.get(names.excerpt_encoded, ""),
            date=self._date(wp.get("post_date_gmt", ""), where, aware=True),
            date_local=self._date(wp.get("post_date", ""), where, aware=False),
            modified=self._date(wp.get("post_modified_gmt", ""), where, aware=True),
            author_id=survey.author_ids.get(login, ""),
            author_login=login,
            parent_id=_id(wp.get("post_parent", "")),
            menu_order=_int(wp.get("menu_order", "")),
            password=wp.get("post_password", ""),
            is_sticky=wp.get("is_sticky", "").strip() not in ("", "0"),
            guid=other.get("guid", "").strip(),
            link=other.get("link", "").strip(),
            attachment_url=wp.get("attachment_url", "").strip(),
            comment_status=wp.get("comment_status", "").strip() or "open",
            terms=terms,
            meta=meta,
        )

    def _comment(self, element, post_id: str, names: _Names) -> Comment | None:
        wp: dict[str, str] = {}
        meta: list[tuple[str, str]] = []
        for child in element:
            local = names.wp_field(child)
            if local == "commentmeta":
                meta.append(_meta(child, names))
            elif local:
                wp.setdefault(local, child.text or "")
        comment_id = wp.get("comment_id", "").strip()
        if not comment_id:
            self._note(
                element,
                _("A comment without wp:comment_id on post %(id)s was skipped.") % {"id": post_id},
                False,
            )
            return None
        where = _("comment %(id)s") % {"id": comment_id}
        date = self._date(wp.get("comment_date_gmt", ""), where, aware=True)
        local_date = self._date(wp.get("comment_date", ""), where, aware=False)
        return Comment(
            source_id=comment_id,
            post_id=post_id,
            parent_id=_id(wp.get("comment_parent", "")),
            author_name=wp.get("comment_author", ""),
            author_email=wp.get("comment_author_email", "").strip(),
            author_url=wp.get("comment_author_url", "").strip(),
            author_ip=wp.get("comment_author_IP", "").strip(),
            date=date,
            date_local=local_date,
            content=wp.get("comment_content", ""),
            approved=wp.get("comment_approved", "").strip() or "1",
            type=wp.get("comment_type", "").strip(),
            user_id=_id(wp.get("comment_user_id", "")),
            meta=meta,
        )

    def _date(self, value: str, where: str, aware: bool) -> datetime | None:
        value = value.strip()
        if not value or value.startswith("0000-00-00"):
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self._add(
                Repair(
                    where,
                    _("The date “%(value)s” is not valid; it was left empty.") % {"value": value},
                )
            )
            return None
        moment = moment.replace(tzinfo=None)
        return moment.replace(tzinfo=UTC) if aware else moment

    def _note(self, element, problem: str, repaired: bool) -> None:
        line = element.sourceline or 0
        self._add(Repair(_("line %(line)d") % {"line": line}, problem, repaired))

    def _add(self, repair: Repair) -> None:
        if repair not in self._seen:
            self._seen.add(repair)
            self.repairs.append(repair)


# Helpers ------------------------------------------------------------------------------------


def _forget(element, parent) -> None:
    """Frees an element the pass is done with. An item also takes the channel's earlier
    children with it; the channel's own fields (title, link, …) are never listened to, so
    they stay until then."""
    if element.tag == "item":
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del parent[0]
    elif parent.tag in ("item", "channel"):
        element.clear(keep_tail=True)


def _channel_of(element):
    while element is not None and element.tag != "channel":
        element = element.getparent()
    return element


def _read_channel(channel, names: _Names, fields: dict[str, str]) -> None:
    """The channel's own fields, from the children it still has."""
    for child in channel:
        key = names.channel_fields.get(child.tag) if isinstance(child.tag, str) else None
        if key and key not in fields:
            fields[key] = (child.text or "").strip()


def _fields(element, names: _Names) -> dict[str, str]:
    fields: dict[str, str] = {}
    for child in element:
        local = names.wp_field(child)
        if local:
            fields.setdefault(local, child.text or "")
    return fields


def _meta(element, names: _Names) -> tuple[str, str]:
    return (
        (element.findtext(names.meta_key) or "").strip(),
        element.findtext(names.meta_value) or "",
    )


def _item_term(element) -> tuple[str, str] | None:
    """(taxonomy, slug) of an item's <category domain=… nicename=…>; WXR 1.0 says "tag" for
    post_tag, and repeats each category without attributes (ignored, as WordPress does)."""
    domain = (element.get("domain") or "").strip()
    slug = (element.get("nicename") or "").strip()
    if not domain or not slug:
        return None
    return ("post_tag" if domain == "tag" else domain), slug


def _id(value: str) -> str:
    value = value.strip()
    return "" if value in ("", "0") else value


def _int(value: str) -> int:
    try:
        return int(value.strip() or 0)
    except ValueError:
        return 0


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "?"


def _detail(error: etree.XMLSyntaxError) -> str:
    """libxml2's message without the position it repeats."""
    return re.sub(r",? line \d+, column \d+.*$", "", str(error.msg or error)).strip()


def _base_url(url: str | None) -> str:
    """The site's address as the database reader gives it (its `home` option): scheme and
    host lowercase, the path of a site in a folder kept, no trailing slash."""
    parts = urlsplit((url or "").strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _names(namespaces: dict[str, str], filename: str) -> _Names:
    uris = list(namespaces.values())

    def find(prefix: str, shape: re.Pattern) -> str:
        uri = namespaces.get(prefix, "")
        if uri:
            return uri
        return next((u for u in uris if shape.match(u)), "")

    wp = find("wp", _WP_URI)
    if not wp:
        raise SourceError(
            _(
                "The file %(name)s is not a WordPress export: it declares no WordPress namespace "
                "(wp:)."
            )
            % {"name": filename}
        )
    excerpt = find("excerpt", _EXCERPT_URI) or wp.rstrip("/") + "/excerpt/"
    return _Names(
        wp=wp,
        excerpt=excerpt,
        content=find("content", _CONTENT_URI) or CONTENT_NS,
        dc=find("dc", _DC_URI) or DC_NS,
    )
