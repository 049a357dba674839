"""WordPress block-editor markup (`<!-- wp:name {json} -->…<!-- /wp:name -->`) → a tree.

Follows the block grammar WordPress documents: an opener with an optional JSON object of
attributes, a matching closer, or a self-closing `<!-- wp:name /-->`; names without a namespace
are `core/…`. Text outside any block is "freeform" (classic content). Broken markup never
raises: an unmatched closer is ignored, an unclosed block runs to the end, unreadable JSON
means no attributes; each such repair is returned as a problem sentence for the report.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .markup import soup_of, text_of

# The serializer escapes "--" inside attributes, so a delimiter ends at the first "-->".
_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<name>[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)(?P<rest>.*?)-->",
    re.DOTALL,
)
MAX_DEPTH = 40
CONTAINER_BLOCKS = {
    "core/columns", "core/column", "core/group", "core/row", "core/stack", "core/cover",
    "core/media-text", "core/buttons", "core/button", "core/details", "core/list-item",
}  # fmt: skip
HTML_BLOCKS = {"core/html", "core/table", "core/code", "core/preformatted", "core/verse"}
CONTENTLESS_BLOCKS = {"core/spacer"}
CONVERTER_MAX_DEPTH = 30


@dataclass
class Block:
    """One block: its name ("core/paragraph"), attributes, and its content in order, where
    text alternates with inner blocks."""

    name: str
    attrs: dict = field(default_factory=dict)
    content: list[str | Block] = field(default_factory=list)

    @property
    def inner_blocks(self) -> list[Block]:
        return [part for part in self.content if isinstance(part, Block)]

    @property
    def own_html(self) -> str:
        """The block's own markup, without its inner blocks (WordPress's innerHTML)."""
        return "".join(part for part in self.content if isinstance(part, str))

    @property
    def html(self) -> str:
        """The block's markup with its inner blocks' markup in place."""
        return "".join(part if isinstance(part, str) else part.html for part in self.content)


FREEFORM = "core/freeform"


def parse(content: str) -> tuple[list[Block], list[str]]:
    """Top-level blocks of `content` (freeform text as core/freeform blocks), and problems."""
    problems: list[str] = []
    root = Block("root")
    stack = [root]
    position = 0

    def add_text(text: str) -> None:
        if not text:
            return
        parent = stack[-1]
        if parent is root:
            if text.strip():
                root.content.append(Block(FREEFORM, content=[text]))
        else:
            parent.content.append(text)

    for match in _DELIMITER.finditer(content):
        add_text(content[position : match.start()])
        position = match.end()
        name = match["name"] if "/" in match["name"] else f"core/{match['name']}"
        rest = match["rest"].strip()
        void = rest.endswith("/")
        if void:
            rest = rest[:-1].strip()
        if match["closer"]:
            open_names = [block.name for block in stack[1:]]
            if name not in open_names:
                problems.append(
                    _("A closing “%(name)s” block without its opening was ignored.")
                    % {"name": name}
                )
                continue
            while stack[-1].name != name:
                problems.append(
                    _("The “%(name)s” block was not closed; closed here.")
                    % {"name": stack[-1].name}
                )
                stack.pop()
            stack.pop()
            continue
        attrs = {}
        if rest:
            try:
                attrs = json.loads(rest)
            except ValueError:
                attrs = None
            if not isinstance(attrs, dict):
                problems.append(
                    _("The attributes of a “%(name)s” block could not be read; ignored.")
                    % {"name": name}
                )
                attrs = {}
        block = Block(name, attrs)
        stack[-1].content.append(block)
        if not void:
            if len(stack) > MAX_DEPTH:
                problems.append(_("Blocks nested too deeply; the innermost ones were flattened."))
                continue
            stack.append(block)
    add_text(content[position:])
    while len(stack) > 1:
        problems.append(
            _("The “%(name)s” block was not closed; closed at the end.") % {"name": stack[-1].name}
        )
        stack.pop()
    return root.content, problems


def has_blocks(content: str) -> bool:
    return _DELIMITER.search(content or "") is not None


# -- mapping onto our blocks (through the body converter) ---------------------------------


def convert_block(converter, block: Block, depth: int) -> None:
    name = block.name
    attrs = block.attrs
    if name == FREEFORM:
        converter.classic(block.html, paragraphs=True)
    elif name in ("core/paragraph", "core/heading", "core/shortcode"):
        converter.classic(block.html, paragraphs=False)
    elif name == "core/list":
        converter.list(soup_of(block.html))
    elif name in ("core/quote", "core/pullquote"):
        quote = soup_of(block.html)
        converter.quote(
            quote.find("blockquote") or quote, "pullquote" if "pull" in name else "quote"
        )
    elif name == "core/image":
        converter.image_html(block.html, str(attrs.get("id", "")))
    elif name == "core/gallery":
        _gallery(converter, block)
    elif name == "core/embed" or name.startswith("core-embed/"):
        soup = soup_of(block.html)
        url = attrs.get("url") or text_of(soup.find(class_="wp-block-embed__wrapper") or soup)
        converter.embed(str(url), text_of(soup.find("figcaption")))
    elif name == "core/separator":
        converter.add("separator", None)
    elif name == "core/more":
        converter.mark_teaser()
    elif name == "core/nextpage":
        converter.page_break()
    elif name == "core/file":
        soup = soup_of(block.html)
        link = soup.find("a")
        href = attrs.get("href") or (link.get("href") if link else "") or ""
        converter.document(str(attrs.get("id", "")), href, text_of(link))
    elif name in ("core/audio", "core/video"):
        soup = soup_of(block.html)
        element = soup.find(["audio", "video"])
        src = element.get("src", "") if element else ""
        kind = name.removeprefix("core/")
        converter.media(kind, str(attrs.get("id", "")), src, text_of(soup.find("figcaption")))
    elif name in HTML_BLOCKS:
        converter.html_block(block.html)
    elif name in CONTENTLESS_BLOCKS:
        pass
    elif name in CONTAINER_BLOCKS or block.inner_blocks:
        if name not in CONTAINER_BLOCKS:
            converter.note(_("Unknown block “%(name)s”: its content was kept.") % {"name": name})
        _container(converter, block, depth)
    elif text_of(soup_of(block.own_html)):
        converter.note(_("Unknown block “%(name)s” kept as HTML.") % {"name": name})
        converter.html_block(block.own_html)
    else:
        converter.note(
            _("Block “%(name)s” has no content of its own and was left out.") % {"name": name}
        )


def _container(converter, block: Block, depth: int) -> None:
    for part in block.content:
        if isinstance(part, str):
            if part.strip():
                converter.html(part, depth + 1)
        elif depth < CONVERTER_MAX_DEPTH:
            convert_block(converter, part, depth + 1)
        else:
            converter.html(part.html, depth + 1)


def _gallery(converter, block: Block) -> None:
    soup = soup_of(block.own_html)
    caption_tag = soup.find("figcaption", class_="blocks-gallery-caption")
    caption = text_of(caption_tag)
    items: list[tuple[str, str, str, str]] = []  # attachment id, url, alt, caption
    if block.inner_blocks:
        for inner in block.inner_blocks:
            image_soup = soup_of(inner.html)
            img = image_soup.find("img")
            if img is None:
                continue
            items.append(
                (
                    str(inner.attrs.get("id") or converter.attachment_id(img)),
                    img.get("src", ""),
                    img.get("alt", ""),
                    text_of(image_soup.find("figcaption")),
                )
            )
    else:
        by_id = {}
        for img in soup.find_all("img"):
            figure = img.find_parent(["figure", "li"])
            item_caption = figure.find("figcaption") if figure else None
            by_id[str(img.get("data-id") or converter.attachment_id(img))] = (
                img.get("src", ""),
                img.get("alt", ""),
                text_of(item_caption) if item_caption is not caption_tag else "",
            )
        ids = [str(value) for value in block.attrs.get("ids", [])] or list(by_id)
        for attachment_id in ids:
            src, alt, item_caption = by_id.get(attachment_id, ("", "", ""))
            items.append((attachment_id, src, alt, item_caption))
    converter.gallery(items, caption)
