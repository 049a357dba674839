"""WXR element names and the small field readers.

Which namespaces a WordPress export declares (`element_names()`, read from the prefixes the
file uses or, failing that, from the shape of their URIs), the Clark names a pass listens to
(`ElementNames`), and the readers that turn one element's children into plain values: wp:
fields, meta pairs, an item's terms, ids, numbers, the site's address. Pure functions over lxml
elements; `sniff()` reads only the start of a file, no repairs noted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from lxml import etree

from .records import SourceError
from .xmlrepair import CleanStream, RepairNotes

CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
WP_URI = re.compile(r"^https?://wordpress\.(?:org|com)/export/(\d+\.\d+)/$")
_EXCERPT_URI = re.compile(r"^https?://wordpress\.(?:org|com)/export/\d+\.\d+/excerpt/$")
_CONTENT_URI = re.compile(r"^https?://purl\.org/rss/1\.0/modules/content/?$")
_DC_URI = re.compile(r"^https?://purl\.org/dc/elements/1\.1/?$")
VERSION_SHAPE = re.compile(r"^\d+\.\d+$")


@dataclass
class ElementNames:
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


def read_channel(channel, names: ElementNames, fields: dict[str, str]) -> None:
    """The channel's own fields, from the children it still has."""
    for child in channel:
        key = names.channel_fields.get(child.tag) if isinstance(child.tag, str) else None
        if key and key not in fields:
            fields[key] = (child.text or "").strip()


def wp_fields(element, names: ElementNames) -> dict[str, str]:
    fields: dict[str, str] = {}
    for child in element:
        local = names.wp_field(child)
        if local:
            fields.setdefault(local, child.text or "")
    return fields


def meta_pair(element, names: ElementNames) -> tuple[str, str]:
    return (
        (element.findtext(names.meta_key) or "").strip(),
        element.findtext(names.meta_value) or "",
    )


def item_term(element) -> tuple[str, str] | None:
    """(taxonomy, slug) of an item's <category domain=… nicename=…>; WXR 1.0 says "tag" for
    post_tag, and repeats each category without attributes (ignored, as WordPress does)."""
    domain = (element.get("domain") or "").strip()
    slug = (element.get("nicename") or "").strip()
    if not domain or not slug:
        return None
    return ("post_tag" if domain == "tag" else domain), slug


def optional_id(value: str) -> str:
    value = value.strip()
    return "" if value in ("", "0") else value


def int_or_zero(value: str) -> int:
    try:
        return int(value.strip() or 0)
    except ValueError:
        return 0


def local_name(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "?"


def syntax_detail(error: etree.XMLSyntaxError) -> str:
    """libxml2's message without the position it repeats."""
    return re.sub(r",? line \d+, column \d+.*$", "", str(error.msg or error)).strip()


def site_address(url: str | None) -> str:
    """The site's address as the database reader gives it (its `home` option): scheme and
    host lowercase, the path of a site in a folder kept, no trailing slash."""
    parts = urlsplit((url or "").strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def element_names(namespaces: dict[str, str], filename: str) -> ElementNames:
    uris = list(namespaces.values())

    def find(prefix: str, shape: re.Pattern) -> str:
        uri = namespaces.get(prefix, "")
        if uri:
            return uri
        return next((u for u in uris if shape.match(u)), "")

    wp = find("wp", WP_URI)
    if not wp:
        raise SourceError(
            _(
                "The file %(name)s is not a WordPress export: it declares no WordPress namespace "
                "(wp:)."
            )
            % {"name": filename}
        )
    excerpt = find("excerpt", _EXCERPT_URI) or wp.rstrip("/") + "/excerpt/"
    return ElementNames(
        wp=wp,
        excerpt=excerpt,
        content=find("content", _CONTENT_URI) or CONTENT_NS,
        dc=find("dc", _DC_URI) or DC_NS,
    )


def sniff(raw: BinaryIO, filename: str) -> ElementNames:
    """Reads the start of a file: refuses what is empty or not a WordPress export, and
    learns the namespaces the <rss> element declares. A read that fails (OSError, a damaged
    .gz) is left to the caller."""
    head = raw.read(4096)
    if not head.strip():
        raise SourceError(_("The file %(name)s is empty.") % {"name": filename})
    start = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n")
    if not start.startswith(b"<") and not head.startswith(
        (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE)
    ):
        raise SourceError(
            _("The file %(name)s is not XML (line 1 does not start with “<”).") % {"name": filename}
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
    except etree.XMLSyntaxError as error:
        if root is None:
            raise SourceError(
                _("The file %(name)s is not XML (line %(line)d: %(detail)s).")
                % {
                    "name": filename,
                    "line": error.lineno or 1,
                    "detail": syntax_detail(error),
                }
            ) from None
    if root is None or root.tag != "rss":
        raise SourceError(
            _(
                "The file %(name)s is XML but not a WordPress export: its root element is "
                "<%(tag)s>, not <rss>."
            )
            % {"name": filename, "tag": local_name(root.tag) if root is not None else "?"}
        )
    return element_names(namespaces, filename)
