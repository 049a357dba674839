"""Reader pages: the article's anatomy, listings, languages, and what readers must not see."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from edicola.news.models import ArticlePage

from .factories import make_article, make_author, make_category, make_image, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    home = make_site(site_name="Lumio Test")
    smartphone = make_category(home, "Smartphone")
    mercato = make_category(home, "Mercato")
    author = make_author(home, "Giulia Rossi", avatar=make_image("Giulia Rossi", (400, 400)))
    second = make_author(home, "Marco Bianchi")
    picture = make_image("Telefono")
    article = make_article(
        smartphone,
        "Lumio X3, il CEO: “Prezzo giusto per l'Italia”",
        slug="lumio-x3",
        authors=[author, second],
        hero_image=make_image("Copertina"),
        tags=["Lumio X3", "Prezzi"],
        published_ago=timedelta(0),
        date_published=datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
        body=[
            ("paragraph", "<p>Primo paragrafo con <b>grassetto</b>.</p>"),
            ("quote", {"quote": "Sarà il nostro anno.", "attribution": "Anna Verdi, CEO"}),
            ("image", {"image": picture, "alt": "Telefono", "caption": "Telefono", "credit": ""}),
            ("heading", {"text": "LA SCHEDA TECNICA", "level": "h2"}),
            ("paragraph", "<p>Secondo paragrafo.</p>"),
            (
                "embed",
                {"url": "https://youtu.be/abcdefghijk", "title": "Il video", "caption": ""},
            ),
        ],
    )
    older = make_article(mercato, "Vendite in crescita", authors=[second], tags=["Prezzi"])
    return {
        "home": home,
        "smartphone": smartphone,
        "author": author,
        "second": second,
        "article": article,
        "older": older,
    }


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_article_page_has_the_reference_anatomy_in_order(client, site):
    html = html_of(client, site["article"].url)
    banner = html.index('class="deals-banner"')
    headline = html.index("<h1>Lumio X3, il CEO: “Prezzo giusto per l&#x27;Italia”</h1>")
    quote = html.index("<blockquote><p>Sarà il nostro anno.</p></blockquote>")
    figure = html.index('<figure class="block-image">')
    subheading = html.index('<h2 id="la-scheda-tecnica" class="block-heading">LA SCHEDA TECNICA')
    author_box = html.index('class="author-box"')
    discussion = html.index('id="commenti"')
    footer = html.index('<footer class="site-footer">')
    assert banner < headline < quote < figure < subheading < author_box < discussion < footer


def test_deals_banner_links_to_the_channels_from_site_settings(client, site):
    html = html_of(client, site["article"].url)
    assert "T&#x27;interessano le OFFERTE?" in html
    assert '<a href="https://whatsapp.com/channel/test" rel="noopener">WHATSAPP</a>' in html
    assert '<a href="https://t.me/test" rel="noopener">TELEGRAM</a>' in html


def test_author_box_shows_avatar_name_link_and_bio_for_each_author(client, site):
    html = html_of(client, site["article"].url)
    assert html.count('class="author-box"') == 2
    assert 'alt="Giulia Rossi" class="avatar"' in html
    assert f'<a href="{site["author"].url}" rel="author">Giulia Rossi</a>' in html
    assert "Scrivo di telefoni da dieci anni." in html


def test_byline_dates_are_italian_and_in_rome_time(client, site):
    html = html_of(client, site["article"].url)
    assert '<time datetime="2026-03-02T10:05:00+01:00">2 marzo 2026, 10:05</time>' in html


def test_semantic_blocks_figure_caption_and_quote_attribution(client, site):
    html = html_of(client, site["article"].url)
    assert "<figcaption>— Anna Verdi, CEO</figcaption>" in html
    assert '<figcaption><span class="caption">Telefono</span></figcaption>' in html
    assert '<article class="article"' in html


def test_images_are_responsive_webp_sized_and_lazy_below_the_fold(client, site):
    html = html_of(client, site["article"].url)
    hero = html[html.index('<figure class="hero">') : html.index('<div class="article-body">')]
    assert 'type="image/webp"' in hero and " 1200w" in hero
    assert 'fetchpriority="high"' in hero and 'loading="lazy"' not in hero
    assert 'width="480"' in hero and 'height="270"' in hero
    body_image = html[html.index('<figure class="block-image">') :]
    body_image = body_image[: body_image.index("</figure>")]
    assert 'loading="lazy"' in body_image and 'type="image/webp"' in body_image
    assert 'alt="Telefono"' in body_image and 'width="480"' in body_image


def test_embed_waits_for_the_reader_no_third_party_request_in_the_page(client, site):
    html = html_of(client, site["article"].url)
    assert "<iframe" not in html
    assert ' src="https://www.youtube' not in html
    assert 'data-embed-src="https://www.youtube-nocookie.com/embed/abcdefghijk?autoplay=1"' in html
    assert '<a href="https://youtu.be/abcdefghijk" rel="noopener nofollow"' in html
    assert "/static/news/embed.js" in html


def test_article_without_embeds_loads_no_script(client, site):
    html = html_of(client, site["older"].url)
    assert "/static/news/embed.js" not in html


def test_home_lists_latest_and_per_category_sections(client, site):
    html = html_of(client, "/")
    assert site["article"].title.replace("'", "&#x27;") in html
    assert 'id="section-mercato"' in html or "Vendite in crescita" in html
    assert '<nav class="sections"' in html and 'href="/smartphone/"' in html


def test_category_lists_only_its_articles(client, site):
    html = html_of(client, site["smartphone"].url)
    assert "Lumio X3" in html
    assert "Vendite in crescita" not in html


def test_author_page_lists_their_articles(client, site):
    html = html_of(client, site["second"].url)
    assert "Lumio X3" in html and "Vendite in crescita" in html
    html = html_of(client, site["author"].url)
    assert "Vendite in crescita" not in html


def test_tag_page_lists_tagged_articles(client, site):
    html = html_of(client, "/tag/prezzi/")
    assert "Lumio X3" in html and "Vendite in crescita" in html
    assert client.get("/tag/non-esiste/").status_code == 404


def test_drafts_and_unpublished_articles_are_invisible(client, site):
    draft = ArticlePage(
        title="Bozza segreta",
        slug="bozza",
        standfirst="x",
        body=[("paragraph", "<p>x</p>")],
        live=False,
    )
    site["smartphone"].add_child(instance=draft)
    draft.save_revision()
    assert client.get(draft.url).status_code == 404
    assert "Bozza segreta" not in html_of(client, "/")
    site["older"].unpublish()
    assert client.get(site["older"].url).status_code == 404
    assert "Vendite in crescita" not in html_of(client, "/tag/prezzi/")


def test_scheduled_article_is_invisible_until_go_live(client, site):
    from django.core.management import call_command

    article = site["older"]
    article.title = "Programmato"
    revision = article.save_revision()
    article.unpublish()
    article.go_live_at = timezone.now() + timedelta(seconds=1)
    revision.approved_go_live_at = article.go_live_at
    revision.save()
    assert client.get(article.url).status_code == 404
    revision.approved_go_live_at = timezone.now() - timedelta(seconds=1)
    revision.save()
    call_command("publish_scheduled")
    assert "Programmato" in html_of(client, article.url)


def test_interface_is_italian_by_default_and_english_under_en(client, site):
    url = site["article"].url
    italian = html_of(client, url)
    assert '<html lang="it">' in italian and "Vai al contenuto" in italian
    english = html_of(client, "/en" + url)
    assert '<html lang="en">' in english and "Skip to content" in english
    assert "March 2, 2026" in english or "2 March 2026" in english
    browser_says_english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="it">' in browser_says_english.content.decode()


def test_unknown_page_is_a_styled_italian_404(client, site):
    response = client.get("/non-esiste/affatto/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Pagina non trovata" in html and 'class="deals-banner"' in html


def test_cached_article_fragments_follow_new_revisions_and_skip_previews(client, site):
    from django.contrib.auth import get_user_model

    article = site["article"]
    user = get_user_model().objects.create_user("lettrice", "l@example.org", "pw-12345-xyz")
    client.force_login(user)
    assert "Primo paragrafo" in html_of(client, article.url)
    article.body = [("paragraph", "<p>Paragrafo riscritto.</p>")]
    preview = article.make_preview_request().content.decode()
    assert "Paragrafo riscritto." in preview and "Primo paragrafo" not in preview
    assert "Primo paragrafo" in html_of(client, article.url)
    article.save_revision().publish()
    html = html_of(client, article.url)
    assert "Paragrafo riscritto." in html and "Primo paragrafo" not in html
