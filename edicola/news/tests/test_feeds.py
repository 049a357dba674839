"""RSS and Atom feeds as feed readers see them: parsed by feedparser, checked item by item."""

import calendar
from datetime import timedelta
from types import SimpleNamespace

import feedparser
import pytest

from edicola.news import feeds
from edicola.news.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_image,
    make_site,
)

BASE_URL = "https://www.edicola.test"


@pytest.fixture
def news(db, settings):
    settings.BASE_URL = BASE_URL
    home = make_site("Edicola Prova")
    phones = make_category(home, "Smartphone")
    market = make_category(home, "Mercato")
    giulia = make_author(home, "Giulia Rossi")
    marco = make_author(home, "Marco Bianchi")
    body_picture = make_image("Il retro del telefono", (1600, 1200))
    older = make_article(
        market,
        "Il mercato dei telefoni rallenta",
        authors=[marco],
        published_ago=timedelta(days=2),
        standfirst="Le vendite calano per il terzo trimestre.",
    )
    newest = make_article(
        phones,
        "Il nuovo telefono «costerà meno»",
        authors=[giulia, marco],
        hero_image=make_image("Il telefono di fronte", (2000, 1500)),
        standfirst="La casa conferma prezzo e data di uscita.",
        tags=["prezzi", "lanci"],
        body=[
            ("paragraph", "<p>Il prezzo scende di <b>cento euro</b>.</p>"),
            ("heading", {"text": "PREZZO E DISPONIBILITÀ", "level": "h2"}),
            ("quote", {"quote": "Lo volevamo per tutti.", "attribution": "La portavoce"}),
            (
                "image",
                {"image": body_picture, "alt": "Il retro", "caption": "Retro", "credit": "Foto"},
            ),
            (
                "embed",
                {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": "Il video"},
            ),
            ("paragraph", '<p>Sarà nei negozi a maggio.</p><script>alert("x")</script>'),
            ("related", {"title": "Leggi anche", "articles": [older]}),
        ],
    )
    return SimpleNamespace(
        home=home, phones=phones, market=market, giulia=giulia, marco=marco,
        newest=newest, older=older,
    )  # fmt: skip


def parse(client, path: str, **headers):
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return response, parsed


def test_site_feed_is_valid_rss_with_every_article_newest_first(client, news):
    response, parsed = parse(client, "/feed/")

    assert response["Content-Type"].startswith("application/rss+xml")
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Edicola Prova"
    assert parsed.feed.link == BASE_URL + "/"
    assert parsed.feed.language == "it"
    assert [entry.title for entry in parsed.entries] == [news.newest.title, news.older.title]
    assert [entry.link for entry in parsed.entries] == [
        BASE_URL + news.newest.url,
        BASE_URL + news.older.url,
    ]
    assert parsed.entries[0].id == BASE_URL + news.newest.url


def test_feed_item_has_dates_authors_categories_and_excerpt(client, news):
    _, parsed = parse(client, "/feed/")
    entry = parsed.entries[0]

    published = calendar.timegm(entry.published_parsed)
    assert published == int(news.newest.date_published.timestamp())
    assert [author.name for author in entry.authors] == ["Giulia Rossi", "Marco Bianchi"]
    assert {tag.term for tag in entry.tags} == {"Smartphone", "prezzi", "lanci"}
    assert entry.summary == "La casa conferma prezzo e data di uscita."


def test_feed_item_carries_the_whole_body_with_absolute_urls_and_no_script(client, news):
    _, parsed = parse(client, "/feed/")
    content = parsed.entries[0].content[0]

    assert content.type == "text/html"
    html = content.value
    assert "Il prezzo scende di <b>cento euro</b>." in html
    assert "<h2>PREZZO E DISPONIBILITÀ</h2>" in html
    assert "Lo volevamo per tutti." in html and "La portavoce" in html
    assert 'src="' + BASE_URL + "/media/images/" in html
    assert 'alt="Il retro"' in html
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in html
    assert "Sarà nei negozi a maggio." in html
    assert 'href="' + BASE_URL + news.older.url + '"' in html
    assert "<script" not in html and "alert" not in html
    assert 'src="/' not in html and 'href="/' not in html


def test_feed_item_hero_image_is_media_content(client, news):
    response, parsed = parse(client, "/feed/")

    assert b'xmlns:media="http://search.yahoo.com/mrss/"' in response.content
    assert b'xmlns:content="http://purl.org/rss/1.0/modules/content/"' in response.content
    [media] = parsed.entries[0].media_content
    assert media["url"].startswith(BASE_URL + "/media/images/")
    assert media["url"].endswith(".jpg")
    assert (media["width"], media["height"]) == ("1200", "675")
    assert media["medium"] == "image"
    assert media["type"] == "image/jpeg"
    assert "media_content" not in parsed.entries[1]


def test_atom_feed_has_full_content_authors_and_image(client, news):
    response, parsed = parse(client, "/feed/atom/")

    assert response["Content-Type"].startswith("application/atom+xml")
    assert parsed.version == "atom10"
    entry = parsed.entries[0]
    assert entry.link == BASE_URL + news.newest.url
    assert entry.published_parsed is not None and entry.updated_parsed is not None
    assert [author.name for author in entry.authors] == ["Giulia Rossi", "Marco Bianchi"]
    assert entry.authors[0].href == BASE_URL + news.giulia.url
    assert "Il prezzo scende di <b>cento euro</b>." in entry.content[0].value
    assert entry.summary == "La casa conferma prezzo e data di uscita."
    assert entry.media_content[0]["width"] == "1200"


def test_category_feed_lists_only_that_category(client, news):
    _, parsed = parse(client, f"/feed/categoria/{news.market.slug}/")

    assert parsed.feed.title == "Mercato · Edicola Prova"
    assert parsed.feed.link == BASE_URL + news.market.url
    assert [entry.title for entry in parsed.entries] == [news.older.title]


def test_author_feed_lists_only_that_authors_articles(client, news):
    _, giulia = parse(client, f"/feed/autore/{news.giulia.slug}/")
    _, marco = parse(client, f"/feed/autore/{news.marco.slug}/")

    assert [entry.title for entry in giulia.entries] == [news.newest.title]
    assert [entry.title for entry in marco.entries] == [news.newest.title, news.older.title]
    assert giulia.feed.link == BASE_URL + news.giulia.url


def test_unknown_category_or_author_feed_is_404(client, news):
    assert client.get("/feed/categoria/non-esiste/").status_code == 404
    assert client.get("/feed/autore/nessuno/").status_code == 404
    # An author's slug is not a category.
    assert client.get(f"/feed/categoria/{news.giulia.slug}/").status_code == 404


def test_unpublished_articles_stay_out_of_the_feed(client, news):
    news.older.unpublish()

    _, parsed = parse(client, "/feed/")

    assert [entry.title for entry in parsed.entries] == [news.newest.title]


def test_feed_lists_only_the_newest_items(client, news, monkeypatch):
    make_article(news.phones, "Il più recente", authors=[news.giulia], published_ago=timedelta(0))
    monkeypatch.setattr(feeds, "FEED_LENGTH", 2)

    _, parsed = parse(client, "/feed/")

    assert [entry.title for entry in parsed.entries] == ["Il più recente", news.newest.title]


def test_feed_links_are_italian_whatever_the_reader_language(client, news):
    _, parsed = parse(client, "/feed/", HTTP_ACCEPT_LANGUAGE="en")

    assert parsed.feed.language == "it"
    assert parsed.entries[0].link == BASE_URL + news.newest.url
    assert "/en/" not in parsed.entries[0].link
