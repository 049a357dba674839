"""Pictures, galleries, embeds, audio, video and files in a WordPress body → our media blocks.

`MediaBlocks` is the half of the body converter (`bodies`) that turns an old site's media into
our blocks: an <img> or an image block becomes an image of ours when the importer knows the
attachment (`ImageRef`), a gallery keeps up to 60 of them, a provider's address or iframe
becomes an embed, audio and video files a player, any other file a download. What is not found
among the imported media is named in the notes and kept as a link or a caption.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from bs4 import Tag
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.html import escape
from django.utils.translation import gettext as _

from edicola.news.blocks import (
    AUDIO_EXTENSIONS,
    VIDEO_EXTENSIONS,
    embed_player_url,
)

from .markup import SPACES, extension_of, fit, soup_of, text_of

_ATTACHMENT_CLASS = re.compile(r"\bwp-image-(\d+)\b")


@dataclass(frozen=True)
class ImageRef:
    """One of our Wagtail images standing for a WordPress attachment."""

    image_id: int
    alt: str = ""
    caption: str = ""
    credit: str = ""


class MediaBlocks:
    """Media → blocks; mixed into the body converter, which provides `context` (the
    `bodies.BodyContext` of the item), `note` and `add`."""

    def note(self, problem: str, repaired: bool = True) -> None:
        raise NotImplementedError

    def add(self, block_type: str, value) -> None:
        raise NotImplementedError

    def attachment_id(self, img: Tag) -> str:
        match = _ATTACHMENT_CLASS.search(" ".join(img.get("class") or []))
        return match.group(1) if match else str(img.get("data-id") or "")

    def image_html(self, html: str, attachment_id: str) -> None:
        soup = soup_of(html)
        img = soup.find("img")
        if img is None:
            self.note(_("An image block without a picture was left out."))
            return
        link = img.find_parent("a")
        if link is not None and not self.links_to_file(link.get("href", "")):
            self.note(_("The link on a picture was dropped: %(href)s") % {"href": link.get("href")})
        self.image(img, caption=text_of(soup.find("figcaption")), attachment_id=attachment_id)

    @staticmethod
    def links_to_file(href: str) -> bool:
        return not href or "attachment" in href or extension_of(href) in {
            "jpg", "jpeg", "png", "gif", "webp", "avif",
        }  # fmt: skip

    def image(self, img: Tag, caption: str = "", attachment_id: str = "") -> None:
        src = img.get("src") or img.get("data-src") or ""
        attachment_id = attachment_id or self.attachment_id(img)
        ref = self.context.resolve_image(attachment_id, src)
        if ref is None:
            self.note(
                _("Picture not found among the imported media (%(what)s); left out.")
                % {"what": fit(src or attachment_id or "?", 120)}
            )
            if caption:
                self.add("paragraph", f"<p>{escape(caption)}</p>")
            return
        value, spill = self.picture(ref, SPACES.sub(" ", img.get("alt", "")).strip(), caption)
        self.add("image", value)
        if spill:
            self.add("paragraph", f"<p>{escape(spill)}</p>")

    def picture(self, ref: ImageRef, alt: str, caption: str) -> tuple[dict, str]:
        """Our image value (alt never empty) and the caption text that did not fit, if any."""
        alt = alt or ref.alt or caption or ref.caption
        if not alt:
            alt = _("Picture")
            self.note(
                _("A picture had no alternative text; describe it (image %(id)s).")
                % {"id": ref.image_id}
            )
        spill = ""
        if len(caption) > 250:
            self.note(_("A caption too long for a caption became the paragraph below the picture."))
            caption, spill = "", caption
        value = {
            "image": ref.image_id,
            "alt": fit(alt, 250),
            "caption": caption,
            "credit": fit(ref.credit, 120),
        }
        return value, spill

    def gallery(self, items: list[tuple[str, str, str, str]], caption: str) -> None:
        images = []
        for attachment_id, url, alt, item_caption in items[:60]:
            ref = self.context.resolve_image(attachment_id, url)
            if ref is None:
                self.note(
                    _("Gallery picture not found among the imported media (%(what)s); left out.")
                    % {"what": fit(url or attachment_id or "?", 120)}
                )
                continue
            value, spill = self.picture(ref, alt, fit(item_caption, 250))
            images.append(value)
        if len(items) > 60:
            self.note(_("A gallery of more than 60 pictures was cut to the first 60."))
        if images:
            self.add("gallery", {"images": images, "caption": fit(caption, 250)})
        elif caption:
            self.add("paragraph", f"<p>{escape(caption)}</p>")
        if not items:
            self.note(_("A gallery without pictures was left out."))

    def embed(self, url: str, caption: str) -> None:
        url = url.strip()
        if url.startswith("//"):
            url = f"https:{url}"
        if (ours := self.context.rewrite_url(url)) != url:  # the old site embedding itself
            self.bare_link(ours)
            return
        try:
            URLValidator(schemes=["http", "https"])(url)
            valid = len(url) <= 2000
        except ValidationError:
            valid = False
        if not valid:
            self.note(
                _("An embed without a valid address was left out: %(url)s") % {"url": fit(url, 120)}
            )
            if caption:
                self.add("paragraph", f"<p>{escape(caption)}</p>")
            return
        provider, _player = embed_player_url(url)
        title = _("Content from %(provider)s") % {"provider": provider}
        self.add("embed", {"url": url, "title": fit(title, 200), "caption": fit(caption, 250)})

    def iframe(self, tag: Tag) -> None:
        src = tag.get("src", "")
        if src.startswith("//"):
            src = f"https:{src}"
        parts = urlsplit(src)
        host = (parts.hostname or "").lower().removeprefix("www.")
        url = ""
        if host in ("youtube.com", "youtube-nocookie.com") and parts.path.startswith("/embed/"):
            url = f"https://www.youtube.com/watch?v={parts.path.split('/')[2]}"
        elif host == "player.vimeo.com" and parts.path.startswith("/video/"):
            url = f"https://vimeo.com/{parts.path.split('/')[2]}"
        if url:
            self.embed(url, "")
            return
        self.note(
            _("An embedded frame from %(src)s was replaced by a link.") % {"src": fit(src, 120)}
        )
        if parts.scheme in ("http", "https"):
            self.bare_link(src)

    def bare_link(self, url: str) -> None:
        """A paragraph linking to `url`; only a web address or a path of ours is a link."""
        url = url.strip()
        safe = escape(url)
        is_path = url.startswith("/") and not url.startswith("//")
        if is_path or urlsplit(url).scheme in ("http", "https"):
            self.add("paragraph", f'<p><a href="{safe}">{safe}</a></p>')
        elif url:
            self.add("paragraph", f"<p>{safe}</p>")

    def media(self, kind: str, attachment_id: str, url: str, caption: str) -> None:
        extension = extension_of(url)
        playable = AUDIO_EXTENSIONS | VIDEO_EXTENSIONS
        document_id = self.context.resolve_document(attachment_id, url)
        if document_id is None:
            self.note(
                _("An audio or video file was not found among the imported media (%(what)s).")
                % {"what": fit(url or attachment_id or "?", 120)}
            )
            if url:
                self.bare_link(self.context.rewrite_url(url))
            return
        if extension in playable:
            kind = "audio" if extension in AUDIO_EXTENSIONS else "video"
        elif extension:
            self.note(
                _("A .%(ext)s file cannot play in browsers: offered as a download.")
                % {"ext": extension}
            )
            self.add("document", {"document": document_id, "title": fit(caption, 200)})
            return
        self.add("media", {"kind": kind, "document": document_id, "caption": fit(caption, 250)})

    def document(self, attachment_id: str, url: str, title: str) -> None:
        document_id = self.context.resolve_document(attachment_id, url)
        if document_id is None:
            self.note(
                _("The file was not found among the imported media (%(what)s); kept as a link.")
                % {"what": fit(url or attachment_id or "?", 120)}
            )
            if url:
                self.bare_link(self.context.rewrite_url(url))
            return
        self.add("document", {"document": document_id, "title": fit(title, 200)})
