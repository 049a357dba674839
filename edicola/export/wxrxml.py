"""The XML plumbing of the WXR writer: escaping, CDATA, dates, addresses, the line writer.

What WordPress's exporter does to every value: characters XML 1.0 cannot carry are dropped
(`clean`), text goes in CDATA sections with a `]]>` split across two (`cdata`) or is escaped
(`plain`), dates are written local and GMT with 0000-00-00 for none, links are made absolute.
`Writer` writes one tab-indented line at a time, so the file is a stream; `chunks` cuts the
rows it is fed into batches of `CHUNK`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

CHUNK = 200
ZERO_DATE = "0000-00-00 00:00:00"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


def cdata(text) -> str:
    """A CDATA section; a `]]>` in the text ends one section and starts the next."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def plain(text) -> str:
    return escape(clean(text))


def local_date(value: datetime | None) -> str:
    if value is None:
        return ZERO_DATE
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def gmt_date(value: datetime | None) -> str:
    if value is None:
        return ZERO_DATE
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def rss_date(value: datetime | None) -> str:
    value = value or timezone.now()
    return value.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def absolute(url: str) -> str:
    if not url:
        return ""
    if url.startswith("//"):
        return "https:" + url
    if url.startswith("/"):
        return settings.BASE_URL + url
    return url


def chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class Writer:
    def __init__(self, out):
        self.out = out

    def line(self, text: str, indent: int = 0) -> None:
        self.out.write("\t" * indent + text + "\n")

    def tag(self, name: str, value: str, indent: int = 2) -> None:
        """`value` is already escaped or a CDATA section."""
        self.line(f"<{name}>{value}</{name}>", indent)
