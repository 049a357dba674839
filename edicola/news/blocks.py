"""Article body blocks: small, self-describing, one template each in templates/news/blocks/.

Also owns `clean_body_html`, the one sanitiser for HTML kept as is in a body (the `html`
block): the WordPress import stores through it and the block renders through it again.
"""

import re
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlparse

import nh3
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

BODY_RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]
LIST_RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]

# What a kept-as-is HTML block may contain: structure and text, never scripts, styles, frames
# or forms; images only from our own storage (a relative src), so no third party is contacted.
BODY_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
BODY_HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
}


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if value.startswith("/") and not value.startswith("//") else None
    return value


_IMAGE_WITHOUT_SOURCE = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_LINK_WITHOUT_TARGET = re.compile(r"<a(?=[\s>])(?![^>]*\shref=)[^>]*>(.*?)</a>", re.DOTALL)


def clean_body_html(html: str) -> str:
    """`html` reduced to inert markup: what BODY_HTML_TAGS allows, links to http(s)/mailto."""
    cleaned = nh3.clean(
        html or "",
        tags=BODY_HTML_TAGS,
        clean_content_tags={"script", "style"},
        attributes=BODY_HTML_ATTRIBUTES,
        attribute_filter=_own_images_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
    return _LINK_WITHOUT_TARGET.sub(r"\1", _IMAGE_WITHOUT_SOURCE.sub("", cleaned))


class ParagraphBlock(blocks.RichTextBlock):
    """One or more paragraphs of reporting."""

    def __init__(self, **kwargs):
        super().__init__(features=BODY_RICH_TEXT_FEATURES, **kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Paragraph")
        template = "news/blocks/paragraph.html"
        description = _("Body text with bold, italic, links and lists")


class HeadingBlock(blocks.StructBlock):
    """A subheading (h2 or h3) with a stable anchor."""

    text = blocks.CharBlock(label=_("Text"), max_length=200)
    level = blocks.ChoiceBlock(label=_("Level"), choices=[("h2", "H2"), ("h3", "H3")], default="h2")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["anchor"] = slugify(value["text"])[:60] or "sezione"
        return context

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "news/blocks/heading.html"
        description = _("A subheading that splits the article into sections")
        preview_value = {"text": "LA SCHEDA TECNICA", "level": "h2"}


class QuoteBlock(blocks.StructBlock):
    """A statement quoted from someone, with who said it: a block quote in the flow of the
    text, or a pull quote that stands out of it."""

    quote = blocks.TextBlock(label=_("Quote"), max_length=1000)
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=160)
    style = blocks.ChoiceBlock(
        label=_("Style"),
        choices=[("quote", _("Block quote")), ("pullquote", _("Pull quote"))],
        default="quote",
        help_text=_("A pull quote repeats a striking sentence, large, set apart from the text."),
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "news/blocks/quote.html"
        description = _("A block quote with its attribution")
        preview_value = {
            "quote": "Il prossimo modello sarà più leggero.",
            "attribution": "Portavoce",
            "style": "quote",
        }


class CaptionedImageBlock(blocks.StructBlock):
    """A picture with alternative text, caption and credit."""

    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("Describe the picture for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)
    credit = blocks.CharBlock(label=_("Credit"), required=False, max_length=120)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "news/blocks/captioned_image.html"
        description = _("A picture with caption and credit")


YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def embed_player_url(url: str) -> tuple[str, str]:
    """(provider name, player URL) for providers we can frame; player URL empty otherwise.

    The player URL is built from the video id alone, never copied from input, so nothing
    unexpected can end up in an iframe.
    """
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    video_id = ""
    if host in {"youtube.com", "youtube-nocookie.com"}:
        if parsed.path == "/watch":
            video_id = parse_qs(parsed.query).get("v", [""])[0]
        elif parsed.path.startswith(("/embed/", "/shorts/", "/live/")):
            video_id = parsed.path.split("/")[2]
        if YOUTUBE_ID.match(video_id):
            return "YouTube", f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1"
        return "YouTube", ""
    if host == "youtu.be":
        video_id = parsed.path.lstrip("/").split("/")[0]
        if YOUTUBE_ID.match(video_id):
            return "YouTube", f"https://www.youtube-nocookie.com/embed/{video_id}?autoplay=1"
        return "YouTube", ""
    if host in {"vimeo.com", "player.vimeo.com"}:
        video_id = parsed.path.rstrip("/").split("/")[-1]
        if video_id.isdigit():
            return "Vimeo", f"https://player.vimeo.com/video/{video_id}?autoplay=1&dnt=1"
        return "Vimeo", ""
    return host or _("external site"), ""


class EmbedBlock(blocks.StructBlock):
    """A video or social post that loads only after the reader asks for it.

    Until the click the page makes no request to the third party; without JavaScript the
    reader gets a plain link to the original.
    """

    url = blocks.URLBlock(label=_("Address of the video or post"))
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["provider"], context["player_url"] = embed_player_url(value["url"])
        return context

    class Meta:
        icon = "media"
        label = _("Embed")
        template = "news/blocks/embed.html"
        description = _("A video or post shown only after the reader clicks")


class RelatedArticlesBlock(blocks.StructBlock):
    """A short list of other articles worth reading next."""

    title = blocks.CharBlock(label=_("Title"), max_length=80, default="Leggi anche")
    articles = blocks.ListBlock(
        blocks.PageChooserBlock(page_type="news.ArticlePage"), label=_("Articles"), max_num=6
    )

    class Meta:
        icon = "list-ul"
        label = _("Related articles")
        template = "news/blocks/related_articles.html"
        description = _("Links to other articles")


class FeedbackQuestionBlock(blocks.StructBlock):
    """A passage of the article with a question for readers; their answers are comments
    linked to the question by its identifier (edicola.passages)."""

    passage = blocks.TextBlock(label=_("Passage"), max_length=1000)
    question = blocks.CharBlock(label=_("Question for readers"), max_length=200)
    question_id = blocks.RegexBlock(
        label=_("Identifier"),
        regex=r"^[a-z0-9][a-z0-9-]{0,39}$",
        error_messages={"invalid": _("Use lowercase letters, digits and hyphens (max 40).")},
        help_text=_("Unique in the article, e.g. prezzo; answers stay linked to it."),
    )

    class Meta:
        icon = "help"
        label = _("Question for readers")
        template = "news/blocks/feedback_question.html"
        description = _("A passage with a question readers answer in place")
        preview_value = {
            "passage": "Il prezzo resterà lo stesso per tutto l'anno.",
            "question": "Lo comprereste a questo prezzo?",
            "question_id": "prezzo",
        }


class TextListBlock(blocks.RichTextBlock):
    """A bulleted or numbered list; items may hold nested lists."""

    def __init__(self, **kwargs):
        super().__init__(features=LIST_RICH_TEXT_FEATURES, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if "<li" not in value.source:
            raise ValidationError(_("Write the list as bulleted or numbered items."))
        return value

    class Meta:
        icon = "list-ul"
        label = _("List")
        template = "news/blocks/list.html"
        description = _("A bulleted or numbered list")


class GalleryImageBlock(blocks.StructBlock):
    """One picture of a gallery."""

    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("Describe the picture for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)
    credit = blocks.CharBlock(label=_("Credit"), required=False, max_length=120)

    class Meta:
        icon = "image"
        label = _("Picture")


class GalleryBlock(blocks.StructBlock):
    """Several pictures shown together as a grid, each opening at full size."""

    images = blocks.ListBlock(GalleryImageBlock(), label=_("Pictures"), min_num=1, max_num=60)
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Gallery")
        template = "news/blocks/gallery.html"
        description = _("A grid of pictures with their captions")


class SeparatorBlock(blocks.StaticBlock):
    """A thematic break between two parts of the article."""

    class Meta:
        icon = "horizontalrule"
        label = _("Separator")
        template = "news/blocks/separator.html"
        description = _("A line that separates two parts of the article")
        admin_text = _("A separating line.")


AUDIO_EXTENSIONS = {"mp3", "m4a", "ogg", "oga", "opus", "wav"}  # as in WAGTAILDOCS_EXTENSIONS
VIDEO_EXTENSIONS = {"mp4", "m4v", "webm"}


def document_extension(document) -> str:
    return PurePosixPath(document.file.name).suffix.lower().lstrip(".")


class MediaBlock(blocks.StructBlock):
    """An audio or video file of ours, played by the browser's own player: no third party."""

    kind = blocks.ChoiceBlock(
        label=_("Kind"), choices=[("audio", _("Audio")), ("video", _("Video"))], default="video"
    )
    document = DocumentChooserBlock(label=_("File"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    def clean(self, value):
        value = super().clean(value)
        allowed = AUDIO_EXTENSIONS if value["kind"] == "audio" else VIDEO_EXTENSIONS
        if value["document"] is not None and document_extension(value["document"]) not in allowed:
            raise blocks.StructBlockValidationError(
                block_errors={
                    "document": ValidationError(
                        _("Browsers cannot play this file here; use one of: %(extensions)s.")
                        % {"extensions": ", ".join(sorted(allowed))}
                    )
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        document = value["document"]
        context["extension"] = document_extension(document) if document else ""
        return context

    class Meta:
        icon = "media"
        label = _("Audio or video")
        template = "news/blocks/media.html"
        description = _("An audio or video file from the site's documents")


class DocumentBlock(blocks.StructBlock):
    """A file readers can download (a PDF, a spreadsheet, …)."""

    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Shown as the link; the document's own title when empty."),
    )

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        document = value["document"]
        context["extension"] = document_extension(document).upper() if document else ""
        return context

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "news/blocks/document.html"
        description = _("A link to download a file")


class HTMLBlock(blocks.RawHTMLBlock):
    """Markup kept as it was (imported content with no block of its own), always cleaned by
    clean_body_html: on save and again at render, so nothing active ever reaches a page."""

    def clean(self, value):
        return mark_safe(clean_body_html(str(super().clean(value))))

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["html"] = mark_safe(clean_body_html(str(value)))
        return context

    class Meta:
        icon = "code"
        label = _("HTML")
        template = "news/blocks/html.html"
        description = _("Markup kept as it was, without scripts or styles")


class ArticleBodyBlock(blocks.StreamBlock):
    """The blocks an article body is made of."""

    paragraph = ParagraphBlock()
    heading = HeadingBlock()
    quote = QuoteBlock()
    image = CaptionedImageBlock()
    embed = EmbedBlock()
    related = RelatedArticlesBlock()
    feedback = FeedbackQuestionBlock()
    list = TextListBlock()
    gallery = GalleryBlock()
    separator = SeparatorBlock()
    media = MediaBlock()
    document = DocumentBlock()
    html = HTMLBlock()
