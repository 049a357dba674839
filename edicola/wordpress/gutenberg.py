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

# The serializer escapes "--" inside attributes, so a delimiter ends at the first "-->".
_DELIMITER = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<name>[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?)(?P<rest>.*?)-->",
    re.DOTALL,
)
MAX_DEPTH = 40


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
