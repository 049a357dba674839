"""Compressed pages and the caching headers a browser or a CDN needs: what a reader's browser
downloads is brotli or gzip when it says so, the same page when decoded, and a page it already
holds costs a 304."""

import gzip

import brotli
import pytest

from edicola.core.compression import accepted_encoding
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_article(make_category(make_site()), "Il telefono che si piega e non si rompe")


def decoded(response) -> bytes:
    encoding = response.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.content)
    if encoding == "gzip":
        return gzip.decompress(response.content)
    assert encoding is None
    return response.content


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0.5, br;q=0.1", "br"),
        ("*", "br"),
        ("identity", None),
        ("", None),
        ("gzip;q=nonsense, br;q=0", None),
        ("GZIP", "gzip"),
    ],
)
def test_the_encoding_follows_accept_encoding(header, expected):
    assert accepted_encoding(header) == expected


def test_article_is_sent_with_brotli_and_decodes_to_the_same_page(client, article):
    plain = client.get(article.url)
    assert "Content-Encoding" not in plain
    for expected in ("miss", "hit"):
        response = client.get(article.url, headers={"accept-encoding": "gzip, deflate, br"})
        assert response["X-Page-Cache"] in {expected, "hit"}
        assert response["Content-Encoding"] == "br"
        assert "Accept-Encoding" in response["Vary"]
        assert decoded(response) == plain.content
        assert len(response.content) < len(plain.content) / 3
        assert int(response["Content-Length"]) == len(response.content)


def test_a_browser_without_brotli_gets_gzip(client, article):
    response = client.get(article.url, headers={"accept-encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert b"Il telefono che si piega" in decoded(response)


def test_a_browser_holding_the_page_gets_304_without_a_body(client, article):
    first = client.get(article.url, headers={"accept-encoding": "br"})
    etag = first["ETag"]
    again = client.get(article.url, headers={"if-none-match": etag, "accept-encoding": "br"})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    other = client.get(article.url, headers={"if-none-match": '"something-else"'})
    assert other.status_code == 200


def test_an_edited_article_gets_a_new_etag(client, article):
    etag = client.get(article.url)["ETag"]
    article.title = "Il telefono che si piega, corretto"
    article.save_revision().publish()
    response = client.get(article.url, headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_anonymous_pages_may_be_kept_by_a_cdn_for_cdn_max_age(client, article, settings):
    settings.CDN_MAX_AGE = 120
    response = client.get(article.url)
    assert response["Cache-Control"] == "public, max-age=0, must-revalidate, s-maxage=120"


def test_a_page_chosen_by_the_readers_sort_cookie_is_private(client, article):
    from edicola.comments.readers import SORT_COOKIE

    client.cookies[SORT_COOKIE] = "newest"
    response = client.get(article.url)
    assert response["Cache-Control"].startswith("private")


def test_a_page_with_a_csrf_token_is_gzip_padded_never_brotli(client, db):
    response = client.get("/account/accedi/", headers={"accept-encoding": "br, gzip"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert b"csrfmiddlewaretoken" in decoded(response)


@pytest.mark.parametrize("path", ["/feed/", "/sitemap.xml", "/api/commenti/openapi.json"])
def test_feeds_sitemaps_and_json_are_compressed(client, article, path):
    response = client.get(path, headers={"accept-encoding": "br"})
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert len(decoded(response)) > len(response.content)


def test_a_tiny_response_is_left_alone(client, db):
    response = client.get("/healthz", headers={"accept-encoding": "br"})
    assert "Content-Encoding" not in response
