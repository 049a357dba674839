"""Classic content cut into text and the pieces the converter turns into blocks of their own.

The pieces: the shortcodes we convert (`[caption]`, `[gallery]`, `[embed]`, `[audio]`,
`[video]`, `[wpdiscuz-feedback]`), the `<!--more-->` and `<!--nextpage-->` markers, and, in
classic content, a URL alone on its line (WordPress embeds those). Attributes are read the way
WordPress documents them: name="value", name='value', name=value, or a bare value. Escaped
shortcodes (`[[gallery]]`) stay as the literal text. Other shortcodes stay in the text, as
WordPress itself shows a shortcode no plugin handles; `unknown_shortcodes` names them for the
report. Patterns are bounded, so a huge or hostile post is cut in linear time.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass, field

CONVERTED = ("caption", "wp_caption", "gallery", "embed", "audio", "video", "wpdiscuz-feedback")
ENCLOSING = {"caption", "wp_caption", "embed", "audio", "video", "wpdiscuz-feedback"}

_PIECE = re.compile(
    r"<!--\s*more(?P<more>[^<>]{0,200}?)-->"
    r"|(?P<nextpage><!--\s*nextpage\s*-->)"
    r"|(?P<url>^[ \t]*https?://[^\s<>\"'\[\]]{1,2000}[ \t]*$)"
    r"|\[(?P<open_escape>\[?)(?P<name>" + "|".join(re.escape(n) for n in CONVERTED) + r")"
    r"(?![\w-])(?P<attrs>[^\[\]]{0,4000}?)(?P<void>/)?\](?P<close_escape>\]?)",
    re.MULTILINE,
)
_ATTRIBUTE = re.compile(
    r"([\w-]+)\s*=\s*\"([^\"]*)\"(?:\s|$)"
    r"|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"
    r"|([\w-]+)\s*=\s*([^\s'\"]+)(?:\s|$)"
    r"|\"([^\"]*)\"(?:\s|$)"
    r"|'([^']*)'(?:\s|$)"
    r"|(\S+)(?:\s|$)"
)
_ANY_SHORTCODE = re.compile(
    r"\[(?P<name>[a-zA-Z][\w-]{0,40})(?P<attrs>\s[^\[\]]{0,500})?(?P<void>/)?\]"
)
_ANY_CLOSER = re.compile(r"\[/([a-zA-Z][\w-]{0,40})\]")


@dataclass
class Shortcode:
    name: str
    attrs: dict[str, str] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)
    content: str | None = None  # None for a self-closing shortcode
    source: str = ""  # the shortcode as written, for the report


@dataclass
class Piece:
    kind: str  # "text", "shortcode", "more", "nextpage", "url"
    text: str = ""
    shortcode: Shortcode | None = None


def parse_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """Named attributes (lowercased names; values with entities decoded once) and bare ones."""
    named: dict[str, str] = {}
    positional: list[str] = []
    text = text.replace("\u00a0", " ").replace("\u200b", " ")
    for match in _ATTRIBUTE.finditer(text.strip()):
        groups = match.groups()
        for name_index in (0, 2, 4):
            if groups[name_index] is not None:
                named[groups[name_index].lower()] = html.unescape(groups[name_index + 1])
                break
        else:
            value = next(group for group in groups[6:] if group is not None)
            positional.append(html.unescape(value))
    return named, positional


def _closers(text: str, names: set[str]) -> dict[str, list[int]]:
    return {
        name: [match.start() for match in re.finditer(re.escape(f"[/{name}]"), text)]
        for name in names
        if f"[/{name}]" in text
    }


def split(text: str, *, urls: bool) -> list[Piece]:
    """`text` cut into pieces, in order; adjacent text is kept together."""
    closers = _closers(text, ENCLOSING)
    pieces: list[Piece] = []
    buffer: list[str] = []
    position = 0

    def flush() -> None:
        if buffer:
            pieces.append(Piece("text", "".join(buffer)))
            buffer.clear()

    for match in _PIECE.finditer(text):
        if match.start() < position:
            continue  # inside the content of a shortcode already taken
        buffer.append(text[position : match.start()])
        position = match.end()
        if match["more"] is not None:
            flush()
            pieces.append(Piece("more", match["more"].strip()))
        elif match["nextpage"]:
            flush()
            pieces.append(Piece("nextpage"))
        elif match["url"]:
            if not urls:
                buffer.append(match.group(0))
                continue
            flush()
            pieces.append(Piece("url", match["url"].strip()))
        elif match["open_escape"] and match["close_escape"]:
            buffer.append(match.group(0)[1:-1])
        else:
            name = match["name"]
            content = None
            if not match["void"] and name in closers:
                candidates = closers[name]
                index = bisect_left(candidates, match.end())
                if index < len(candidates):
                    content = text[match.end() : candidates[index]]
                    position = candidates[index] + len(f"[/{name}]")
            attrs, positional = parse_attributes(match["attrs"])
            flush()
            pieces.append(
                Piece(
                    "shortcode",
                    shortcode=Shortcode(
                        name, attrs, positional, content, text[match.start() : position]
                    ),
                )
            )
    buffer.append(text[position:])
    flush()
    return pieces


def unknown_shortcodes(text: str) -> list[str]:
    """Names of the shortcodes in `text` that look like shortcodes (attributes, a closing
    tag or a self-closing slash) and that we do not convert: kept as text, reported."""
    found: dict[str, None] = {}
    closed = set(_ANY_CLOSER.findall(text))
    for match in _ANY_SHORTCODE.finditer(text):
        name = match["name"]
        if name in CONVERTED or name in found:
            continue
        if "=" in (match["attrs"] or "") or match["void"]:
            found[name] = None
            continue
        if name in closed:
            found[name] = None
    return list(found)
