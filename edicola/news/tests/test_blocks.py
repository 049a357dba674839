"""The body blocks an imported article needs (list, gallery, separator, audio/video, document,
kept-as-is HTML, pull quote) as readers get them: rendered in the article page, inert, without
third-party requests, and readable at phone and desktop widths."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import translation
from wagtail.blocks import StreamValue
from wagtail.documents import get_document_model

from edicola.news.blocks import (
    ArticleBodyBlock,
    HTMLBlock,
    MediaBlock,
    QuoteBlock,
    TextListBlock,
    clean_body_html,
)
from edicola.news.feeds import article_body_html
from edicola.news.models import ArticlePage
from edicola.news.tests.conftest import (
    ARTIFACTS_DIR,
    RESTORE_MIGRATED_DATA,
    describe_nu_errors,
    nu_check,
)

from .factories import make_article, make_author, make_category, make_image, make_site

HOSTILE_HTML = (
    "<table><tr><th>Modello</th><td>Prezzo</td></tr></table>"
    '<script>document.title="preso"</script>'
    '<img src="/media/x.png" onerror="alert(1)" alt="grafico">'
    '<img src="https://tracker.example/pixel.gif" alt="pixel">'
    '<a href="javascript:alert(2)">clic</a>'
    '<iframe src="https://evil.example/"></iframe>'
    '<p style="color:red" onclick="alert(3)">Nota finale</p>'
)


def make_document(title: str, name: str, content: bytes = b"\x00" * 2048):
    document = get_document_model()(title=title)
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def import_body(home):
    """A category, an author and an article using every new block, like an imported post."""
    category = make_category(home, "Smartphone")
    author = make_author(home, "Giulia Rossi")
    pictures = [make_image(f"Foto {n}", (1200, 900), (40 * n, 90, 160)) for n in range(1, 5)]
    body = [
        ("paragraph", "<p>Il telefono arriva in tre colori.</p>"),
        (
            "list",
            "<ul><li>Nero<ul><li>opaco</li><li>lucido</li></ul></li><li>Blu</li></ul>"
            "<ol><li>primo</li><li>secondo</li></ol>",
        ),
        (
            "quote",
            {
                "quote": "Lo abbiamo voluto semplice.",
                "attribution": "La portavoce",
                "style": "pullquote",
            },
        ),
        (
            "gallery",
            {
                "images": [
                    {"image": picture, "alt": f"Vista {n}", "caption": f"Lato {n}", "credit": ""}
                    for n, picture in enumerate(pictures, 1)
                ],
                "caption": "Il telefono da ogni lato",
            },
        ),
        ("separator", None),
        (
            "media",
            {
                "kind": "video",
                "document": make_document("Video della prova", "prova.mp4"),
                "caption": "La prova in video",
            },
        ),
        (
            "media",
            {
                "kind": "audio",
                "document": make_document("Intervista", "intervista.mp3"),
                "caption": "",
            },
        ),
        (
            "document",
            {"document": make_document("Scheda tecnica", "scheda.pdf"), "title": ""},
        ),
        ("html", HOSTILE_HTML),
    ]
    return make_article(category, "Il telefono in tre colori", authors=[author], body=body)


@pytest.fixture
def article(db):
    return import_body(make_site())


@pytest.mark.django_db
def test_new_blocks_render_in_the_article_page(client, article):
    html = client.get(article.url).content.decode()

    assert '<div class="block-list"><ul><li>Nero<ul><li>opaco</li>' in html
    assert "<ol><li>primo</li>" in html
    assert '<figure class="block-quote block-pullquote">' in html
    assert "— La portavoce" in html
    assert html.count('<hr class="block-separator">') == 1

    gallery = html[html.index('<figure class="block-gallery"') :]
    gallery = gallery[: gallery.index("</ul>")]
    assert gallery.count("<li>") == 4
    assert gallery.count('loading="lazy"') == 4
    assert 'sizes="(min-width: 48rem) 22.5rem, calc(50vw - 1.5rem)"' in gallery
    assert 'alt="Vista 3"' in gallery and "Lato 3" in gallery
    assert '<a href="/media/images/' in gallery  # the full-size picture, without JavaScript
    assert "Il telefono da ogni lato" in html


@pytest.mark.django_db
def test_media_plays_our_own_file_with_the_browser_player(client, article):
    html = client.get(article.url).content.decode()
    documents = {doc.title: doc for doc in get_document_model().objects.all()}

    video_url = documents["Video della prova"].url
    assert video_url.startswith("/")
    assert f'<video controls preload="metadata" playsinline src="{video_url}">' in html
    assert f'<audio controls preload="metadata" src="{documents["Intervista"].url}">' in html
    assert "La prova in video" in html
    scheda = documents["Scheda tecnica"]
    assert f'<a href="{scheda.url}" download><span class="document-title">Scheda tecnica' in html
    meta = html[html.index("document-meta") :][:60]
    assert "PDF, 2" in meta and "KB" in meta


@pytest.mark.django_db
def test_html_block_never_lets_a_script_or_handler_reach_the_page(client, article):
    html = client.get(article.url).content.decode()
    kept = html[html.index('<div class="block-html">') :]
    kept = kept[: kept.index("</div>")]

    assert "<table>" in kept and "<th>Modello</th>" in kept
    assert "Nota finale" in kept
    for forbidden in ("<script", "preso", "onerror", "onclick", "javascript:", "style=", "iframe"):
        assert forbidden not in kept, forbidden
    assert "tracker.example" not in html and "pixel" not in kept
    assert '<img src="/media/x.png" alt="grafico">' in kept


@pytest.mark.django_db
def test_html_stored_without_cleaning_is_cleaned_at_render(client, article):
    """Raw JSON written straight into the database (an import, a migration) bypasses the
    block's clean(); rendering cleans it again."""
    raw = [{"type": "html", "value": '<p>ok</p><img src=x onerror="alert(1)"><script>x()</script>'}]
    ArticlePage.objects.filter(pk=article.pk).update(body=json.dumps(raw))
    article.refresh_from_db()
    article.save_revision().publish()

    html = client.get(article.url).content.decode()
    assert "<p>ok</p>" in html
    assert "onerror" not in html and "x()" not in html


