"""Article body blocks: small, self-describing, one template each in templates/news/blocks/."""

import re
from urllib.parse import parse_qs, urlparse

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

BODY_RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul"]


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
    """A statement quoted from someone, with who said it."""

    quote = blocks.TextBlock(label=_("Quote"), max_length=1000)
    attribution = blocks.CharBlock(label=_("Attribution"), required=False, max_length=160)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "news/blocks/quote.html"
        description = _("A block quote with its attribution")
        preview_value = {
            "quote": "Il prossimo modello sarà più leggero.",
            "attribution": "Portavoce",
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


class ArticleBodyBlock(blocks.StreamBlock):
    """The blocks an article body is made of."""

    paragraph = ParagraphBlock()
    heading = HeadingBlock()
    quote = QuoteBlock()
    image = CaptionedImageBlock()
    embed = EmbedBlock()
    related = RelatedArticlesBlock()
    feedback = FeedbackQuestionBlock()
