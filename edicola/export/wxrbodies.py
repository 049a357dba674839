"""Our StreamField bodies as Gutenberg block markup, the way WordPress's editor saves them.

`body_markup` turns each of our blocks into its WordPress block (`<!-- wp:paragraph -->…`):
paragraphs and lists, headings, quotes, images and galleries, audio, video and files, embeds;
questions for readers become wpDiscuz's `[wpdiscuz-feedback]` shortcode. `Ids` gives our
images and documents the WordPress post ids of their attachments, `file_url` their absolute
file address. `words_of` reads a body's words back, to compare bodies across a round trip.
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Max
from wagtail.images import get_image_model
from wagtail.models import Page

from .wxrxml import absolute, clean, plain


def block_attributes(attributes: dict) -> str:
    """Block attributes as Gutenberg serialises them in a block comment."""
    if not attributes:
        return ""
    text = json.dumps(attributes, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("--", "\\u002d\\u002d"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ('\\"', "\\u0022"),
    ):
        text = text.replace(raw, escaped)
    return " " + text + " "


def block(name: str, inner: str, attributes: dict | None = None) -> str:
    opener = f"<!-- wp:{name}{block_attributes(attributes or {}) or ' '}-->"
    return f"{opener}\n{inner}\n<!-- /wp:{name} -->"


class Ids:
    """WordPress post ids for our rows: pages keep their id, attachments follow."""

    def __init__(self):
        self.image_offset = Page.objects.aggregate(top=Max("pk"))["top"] or 0
        top_image = get_image_model().objects.aggregate(top=Max("pk"))["top"] or 0
        self.document_offset = self.image_offset + top_image

    def image(self, pk: int) -> int:
        return self.image_offset + pk

    def document(self, pk: int) -> int:
        return self.document_offset + pk


def file_url(name: str) -> str:
    try:
        return absolute(default_storage.url(name))
    except Exception:  # a storage that cannot give URLs: the media path is the best guess
        return absolute(settings.MEDIA_URL + name)


def paragraph_blocks(html: str) -> list[str]:
    """Rich text (several paragraphs and lists) → one Gutenberg block per top-level element."""
    from lxml import html as lxml_html
    from wagtail.rich_text import expand_db_html

    html = expand_db_html(html or "")
    if not html.strip():
        return []
    out = []
    for element in lxml_html.fragments_fromstring(html):
        if isinstance(element, str):
            if element.strip():
                out.append(block("paragraph", f"<p>{escape(element.strip())}</p>"))
            continue
        markup = lxml_html.tostring(element, encoding="unicode").strip()
        tag = element.tag.lower()
        if tag in ("ul", "ol"):
            markup = markup.replace(f"<{tag}>", f'<{tag} class="wp-block-list">', 1)
            out.append(block("list", markup, {"ordered": True} if tag == "ol" else None))
        elif re.fullmatch(r"h[1-6]", tag):
            level = int(tag[1])
            out.append(block("heading", markup, {"level": level} if level != 2 else None))
        elif tag == "p":
            out.append(block("paragraph", markup))
        else:
            out.append(block("html", markup))
    return out


def _caption(text: str, css: str = "wp-element-caption") -> str:
    return f'<figcaption class="{css}">{plain(text)}</figcaption>' if text else ""


def _image(image, alt: str, caption: str, credit: str, ids: Ids) -> str:
    wp_id = ids.image(image.pk)
    source = quoteattr(file_url(image.file.name))
    figcaption = _caption(" — ".join(part for part in (caption, credit) if part))
    inner = (
        f'<figure class="wp-block-image size-full"><img src={source} alt={quoteattr(clean(alt))} '
        f'class="wp-image-{wp_id}"/>{figcaption}</figure>'
    )
    return block("image", inner, {"id": wp_id, "sizeSlug": "full", "linkDestination": "none"})


def _quote(value) -> str:
    text = "".join(f"<p>{plain(line)}</p>" for line in value["quote"].split("\n\n") if line.strip())
    cite = f"<cite>{plain(value['attribution'])}</cite>" if value["attribution"] else ""
    if value.get("style") == "pullquote":
        inner = f'<figure class="wp-block-pullquote"><blockquote>{text}{cite}</blockquote></figure>'
        return block("pullquote", inner)
    return block("quote", f'<blockquote class="wp-block-quote">{text}{cite}</blockquote>')


def _media(value, ids: Ids) -> str:
    document = value["document"]
    url = quoteattr(file_url(document.file.name))
    kind = "audio" if value["kind"] == "audio" else "video"
    inner = (
        f'<figure class="wp-block-{kind}"><{kind} controls src={url}></{kind}>'
        f"{_caption(value['caption'])}</figure>"
    )
    return block(kind, inner, {"id": ids.document(document.pk)})


def _document(value, ids: Ids) -> str:
    document = value["document"]
    href = file_url(document.file.name)
    title = plain(value.get("title") or document.title)
    inner = (
        f'<div class="wp-block-file"><a href={quoteattr(href)}>{title}</a>'
        f'<a href={quoteattr(href)} class="wp-block-file__button wp-element-button" download>'
        "Scarica</a></div>"
    )
    return block("file", inner, {"id": ids.document(document.pk), "href": href})


def body_markup(stream, ids: Ids) -> str:
    """Our StreamField → Gutenberg block markup, block by block."""
    parts: list[str] = []
    for child in stream or []:
        kind, value = child.block_type, child.value
        if kind in ("paragraph", "list"):
            parts.extend(paragraph_blocks(value.source))
        elif kind == "heading":
            level = int(str(value["level"]).lstrip("h") or 2)
            inner = f'<h{level} class="wp-block-heading">{plain(value["text"])}</h{level}>'
            parts.append(block("heading", inner, {"level": level} if level != 2 else None))
        elif kind == "quote":
            parts.append(_quote(value))
        elif kind == "image" and value["image"] is not None:
            parts.append(
                _image(value["image"], value["alt"], value["caption"], value["credit"], ids)
            )
        elif kind == "gallery":
            images = "\n\n".join(
                _image(item["image"], item["alt"], item["caption"], item["credit"], ids)
                for item in value["images"]
                if item["image"] is not None
            )
            caption = _caption(value["caption"], "blocks-gallery-caption wp-element-caption")
            inner = (
                '<figure class="wp-block-gallery has-nested-images columns-default is-cropped">'
                f"\n{images}\n{caption}</figure>"
            )
            parts.append(block("gallery", inner, {"linkTo": "none"}))
        elif kind == "separator":
            inner = '<hr class="wp-block-separator has-alpha-channel-opacity"/>'
            parts.append(block("separator", inner))
        elif kind == "media" and value["document"] is not None:
            parts.append(_media(value, ids))
        elif kind == "document" and value["document"] is not None:
            parts.append(_document(value, ids))
        elif kind == "html":
            parts.append(block("html", clean(str(value))))
        elif kind == "embed":
            url = clean(value["url"])
            inner = (
                f'<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
                f"{escape(url)}\n</div>{_caption(value['caption'])}</figure>"
            )
            parts.append(block("embed", inner, {"url": url}))
        elif kind == "feedback":
            shortcode = (
                f'[wpdiscuz-feedback id="{value["question_id"]}" '
                f'question="{plain(value["question"]).replace(chr(34), "&quot;")}" opened="0"]'
                f"{plain(value['passage'])}[/wpdiscuz-feedback]"
            )
            parts.append(block("paragraph", f"<p>{shortcode}</p>"))
        elif kind == "related":
            links = "".join(
                f"<li><a href={quoteattr(absolute(page.url or ''))}>{plain(page.title)}</a></li>"
                for page in value["articles"]
                if page is not None
            )
            parts.append(block("paragraph", f"<p><strong>{plain(value['title'])}</strong></p>"))
            if links:
                parts.append(block("list", f'<ul class="wp-block-list">{links}</ul>'))
        else:
            # A block WordPress has no counterpart for: its rendered HTML, kept as it is.
            parts.append(block("html", clean(child.render())))
    return "\n\n".join(parts)


def words_of(html: str) -> list[str]:
    """The words of an HTML fragment in reading order, for comparing bodies across a round
    trip (markup, spacing and punctuation left aside)."""
    from html import unescape

    return re.findall(r"\w+", unescape(re.sub(r"<[^>]*>", " ", html or "")))
