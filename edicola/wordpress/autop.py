"""WordPress's paragraphing of classic content ("wpautop"), from its documented behaviour.

A blank line separates paragraphs, a single line break becomes <br />, block-level elements
are never wrapped in <p>, and <pre> is left exactly as written. Every pattern here is linear
in the length of the text, whatever the text: posts can be huge or hostile.
"""

from __future__ import annotations

import re

BLOCK_TAGS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|"
    "area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|"
    "hgroup|header|footer|nav|figure|figcaption|details|menu|summary|audio|video|iframe|script"
)
_OPENING = re.compile(rf"(<(?:{BLOCK_TAGS})(?=[\s/>]))", re.IGNORECASE)
_CLOSING = re.compile(rf"(</(?:{BLOCK_TAGS})>)", re.IGNORECASE)
_DOUBLE_BR = re.compile(r"<br\s*/?>\s*<br\s*/?>", re.IGNORECASE)
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_P_BEFORE_BLOCK = re.compile(rf"<p>\s*(</?(?:{BLOCK_TAGS})(?=[\s/>])[^<>]*>)", re.IGNORECASE)
_P_AFTER_BLOCK = re.compile(rf"(</?(?:{BLOCK_TAGS})(?=[\s/>])[^<>]*>)\s*</p>", re.IGNORECASE)
_BR_AFTER_BLOCK = re.compile(rf"(</?(?:{BLOCK_TAGS})(?=[\s/>])[^<>]*>)\s*<br />", re.IGNORECASE)
_BR_BEFORE_BLOCK = re.compile(
    r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)(?=[\s/>])[^<>]*>)", re.IGNORECASE
)
_NEWLINE_IN_TAG = re.compile(r"<[^<>]*>")
_HORIZONTAL_SPACE = re.compile(r"[ \t\f\v]+")


def _protect_pre(text: str) -> tuple[str, list[str]]:
    """Each complete <pre>…</pre> replaced by a placeholder (found with str.find: linear)."""
    kept: list[str] = []
    out: list[str] = []
    lower = text.lower()
    position = 0
    while (start := lower.find("<pre", position)) != -1:
        end = lower.find("</pre>", start)
        if end == -1:
            break
        end += len("</pre>")
        out.append(text[position:start])
        out.append(f"<pre data-kept-{len(kept)}></pre>")
        kept.append(text[start:end])
        position = end
    out.append(text[position:])
    return "".join(out), kept


def autop(text: str, br: bool = True) -> str:
    """`text` (classic content) with WordPress's paragraphs and line breaks added."""
    if not text or not text.strip():
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, kept = _protect_pre(text)
    text = _HORIZONTAL_SPACE.sub(" ", text)
    # A line break inside a tag (attributes on several lines) is not a line break of the text.
    text = _NEWLINE_IN_TAG.sub(lambda match: match.group(0).replace("\n", " "), text)
    text = _DOUBLE_BR.sub("\n\n", text)
    text = _OPENING.sub(r"\n\n\1", text)
    text = _CLOSING.sub(r"\1\n\n", text)
    chunks = [chunk.strip() for chunk in _PARAGRAPH_BREAK.split(text + "\n")]
    text = "".join(f"<p>{chunk}</p>\n" for chunk in chunks if chunk)
    text = _P_BEFORE_BLOCK.sub(r"\1", text)
    text = _P_AFTER_BLOCK.sub(r"\1", text)
    if br:
        lines = text.split("\n")
        text = (
            "".join(
                line.rstrip(" ") + ("<br />\n" if not line.endswith("<br />") else "\n")
                for line in lines[:-1]
            )
            + lines[-1]
        )
        text = _BR_AFTER_BLOCK.sub(r"\1", text)
        text = _BR_BEFORE_BLOCK.sub(r"\1", text)
        text = text.replace("</p><br />", "</p>")
    for number, original in enumerate(kept):
        text = text.replace(f"<pre data-kept-{number}></pre>", original)
    return text.strip()
