"""WordPress post content (Gutenberg blocks or classic HTML with shortcodes) → our StreamField.

`convert_body` is the one entry point: block-editor markup is parsed by `gutenberg`, classic
content is paragraphed by `autop` and cut by `shortcodes`; every HTML fragment then goes
through one walker that maps elements to our body blocks (edicola.news.blocks). Every value
produced validates against those blocks; whatever has no block of ours is kept as cleaned
HTML or text and named in `notes`. Entities are decoded exactly once (by the HTML parser, or
html.unescape for shortcode attributes) and escaped again only when written back as HTML.
Pictures, galleries, embeds and files are turned into blocks by `bodymedia`.
Nothing raises: the worst case is a note and the content as cleaned text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import nh3
from bs4 import Comment, NavigableString, Tag
from django.utils.html import escape
from django.utils.translation import gettext as _

from edicola.news.blocks import (
    clean_body_html,
)

from . import gutenberg, shortcodes
from .autop import autop
from .bodymedia import ImageRef, MediaBlocks
from .markup import SPACES, fit, has_text, markup_of, soup_of, text_of
from .records import FeedbackForm, Repair

logger = logging.getLogger(__name__)


@dataclass
class BodyContext:
    """What the converter may ask the importer while converting one item."""

    post_id: str
    # attachment id and/or file URL (any size variant) → our image, or None if unknown
    resolve_image: Callable[[str, str], ImageRef | None] = lambda attachment_id, url: None
    # attachment id and/or file URL → our document id (audio, video, files), or None
    resolve_document: Callable[[str, str], int | None] = lambda attachment_id, url: None
    # ids of the images attached to this post, in menu order (a bare [gallery])
    attached_image_ids: Callable[[], list[str]] = lambda: []
    # an absolute or relative URL of the old site → ours (unchanged when not the old site's)
    rewrite_url: Callable[[str], str] = lambda url: url
    # [wpdiscuz-feedback id="…"] → its wpDiscuz form row, when the source has one
    feedback_form: Callable[[str], FeedbackForm | None] = lambda unique_id: None


@dataclass
class BodyResult:
    blocks: list[dict] = field(default_factory=list)  # raw StreamField: {"type", "value"}
    notes: list[Repair] = field(default_factory=list)  # kept-as-text, unknown, degraded
    teaser: str = ""  # plain text before <!--more-->, a standfirst when there is no excerpt
    # question_ids of the feedback blocks placed in the body, in order (what answers attach to)
    feedback_ids: list[str] = field(default_factory=list)
    # shortcode id (wpDiscuz unique_id) → question_id of its block; equal unless slugified
    feedback_questions: dict[str, str] = field(default_factory=dict)


def convert_body(content: str, context: BodyContext) -> BodyResult:
    converter = _Converter(context)
    try:
        converter.convert(content or "")
    except Exception:  # the last line of defence: an import never stops on one body
        logger.exception("body of post %s could not be converted", context.post_id)
        converter.fail(content or "")
    return converter.result


PARAGRAPH_TAGS = {"p", "br", "a", "b", "i"}
LIST_TAGS = {"ul", "ol", "li", "br", "a", "b", "i"}
INLINE_TAGS = {
    "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "br", "cite", "code", "data", "del",
    "dfn", "em", "font", "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span",
    "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
}  # fmt: skip
DROPPED_TAGS = {
    "script", "style", "noscript", "template", "form", "input", "button", "select", "textarea",
    "object", "embed", "applet", "svg", "math", "link", "meta", "base", "frameset", "frame",
    "canvas", "map", "head", "title",
}  # fmt: skip
KEPT_AS_HTML = {"table", "pre", "dl", "address"}
SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
EMBED_HOSTS = {
    "youtube.com", "youtu.be", "vimeo.com", "twitter.com", "x.com", "instagram.com",
    "facebook.com", "tiktok.com", "open.spotify.com", "spotify.com", "soundcloud.com",
    "dailymotion.com", "flickr.com", "reddit.com", "tumblr.com", "ted.com", "twitch.tv",
    "mixcloud.com", "pinterest.com", "threads.net", "bsky.app", "wordpress.tv", "imgur.com",
}  # fmt: skip
SOCIAL_QUOTES = {"twitter-tweet", "instagram-media", "tiktok-embed", "bluesky-embed"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BREAK = re.compile(r"<br>\s*")
_EDGE_BREAKS = re.compile(r"^(\s*<br/>)+|(<br/>\s*)+$")
_LIST_SPACE = re.compile(r"\s*(</?(?:ul|ol|li)>)\s*")
MAX_DEPTH = 30


class _Converter(MediaBlocks):
    def __init__(self, context: BodyContext):
        self.context = context
        self.result = BodyResult()
        self.where = _("post %(id)s") % {"id": context.post_id}
        self.teaser_taken = False
        self.noted: set[str] = set()

    # -- output ------------------------------------------------------------------------------

    def note(self, problem: str, repaired: bool = True) -> None:
        """Record a problem for the report, once however often the body repeats it."""
        if problem not in self.noted:
            self.noted.add(problem)
            self.result.notes.append(Repair(self.where, problem, repaired))

    def add(self, block_type: str, value) -> None:
        self.result.blocks.append({"type": block_type, "value": value})

    def fail(self, content: str) -> None:
        self.note(_("The body could not be converted; it was kept as plain text."), False)
        text = nh3.clean(
            content, tags=PARAGRAPH_TAGS, attributes={}, clean_content_tags={"script", "style"}
        )
        self.result.blocks = (
            [{"type": "paragraph", "value": f"<p>{text}</p>"}] if text.strip() else []
        )

    def mark_teaser(self) -> None:
        if self.teaser_taken:
            return
        self.teaser_taken = True
        parts = []
        for block in self.result.blocks:
            value = block["value"]
            if block["type"] in ("paragraph", "list"):
                parts.append(SPACES.sub(" ", soup_of(value).get_text()).strip())
            elif block["type"] == "heading":
                parts.append(value["text"])
            elif block["type"] in ("quote", "feedback"):
                parts.append(value.get("quote") or value.get("passage"))
        self.result.teaser = " ".join(part for part in parts if part)

    # -- entry points ------------------------------------------------------------------------

    def convert(self, content: str) -> None:
        content = _CONTROL.sub("", content)
        if gutenberg.has_blocks(content):
            blocks, problems = gutenberg.parse(content)
            for problem in problems:
                self.note(problem)
            for block in blocks:
                gutenberg.convert_block(self, block, 0)
        else:
            self.classic(content, paragraphs=True)

    def classic(self, text: str, *, paragraphs: bool) -> None:
        """Classic content (paragraphs=True: wpautop first) or one block's HTML."""
        for name in shortcodes.unknown_shortcodes(text):
            self.note(_("Unknown shortcode [%(name)s] kept as text.") % {"name": name})
        for piece in shortcodes.split(text, urls=paragraphs):
            if piece.kind == "text":
                self.html(autop(piece.text) if paragraphs else piece.text)
            elif piece.kind == "more":
                self.mark_teaser()
            elif piece.kind == "nextpage":
                self.page_break()
            elif piece.kind == "url":
                self.bare_url(piece.text)
            else:
                shortcodes.convert_shortcode(self, piece.shortcode)

    def page_break(self) -> None:
        self.add("separator", None)
        self.note(_("A page break (nextpage) became a separator: the article is one page."))

    # -- HTML --------------------------------------------------------------------------------

    def html(self, html: str, depth: int = 0) -> None:
        if html.strip():
            self.nodes(list(soup_of(html).contents), depth)

    def nodes(self, nodes: list, depth: int) -> None:
        pending: list = []
        for node in nodes:
            if isinstance(node, Comment):
                text = str(node).strip()
                if text.startswith("more"):
                    self.paragraph(pending)
                    pending = []
                    self.mark_teaser()
                elif text.startswith("nextpage"):
                    self.paragraph(pending)
                    pending = []
                    self.page_break()
                continue
            if isinstance(node, NavigableString):
                pending.append(node)
                continue
            if not isinstance(node, Tag):
                continue
            if node.name in INLINE_TAGS and not node.find(["img", "iframe", "video", "audio"]):
                pending.append(node)
                continue
            self.paragraph(pending)
            pending = []
            self.element(node, depth)
        self.paragraph(pending)

    def element(self, tag: Tag, depth: int) -> None:
        name = tag.name
        classes = set(tag.get("class") or [])
        if name == "p":
            if self.bare_url_paragraph(tag):
                return
            self.nodes(list(tag.contents), depth + 1)
        elif name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.heading(tag)
        elif name in ("ul", "ol"):
            self.list(tag)
        elif name == "blockquote" and classes & SOCIAL_QUOTES:
            links = [a.get("href", "") for a in tag.find_all("a")]
            self.embed(links[-1] if links else "", "")
        elif name == "blockquote":
            self.quote(tag, "quote")
        elif name == "figure" and "wp-block-pullquote" in classes:
            self.quote(tag.find("blockquote") or tag, "pullquote")
        elif name == "figure" and tag.find("img") and not tag.find(["figure", "table"]):
            img = tag.find("img")
            self.image(img, caption=text_of(tag.find("figcaption")))
        elif name == "img" or (name in INLINE_TAGS and tag.find("img")):
            if name == "a" and not self.links_to_file(tag.get("href", "")):
                self.note(_("The link on a picture was dropped: %(href)s") % {"href": tag["href"]})
            for img in [tag] if name == "img" else tag.find_all("img"):
                self.image(img)
            rest = text_of(tag) if name != "img" else ""
            if rest:
                self.note(
                    _("Text around an image was dropped: %(text)s") % {"text": fit(rest, 120)}
                )
        elif name == "hr":
            self.add("separator", None)
        elif name == "iframe":
            self.iframe(tag)
        elif name in ("audio", "video"):
            source = tag.get("src") or (tag.find("source") or {}).get("src", "")
            self.media(name, "", source or "", "")
        elif name in DROPPED_TAGS:
            self.note(_("Active or unsupported content <%(tag)s> was removed.") % {"tag": name})
        elif name in KEPT_AS_HTML:
            self.html_block(str(tag))
        elif depth >= MAX_DEPTH:
            self.note(_("Markup nested too deeply was kept as plain text."))
            if text := text_of(tag):
                self.add("paragraph", f"<p>{escape(text)}</p>")
        else:  # div, section, figure without a picture, unknown elements: their content
            self.nodes(list(tag.contents), depth + 1)

    def links(self, soup: Tag) -> None:
        """Old-site links rewritten to ours; links that could run code are made plain text."""
        for link in soup.find_all("a"):
            href = re.sub(r"[\x00-\x20]", "", link.get("href") or "")
            if not href:
                link.unwrap()
                continue
            href = self.context.rewrite_url(href)
            if href.startswith("//"):
                href = f"https:{href}"
            scheme = urlsplit(href).scheme.lower()
            if scheme and scheme not in SAFE_SCHEMES:
                self.note(_("A link to “%(href)s” was removed.") % {"href": fit(href, 80)})
                link.unwrap()
                continue
            link.attrs = {"href": href}
        for old, new in (("strong", "b"), ("em", "i")):
            for tag in soup.find_all(old):
                tag.name = new

    def rich_text(self, html: str, tags: set[str]) -> str:
        if "<a" in html or "<strong" in html or "<em" in html:
            soup = soup_of(html)
            self.links(soup)
            html = str(soup)
        cleaned = nh3.clean(
            html,
            tags=tags,
            clean_content_tags={"script", "style"},
            attributes={"a": {"href"}},
            url_schemes=SAFE_SCHEMES,
            link_rel=None,
        )
        # Wagtail's editor reads rich text as XHTML-like markup: a line break must be <br/>.
        return _BREAK.sub("<br/>", cleaned).strip()

    def paragraph(self, nodes: list) -> None:
        if not nodes or not any(text_of(node) for node in nodes):
            return
        inner = self.rich_text("".join(markup_of(node) for node in nodes), PARAGRAPH_TAGS - {"p"})
        inner = _EDGE_BREAKS.sub("", inner).strip()
        if has_text(inner):
            self.add("paragraph", f"<p>{inner}</p>")

    def bare_url_paragraph(self, tag: Tag) -> bool:
        if tag.find(True) is not None:
            return False
        text = text_of(tag)
        if re.fullmatch(r"https?://[^\s<>\"']+", text):
            self.bare_url(text)
            return True
        return False

    def bare_url(self, url: str) -> None:
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.").removeprefix("m.")
        if host in EMBED_HOSTS:
            self.embed(url, "")
            return
        href = self.context.rewrite_url(url)
        self.add("paragraph", f'<p><a href="{escape(href)}">{escape(url)}</a></p>')

    def heading(self, tag: Tag) -> None:
        text = text_of(tag)
        if not text:
            return
        level = "h2" if tag.name in ("h1", "h2") else "h3"
        if tag.name not in ("h2", "h3"):
            self.note(
                _("Heading %(old)s became %(new)s: %(text)s")
                % {"old": tag.name, "new": level, "text": fit(text, 80)}
            )
        if len(text) > 200:
            self.note(_("A heading too long for a heading was kept as a paragraph."))
            self.add("paragraph", f"<p><b>{escape(text)}</b></p>")
            return
        self.add("heading", {"text": text, "level": level})

    def list(self, tag: Tag) -> None:
        lists = [tag] if tag.name in ("ul", "ol") else tag.find_all(["ul", "ol"], recursive=False)
        if not lists:
            lists = tag.find_all(["ul", "ol"], limit=1)
        for element in lists:
            if element.find("img"):
                self.note(_("Pictures inside a list were left out."))
            html = _LIST_SPACE.sub(r"\1", self.rich_text(str(element), LIST_TAGS))
            if "<li" in html and has_text(html):
                self.add("list", html)

    def quote(self, tag: Tag, style: str) -> None:
        cite = tag.find(["cite", "footer"])
        attribution = text_of(cite)
        if cite is not None:
            cite.extract()
        if tag.find("a", href=True):
            self.note(_("Links inside a quote were dropped (a quote is plain text)."))
        paragraphs = tag.find_all("p") or [tag]
        text = "\n".join(part for part in (text_of(p) for p in paragraphs) if part)
        if not text:
            if attribution:
                self.add("paragraph", f"<p>{escape(attribution)}</p>")
            return
        if len(text) > 1000:
            self.note(_("A quote too long for a quote block was kept as HTML."))
            if cite is not None:
                tag.append(cite)
            self.html_block(str(tag))
            return
        if len(attribution) > 160:
            self.note(_("A quote's attribution was shortened: %(text)s") % {"text": attribution})
        self.add("quote", {"quote": text, "attribution": fit(attribution, 160), "style": style})

    def html_block(self, html: str) -> None:
        soup = soup_of(html)
        self.links(soup)
        for img in soup.find_all("img"):
            if img.get("src"):
                img["src"] = self.context.rewrite_url(img["src"])
        try:
            cleaned = clean_body_html(str(soup)).strip()
        except RecursionError:  # markup nested thousands deep
            self.note(_("Markup nested too deeply was kept as plain text."))
            if text := text_of(soup):
                self.add("paragraph", f"<p>{escape(text)}</p>")
            return
        if has_text(cleaned) or "<img" in cleaned:
            self.add("html", cleaned)
