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

This module holds the passes over the file; `wxrnames` the element names, the namespace sniffing
and the small field readers; `wxrrecords` the builders of each record.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

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
from .wxrnames import (
    VERSION_SHAPE,
    WP_URI,
    ElementNames,
    item_term,
    read_channel,
    site_address,
    sniff,
    syntax_detail,
    wp_fields,
)
from .wxrrecords import WXRRecords
from .xmlrepair import CleanStream, RepairNotes

_READ_ERRORS = (OSError, EOFError, zlib.error)  # a damaged .gz, a disk that fails
CLOSED_THREAD_META = "wpdiscuz_closed"  # wpDiscuz marks a closed thread with this comment meta


@dataclass
class _Survey:
    """What the first full pass learns: the channel, and what items tell about the site."""

    site: SiteInfo
    names: ElementNames
    author_ids: dict[str, str] = field(default_factory=dict)  # login → wp:author_id
    creators: list[str] = field(default_factory=list)  # dc:creator logins, WXR 1.0 only
    declared_terms: set[tuple[str, str]] = field(default_factory=set)
    undeclared_terms: dict[tuple[str, str], str] = field(default_factory=dict)  # → name
    truncated_post_id: str | None = None
    truncated: bool = False
    truncated_line: int = 0
    closed_comment_ids: list[str] = field(default_factory=list)


class WXRSource(WXRRecords):
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
            fields = wp_fields(element, names)
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
                item = self._item(element, survey.names, survey.author_ids)
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
            % {"name": self.path.name, "line": line, "detail": syntax_detail(error)}
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
                read_channel(element if tag == "channel" else parent, names, channel)
            if parent_tag == "channel":
                if tag == names.author:
                    authors_listed = True
                    fields = wp_fields(element, names)
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
                key = item_term(element)
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
        if not VERSION_SHAPE.match(version):
            from_uri = WP_URI.match(names.wp)
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
        base = site_address(
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

    def _survey_comments(self, item, names: ElementNames, survey: _Survey) -> None:
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

    def _sniff(self) -> ElementNames:
        """Reads the start of the file (`wxrnames.sniff`); a read that fails is reported."""
        with closing(self._open()) as raw:
            try:
                return sniff(raw, self.path.name)
            except _READ_ERRORS as error:
                raise self._unreadable(error) from None


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
