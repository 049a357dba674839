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

from django.utils.text import slugify
from django.utils.translation import gettext as _

from edicola.news.blocks import AUDIO_EXTENSIONS, VIDEO_EXTENSIONS

from .markup import SPACES, fit, soup_of, text_of

CONVERTED = ("caption", "wp_caption", "gallery", "embed", "audio", "video", "wpdiscuz-feedback")
QUESTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
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


# -- mapping onto our blocks (through the body converter) ---------------------------------


def convert_shortcode(converter, code: Shortcode) -> None:
    name, attrs = code.name, code.attrs
    if name in ("caption", "wp_caption"):
        soup = soup_of(code.content or "")
        img = soup.find("img")
        if img is None:
            converter.note(_("A [caption] without an image was kept as text."))
            converter.html(code.content or attrs.get("caption", ""))
            return
        (img.find_parent("a") or img).extract()
        caption = attrs.get("caption") or text_of(soup)
        attachment_id = attrs.get("id", "").removeprefix("attachment_")
        converter.image(img, caption=caption, attachment_id=attachment_id)
    elif name == "gallery":
        _gallery(converter, code)
    elif name == "embed":
        converter.embed(text_of(soup_of(code.content or "")) or attrs.get("src", ""), "")
    elif name in ("audio", "video"):
        extensions = AUDIO_EXTENSIONS if name == "audio" else VIDEO_EXTENSIONS
        src = attrs.get("src") or next(
            (attrs[key] for key in sorted(attrs) if key in extensions | {"ogv", "wmv", "flv"}),
            "",
        )
        converter.media(name, "", src, "")
    elif name == "wpdiscuz-feedback":
        _feedback(converter, code)


def _gallery(converter, code: Shortcode) -> None:
    attrs = code.attrs
    raw = attrs.get("ids") or attrs.get("include") or ""
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if not ids:
        if attrs.get("id") and attrs["id"] != converter.context.post_id:
            converter.note(
                _("A [gallery] of another post's images (%(id)s) was left out.")
                % {"id": attrs["id"]}
            )
            return
        ids = [str(value) for value in converter.context.attached_image_ids()]
    excluded = {part.strip() for part in attrs.get("exclude", "").split(",")}
    converter.gallery([(i, "", "", "") for i in ids if i not in excluded], "")


def _feedback(converter, code: Shortcode) -> None:
    unique_id = code.attrs.get("id", "").strip()
    form = converter.context.feedback_form(unique_id) if unique_id else None
    question = SPACES.sub(" ", code.attrs.get("question") or (form.question if form else ""))
    passage = text_of(soup_of(code.content or ""))
    if not passage or not question.strip():
        converter.note(
            _("A [wpdiscuz-feedback] without passage or question was kept as text: %(code)s")
            % {"code": fit(code.source, 200)}
        )
        if passage:
            converter.html(code.content or "")
        return
    if len(passage) > 1000 or len(question) > 200:
        converter.note(_("A question for readers was too long and was shortened."))
    question_id = _question_id(converter, unique_id)
    converter.add(
        "feedback",
        {
            "passage": fit(passage, 1000),
            "question": fit(question.strip(), 200),
            "question_id": question_id,
        },
    )
    converter.result.feedback_ids.append(question_id)
    if unique_id:
        converter.result.feedback_questions[unique_id] = question_id


def _question_id(converter, unique_id: str) -> str:
    base = re.sub(r"[^a-z0-9-]", "", slugify(unique_id).replace("_", "-")).strip("-")
    base = base[:40].rstrip("-") or "domanda"
    taken = set(converter.result.feedback_ids)
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: 40 - len(suffix)].rstrip("-") + suffix
    if candidate != unique_id and unique_id:
        converter.note(
            _("Question “%(old)s” is identified here as “%(new)s”.")
            % {"old": fit(unique_id, 60), "new": candidate}
        )
    assert QUESTION_ID.match(candidate)
    return candidate
