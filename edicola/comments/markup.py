"""Comment text → safe HTML: a small Markdown subset rendered by markdown-it-py, then nh3.

Allowed: paragraphs and line breaks, **bold**, *italic*, [links](https://…), `inline code`,
> quotes, spoilers (`||hidden||` inline, or a quote starting with `>!`). Not allowed: images,
headings, lists, code blocks, tables, raw HTML (shown as text). nh3 runs last, whatever the
Markdown produced: only the tags below survive, links are http/https/mailto and carry
rel="nofollow ugc noopener".
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

LINK_REL = "nofollow ugc noopener"
_TAGS = {"p", "br", "strong", "em", "a", "code", "blockquote", "span", "div"}
_ATTRIBUTES = {"a": {"href"}}
_CLASSES = {"span": {"spoiler"}, "div": {"spoiler"}}
_SCHEMES = {"http", "https", "mailto"}
_LINK = re.compile(r"""<a\s[^>]*href=""", re.IGNORECASE)


def _spoiler(state: StateInline, silent: bool) -> bool:
    """`||text||` → <span class="spoiler">text</span> (inline Markdown allowed inside)."""
    start = state.pos
    if not state.src.startswith("||", start):
        return False
    end = state.src.find("||", start + 2, state.posMax)
    if end < 0 or not state.src[start + 2 : end].strip():
        return False
    if not silent:
        token = state.push("spoiler_open", "span", 1)
        token.attrs = {"class": "spoiler"}
        old_max = state.posMax
        state.pos, state.posMax = start + 2, end
        state.md.inline.tokenize(state)
        state.posMax = old_max
        state.push("spoiler_close", "span", -1)
    state.pos = end + 2
    return True


def _block_spoilers(state) -> None:
    """A quote whose text starts with "!" (written `>! text`) becomes a spoiler block."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "blockquote_open":
            continue
        inline = next((t for t in tokens[index + 1 :] if t.type == "inline"), None)
        if inline is None or not inline.content.startswith("!"):
            continue
        inline.content = inline.content[1:].lstrip()
        token.tag = "div"
        token.attrs = {"class": "spoiler"}
        depth = 0
        for closing in tokens[index + 1 :]:
            if closing.type == "blockquote_open":
                depth += 1
            elif closing.type == "blockquote_close":
                if depth == 0:
                    closing.tag = "div"
                    break
                depth -= 1


def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"breaks": True, "html": False, "linkify": False})
    md.enable(["paragraph", "blockquote", "newline", "escape", "backticks", "emphasis"])
    md.enable(["link", "autolink", "entity"])
    md.inline.ruler.before("emphasis", "spoiler", _spoiler)
    md.inline.add_terminator_char("|")
    md.core.ruler.after("block", "block_spoilers", _block_spoilers)
    md.validateLink = lambda url: url.lower().startswith(("http://", "https://", "mailto:"))
    return md


_MD = _parser()


def render(text: str) -> str:
    """Safe HTML for a comment body (already normalised by forms.clean_body)."""
    html = _MD.render(text or "")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        allowed_classes=_CLASSES,
        url_schemes=_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    ).strip()


def count_links(text: str) -> int:
    """How many links the rendered comment would contain (for the spam signals)."""
    explicit = len(_LINK.findall(render(text)))
    bare = len(re.findall(r"(?:https?://|www\.)\S+", _strip_marked_links(text), re.IGNORECASE))
    return explicit + bare


def _strip_marked_links(text: str) -> str:
    return re.sub(r"\[[^\]]*\]\([^)]*\)|<https?://[^>]*>", " ", text or "")