def test_html_block_cleans_on_save():
    cleaned = HTMLBlock().clean('<b onmouseover="x()">grassetto</b><style>p{}</style>')
    assert str(cleaned) == "<b>grassetto</b>"


def test_clean_body_html_keeps_links_inert_and_structure():
    html = clean_body_html('<a href="https://esempio.example/a" target="_blank">qui</a><h2>T</h2>')
    assert html == '<a href="https://esempio.example/a" rel="noopener nofollow">qui</a><h2>T</h2>'


def test_clean_body_html_unwraps_links_left_without_a_target():
    html = clean_body_html('<abbr title="x">ab</abbr> <a href="javascript:x()">clic</a>')
    assert html == '<abbr title="x">ab</abbr> clic'


def test_existing_quotes_keep_the_block_quote_look():
    """Bodies saved before `style` existed have no such key: they stay block quotes."""
    value = QuoteBlock().to_python({"quote": "Detto.", "attribution": "Lei"})
    assert value["style"] == "quote"
    html = QuoteBlock().render(value)
    assert html.startswith('<figure class="block-quote">')
    assert "block-pullquote" not in html


def test_list_block_wants_list_items():
    block = TextListBlock()
    with translation.override("it"), pytest.raises(ValidationError):
        block.clean(block.to_python("<p>Solo testo</p>"))
    assert "<li>" in block.clean(block.to_python("<ul><li>uno</li></ul>")).source


@pytest.mark.django_db
def test_media_block_refuses_a_file_browsers_cannot_play():
    block = MediaBlock()
    pdf = make_document("Scheda", "scheda.pdf")
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"kind": "video", "document": pdf.pk, "caption": ""}))
    mp3 = make_document("Audio", "audio.mp3")
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"kind": "video", "document": mp3.pk, "caption": ""}))
    assert block.clean(block.to_python({"kind": "audio", "document": mp3.pk, "caption": ""}))


@pytest.mark.django_db
def test_every_new_block_validates_as_part_of_a_body(article):
    body = ArticleBodyBlock()
    value = body.to_python(article.body.raw_data)
    cleaned = body.clean(value)
    assert [child.block_type for child in cleaned] == [
        "paragraph", "list", "quote", "gallery", "separator", "media", "media", "document", "html",
    ]  # fmt: skip
    assert isinstance(cleaned, StreamValue)


@pytest.mark.django_db
def test_plain_text_and_feed_include_the_new_blocks(article):
    text = article.plain_text()
    assert "opaco" in text and "Lato 2" in text and "Scheda tecnica" in text
    assert "Nota finale" in text and "preso" not in text

    with translation.override("it"):
        feed_html = article_body_html(article)
    assert "<li>opaco</li>" in feed_html and "<hr>" in feed_html
    assert feed_html.count("<figure><img") == 4
    assert "/documents/" in feed_html and "Scheda tecnica" in feed_html
    assert "<script" not in feed_html and "onerror" not in feed_html


@pytest.mark.validator
@pytest.mark.django_db
def test_article_with_the_new_blocks_is_valid_html(client, article, tmp_path):
    errors = nu_check({"article": client.get(article.url).content.decode()}, tmp_path / "html")
    assert not any(errors.values()), "Nu HTML checker errors:\n" + describe_nu_errors(errors)


@pytest.fixture
def live_blocks_article(
    request, transactional_db, django_db_serialized_rollback, django_db_blocker, live_server
):
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    with translation.override("it"):
        return import_body(make_site()).url


@pytest.mark.browser
def test_new_blocks_read_well_at_phone_and_desktop_widths(live_blocks_article, open_page):
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    for device, (width, height) in {"phone": (390, 844), "desktop": (1366, 900)}.items():
        page, guard = open_page(
            live_blocks_article, width=width, height=height, mobile=device == "phone"
        )
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= width, f"{device}: scrolls sideways ({scroll_width}px)"

        pictures = page.locator(".gallery-grid li")
        pictures.first.scroll_into_view_if_needed()
        first, second = pictures.nth(0).bounding_box(), pictures.nth(1).bounding_box()
        assert first["y"] == second["y"] and second["x"] > first["x"], f"{device}: not 2 columns"
        assert first["width"] < width / 2

        video = page.locator(".block-media video")
        assert video.evaluate("v => v.controls") and video.is_visible()
        quote = page.locator(".block-pullquote blockquote")
        assert quote.evaluate("q => getComputedStyle(q).textAlign") == "center"
        assert page.title() != "preso"
        assert guard.refused == [], f"{device}: contacted a third party: {guard.refused}"
        page.screenshot(path=str(ARTIFACTS_DIR / f"blocks-{device}.png"), full_page=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "https://youtu.be/dQw4w9WgXcQ",
        "https://m.youtube.com/shorts/dQw4w9WgXcQ",
        "https://vimeo.com/76979871",
    ],
)
def test_every_player_an_embed_frames_is_allowed_by_the_content_security_policy(url, settings):
    from urllib.parse import urlsplit

    from edicola.news.blocks import embed_player_url

    player = urlsplit(embed_player_url(url)[1])
    assert f"{player.scheme}://{player.netloc}" in settings.SECURE_CSP["frame-src"]
