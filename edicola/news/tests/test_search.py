"""Site search: Italian word forms match, results are highlighted, odd input is harmless."""

from pathlib import Path

import pytest

from edicola.news.models import ArticlePage
from edicola.news.search import highlight, query_terms, stem

from .factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    category = make_category(make_site())
    folding = make_article(
        category,
        "I telefoni pieghevoli arrivano in Italia",
        body=[("paragraph", "<p>Le batterie durano di più con la ricarica rapida.</p>")],
    )
    market = make_article(
        category,
        "Mercato in crescita",
        standfirst="Le vendite del trimestre.",
        body=[("paragraph", "<p>Numeri stabili per il telefono economico.</p>")],
    )
    return folding, market


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pieghevole", {"I telefoni pieghevoli arrivano in Italia"}),
        ("batteria", {"I telefoni pieghevoli arrivano in Italia"}),
        ("vendita", {"Mercato in crescita"}),
        ("economici", {"Mercato in crescita"}),
        ("TELEFONI Pieghevoli", {"I telefoni pieghevoli arrivano in Italia"}),
    ],
)
def test_italian_word_forms_find_the_article(articles, query, expected):
    assert {article.title for article in ArticlePage.objects.matching(query)} == expected


def test_every_word_must_match(articles):
    assert list(ArticlePage.objects.matching("pieghevole vendita")) == []


def test_unpublished_articles_are_not_found(articles):
    articles[1].unpublish()
    assert list(ArticlePage.objects.matching("vendite")) == []


def test_results_page_highlights_matching_words(client, articles):
    html = client.get("/cerca/", {"q": "batteria pieghevole"}).content.decode()
    assert "I telefoni <mark>pieghevoli</mark> arrivano in Italia" in html
    assert "Le <mark>batterie</mark> durano" in html
    assert "1 risultato" in html


def test_highlight_escapes_markup_around_the_marks():
    excerpt = highlight("<script>alert(1)</script> telefono", "telefono")
    assert "<script>" not in excerpt
    assert "&lt;script&gt;" in excerpt and "<mark>telefono</mark>" in excerpt


def test_long_text_is_cut_around_the_first_match():
    text = "parola " * 200 + "telefono " + "altro " * 200
    excerpt = highlight(text, "telefono", max_chars=120)
    assert "<mark>telefono</mark>" in excerpt
    assert len(excerpt) < 200 and excerpt.startswith("…") and excerpt.endswith("…")


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "' OR 1=1 --",
        'telefono"); DROP TABLE wagtailcore_page; --',
        "\u202e\u200f😀 \x00 telefono",
        "NEAR(telefono mercato) AND * OR ^",
        "{title} : telefono",
        "   ",
    ],
)
def test_hostile_or_odd_queries_give_a_normal_page(client, articles, query):
    response = client.get("/cerca/", {"q": query})
    assert response.status_code == 200
    assert "search-form" in response.content.decode()


def test_query_is_bounded_in_length_and_terms():
    assert len(query_terms("parola " * 5000)) == 1
    assert len(query_terms(" ".join(f"t{i}" for i in range(100)))) == 12


def test_bad_page_numbers(client, articles):
    assert client.get("/cerca/", {"q": "telefono", "page": "abc"}).status_code == 200
    assert client.get("/cerca/", {"q": "telefono", "page": "99999"}).status_code == 404


def test_empty_search_shows_the_form_only(client, articles):
    html = client.get("/cerca/").content.decode()
    assert 'id="search-q"' in html and "search-results" not in html


PAIRS = Path(__file__).resolve().parents[3] / "bench" / "italian_pairs.txt"


def test_italian_singular_and_plural_share_a_stem_in_at_least_95_percent_of_pairs():
    lines = PAIRS.read_text(encoding="utf-8").splitlines()
    pairs = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    assert len(pairs) == 200
    missed = [(one, many) for one, many in pairs if stem(one) != stem(many)]
    assert 1 - len(missed) / len(pairs) >= 0.95, missed


@pytest.mark.parametrize(
    ("written", "searched"),
    [
        ("fotocamera", "fotocamere"),
        ("fotocamere", "fotocamera"),
        ("telefono", "telefoni"),
        ("telefoni", "telefono"),
        ("tastiere", "tastiera"),
    ],
)
def test_searching_one_word_form_finds_an_article_with_the_other(client, written, searched):
    category = make_category(make_site())
    make_article(
        category,
        "Prova sul campo",
        standfirst="Una settimana in tasca.",
        body=[("paragraph", f"<p>La {written} sorprende di notte.</p>")],
    )
    make_article(category, "Altro argomento", body=[("paragraph", "<p>Solo prezzi.</p>")])
    assert [a.title for a in ArticlePage.objects.matching(searched)] == ["Prova sul campo"]
    html = client.get("/cerca/", {"q": searched}).content.decode()
    assert f"<mark>{written}</mark>" in html


def test_excerpt_is_escaped_exactly_once_and_keeps_its_marks(client):
    make_article(
        make_category(make_site()),
        "Sconti & rimborsi",
        standfirst="Cosa cambia.",
        body=[
            (
                "paragraph",
                "<p>Il rimborso dall&#x27;acquisto vale per R&amp;D e per "
                "&lt;script&gt;alert(1)&lt;/script&gt; in vetrina.</p>",
            )
        ],
    )
    query = "acquisto' <script>alert"
    html = client.get("/cerca/", {"q": query}).content.decode()
    excerpt = html.split('<ol class="search-results">', 1)[1].split("</ol>", 1)[0]
    # An apostrophe, an ampersand and markup in the text each come out escaped once.
    assert "dall&#x27;<mark>acquisto</mark>" in excerpt
    assert "R&amp;D" in excerpt and "&amp;#x27;" not in excerpt and "&amp;amp;" not in excerpt
    assert "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt;" in excerpt
    assert "<script>" not in excerpt
    # The hostile query is echoed as text, never as markup.
    assert "<script>alert(" not in html
