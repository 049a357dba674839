"""WordPress post content (Gutenberg blocks or classic HTML with shortcodes) → our StreamField.

STUB: the interface the importer codes against; the real converter replaces the body of
`convert_body`, keeping these names and shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import nh3

from .records import FeedbackForm, Repair


@dataclass(frozen=True)
class ImageRef:
    """One of our Wagtail images standing for a WordPress attachment."""

    image_id: int
    alt: str = ""
    caption: str = ""
    credit: str = ""


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
    # unique_ids of [wpdiscuz-feedback] questions placed in the body (feedback block ids)
    feedback_ids: list[str] = field(default_factory=list)


def convert_body(content: str, context: BodyContext) -> BodyResult:
    text = nh3.clean(content or "", tags={"p", "a", "strong", "em", "br"})
    if not text.strip():
        return BodyResult()
    return BodyResult(blocks=[{"type": "paragraph", "value": f"<p>{text}</p>"}])
