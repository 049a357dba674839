"""Small helpers over parsed HTML shared by the body converter's modules."""

from __future__ import annotations

import html
import re
import warnings
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag
from django.utils.html import escape

SPACES = re.compile(r"\s+")
_TAG = re.compile(r"<[^<>]*>")


# Post bodies are often a bare URL (an auto-embed): that is content, not a mistaken address.
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def text_of(node) -> str:
    """Visible text of a node, whitespace collapsed (entities already decoded by the parser)."""
    if node is None:
        return ""
    return SPACES.sub(" ", node.get_text(" ") if isinstance(node, Tag) else str(node)).strip()


def markup_of(node) -> str:
    """A node as HTML again: a text node's decoded text is escaped back, once."""
    return str(node) if isinstance(node, Tag) else escape(str(node))


def fit(text: str, limit: int) -> str:
    """`text` cut at a word to at most `limit` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def extension_of(url: str) -> str:
    return PurePosixPath(urlsplit(url).path).suffix.lower().lstrip(".")


def has_text(markup: str) -> bool:
    """Whether cleaned markup shows any text (tags dropped, entities and spaces ignored)."""
    return bool(html.unescape(_TAG.sub("", markup)).replace("\u00a0", " ").strip())
