"""Comment HTML from WordPress → our Markdown subset (what comments.markup renders): links,
emphasis, code, quotes and lists are kept, everything else becomes its text, so hostile markup in
the source is inert here.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# -- Comment HTML → our Markdown subset ------------------------------------------------------------


class _Markdown(HTMLParser):
    """WordPress comment HTML → the Markdown subset our comments are written in. Only what our
    renderer allows survives as markup (bold, italic, links, code, quotes); everything else
    becomes its text; scripts, styles and embedded frames disappear with their content."""

    DROP = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg"}
    MARKERS = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}
    BLOCKS = {"p", "div", "ul", "ol", "pre", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.quotes: list[int] = []  # start index in out of each open blockquote
        self.links: list[tuple[int, str]] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.DROP:
            self.dropping += 1
            return
        if self.dropping:
            return
        if tag in self.MARKERS:
            self.out.append(self.MARKERS[tag])
        elif tag == "br":
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag == "blockquote":
            self.out.append("\n\n")
            self.quotes.append(len(self.out))
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if href.lower().startswith(("http://", "https://", "mailto:")):
                self.links.append((len(self.out), href))
                self.out.append("[")
            else:
                self.links.append((-1, ""))
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self.out.append(escape(alt))

    def handle_endtag(self, tag):
        if tag in self.DROP:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping:
            return
        marker = self.MARKERS.get(tag)
        if marker:
            if self.out and self.out[-1] == marker:  # nothing inside: no markup either
                self.out.pop()
            else:
                self.out.append(marker)
        elif tag in self.BLOCKS:
            self.out.append("\n\n")
        elif tag == "blockquote" and self.quotes:
            start = self.quotes.pop()
            inner = "".join(self.out[start:]).strip()
            del self.out[start:]
            quoted = "\n".join(f"> {line}" if line.strip() else ">" for line in inner.split("\n"))
            self.out.append(quoted + "\n\n")
        elif tag == "a" and self.links:
            start, href = self.links.pop()
            if start >= 0:
                text = "".join(self.out[start + 1 :]).strip()
                del self.out[start:]
                href = href.replace(")", "%29").replace(" ", "%20")
                self.out.append(f"[{text or escape(href)}]({href})")

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data))

    def text(self) -> str:
        while self.links:
            self.handle_endtag("a")
        while self.quotes:
            self.handle_endtag("blockquote")
        text = "".join(self.out).replace("\r\n", "\n").replace("\r", "\n")
        text = re.sub(r"[ \t]+\n", "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip()


_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def escape(text: str) -> str:
    """Text that must show as typed: Markdown's special characters escaped."""
    text = _SPECIAL.sub(r"\\\1", text)
    return re.sub(r"(?m)^(\s*)>", r"\1\\>", text)


def comment_markdown(content: str) -> str:
    parser = _Markdown()
    parser.feed(content or "")
    parser.close()
    return parser.text()
