"""Hostile or odd input never breaks a page: bad page numbers, huge, strange and SQL-looking
queries give a normal page or a 404, never a server error; unknown addresses get the styled 404.
"""

from urllib.parse import quote

import pytest
from django.utils import translation

from edicola.news.tests.factories import make_article, make_author, make_category, make_site

ODD_VALUES = [
    "abc",
    "99999",
    "-1",
    "0",
    "1.5",
    "1e3",
    "9" * 40,
    "",
    "%00",
    "\u200f\u202e\u0645\u0631\u062d\u0628\u0627",  # RTL marks and Arabic
    "📱🔋😀",
    "' OR 1=1 --",
    '"; DROP TABLE wagtailcore_page; --',
    "<script>alert(1)</script>",
    '"unbalanced',
    "NEAR(telefono",
    "title:telefono OR *",
    "a" * 10_000,
    "\ud800",  # a lone surrogate: not even valid UTF-8 once encoded
]


def encoded(value: str) -> str:
    if value == "%00":
        return value
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture
def small_site(db):
    with translation.override("it"):
        return _small_site()


def _small_site():
    home = make_site("Edicola Prova")
    smartphone = make_category(home, "Smartphone")
    author = make_author(home, "Giulia Rossi")
    articles = [
        make_article(
            smartphone,
            f"Il telefono numero {number} arriva in Italia",
            authors=[author],
            tags=["telefoni"],
        )
        for number in range(3)
    ]
    return {
        "articles": [article.url for article in articles],
        "home": home.url,
        "category": smartphone.url,
        "author": author.url,
        "tag": "/tag/telefoni/",
        "search": "/cerca/?q=telefono",
    }


def join(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


def test_odd_page_numbers_give_a_page_or_not_found(client, small_site):
    failures = []
    for name, path in small_site.items():
        if name == "articles":
            continue
        for value in ODD_VALUES:
            url = join(path, f"page={encoded(value)}")
            status = client.get(url).status_code
            if status not in {200, 404}:
                failures.append(f"{name} {url[:120]} answered {status}")
        # A non-number means the first page; a page past the end does not exist.
        assert client.get(join(path, "page=abc")).status_code == 200, name
        if name != "home":
            assert client.get(join(path, "page=99999")).status_code == 404, name
    assert not failures, "\n".join(failures)


def test_odd_search_queries_give_a_normal_results_page(client, small_site):
    failures = []
    for value in ODD_VALUES + ["telefono " * 2_000, "%25", "%FF%FE", "q=1&q=2"]:
        url = f"/cerca/?q={encoded(value) if value != '%FF%FE' else value}"
        response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{url[:120]} answered {response.status_code}")
            continue
        html = response.content.decode()
        if "<script>alert(1)</script>" in html:
            failures.append(f"{url[:120]} echoed the query unescaped")
    assert not failures, "\n".join(failures)


def test_search_finds_articles_even_after_a_ten_thousand_character_query(client, small_site):
    long_query = "telefono " + "x" * 10_000

    response = client.get("/cerca/", {"q": long_query})

    assert response.status_code == 200
    assert len(response.content) < 200_000, "the page repeats the whole query"
    html = client.get("/cerca/", {"q": "telefono"}).content.decode()
    assert all(f'href="{url}"' in html for url in small_site["articles"])


def test_odd_addresses_are_not_found_never_an_error(client, small_site):
    paths = [
        "/non-esiste/",
        "/smartphone/non-esiste/",
        "/autori/nessuno/",
        "/tag/non-esiste/",
        f"/tag/{quote('📱')}/",
        "/smartphone/%00/",
        "/%E2%80%AE%D9%85/",
        "/" + "a" * 5_000 + "/",
        "/smartphone/' OR 1=1 --/",
        "/feed/categoria/non-esiste/",
        "/feed/autore/nessuno/",
        "/en/non-esiste/",
    ]
    failures = [
        f"{path[:80]} answered {status}"
        for path in paths
        if (status := client.get(path).status_code) != 404
    ]
    assert not failures, "\n".join(failures)


def test_unknown_address_gets_the_styled_italian_not_found_page(client, small_site):
    response = client.get("/questa-pagina-non-esiste/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="it"' in html
    assert "<h1>" in html
    assert 'class="masthead"' in html and 'class="site-footer"' in html
    assert "Edicola Prova" in html, "the site's name is missing from the page chrome"
    assert 'href="/smartphone/"' in html, "the section navigation is missing"
    assert "Page not found" not in html, "the 404 page is not translated into Italian"


def test_unknown_english_address_gets_the_english_not_found_page(client, small_site):
    response = client.get("/en/this-page-does-not-exist/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Page not found" in html
