"""The anchorable text of an article body, built the way passages.js reads the page.

A *unit* is one element readers can select text in: a paragraph or list item of a paragraph
block, a heading, the text of a quote, the passage of a "Question for readers" block. Captions,
images, embeds and related-article lists are not units. Each unit's text is what the browser's
text nodes hold (tags dropped, entities decoded, a quote's line breaks dropped as <br> has no
text), whitespace collapsed; the article text is the non-empty units joined by "\\n", so a
passage containing "\\n" spans blocks. passages.js applies the same rules to the rendered page
(elements marked by UNIT_SELECTOR, innermost unit owning its text).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from html.parser import HTMLParser

from .anchoring import UNIT_SEPARATOR, normalise

UNIT_TAGS = {"p", "li", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class ArticleText:
    units: tuple[str, ...]
    text: str
    questions: dict  # question id → {"passage": str, "question": str}


class _RichTextUnits(HTMLParser):
    """Text of each p/li/h* of a rich-text fragment; nested units own their own text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list[str]] = []
        self.units: list[str] = []
        self.loose: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in UNIT_TAGS:
            self.stack.append([])

    def handle_endtag(self, tag):
        if tag in UNIT_TAGS and self.stack:
            self.units.append("".join(self.stack.pop()))

    def handle_data(self, data):
        (self.stack[-1] if self.stack else self.loose).append(data)

    def result(self) -> list[str]:
        while self.stack:
            self.units.append("".join(self.stack.pop()))
        return self.units


def rich_text_units(html: str) -> list[str]:
    parser = _RichTextUnits()
    parser.feed(html or "")
    parser.close()
    return parser.result()


def block_units(block_type: str, value) -> list[str]:
    if block_type == "paragraph":
        return rich_text_units(getattr(value, "source", str(value)))
    if block_type == "heading":
        return [value["text"]]
    if block_type == "quote":
        return [value["quote"].replace("\r", "").replace("\n", "")]
    if block_type == "feedback":
        return [value["passage"]]
    return []


def article_text(body) -> ArticleText:
    """The anchorable text of a StreamField body (an ArticlePage.body)."""
    units, questions = [], {}
    for block in body:
        for unit in block_units(block.block_type, block.value):
            unit = normalise(unit)
            if unit:
                units.append(unit)
        if block.block_type == "feedback":
            questions[block.value["question_id"]] = {
                "passage": normalise(block.value["passage"]),
                "question": block.value["question"],
            }
    return ArticleText(tuple(units), UNIT_SEPARATOR.join(units), questions)


def astral_positions(text: str) -> list[int]:
    """Indexes of characters JavaScript counts twice (outside the Basic Multilingual Plane)."""
    if text.isascii():
        return []
    return [index for index, char in enumerate(text) if ord(char) > 0xFFFF]


def utf16_offset(astral: list[int], index: int) -> int:
    """`index` (code points) as a JavaScript string offset (UTF-16 code units)."""
    return index + bisect_left(astral, index) if astral else index
