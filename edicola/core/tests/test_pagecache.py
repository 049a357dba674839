"""The anonymous page cache: readers get stored pages, publishing retires them, nobody's
personal page is ever shared."""

import pytest
from django.contrib.auth import get_user_model

from edicola.core import pagecache
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def category():
    return make_category(make_site())


def test_second_anonymous_view_comes_from_the_cache(client, category):
    article = make_article(category, "Primo titolo")
    first = client.get(article.url)
    second = client.get(article.url)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_publishing_retires_cached_listings(client, category):
    make_article(category, "Primo titolo")
    assert "Primo titolo" in client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"
    make_article(category, "Notizia appena uscita")
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "Notizia appena uscita" in response.content.decode()


def test_editing_a_published_article_shows_the_new_title(client, category):
    article = make_article(category, "Titolo vecchio")
    client.get(article.url)
    article.title = "Titolo corretto"
    article.save_revision().publish()
    assert "Titolo corretto" in client.get(article.url).content.decode()


def test_unpublishing_removes_the_cached_page(client, category):
    article = make_article(category, "Da ritirare")
    assert client.get(article.url).status_code == 200
    article.unpublish()
    assert client.get(article.url).status_code == 404


def test_logged_in_readers_are_never_served_or_stored(client, category):
    article = make_article(category)
    user = get_user_model().objects.create_user("lettore", "l@example.org", "pw-12345-xyz")
    client.force_login(user)
    assert "X-Page-Cache" not in client.get(article.url)
    assert "X-Page-Cache" not in client.get(article.url)
    client.logout()
    assert client.get(article.url)["X-Page-Cache"] == "miss"


def test_responses_that_set_cookies_are_not_stored(client, category, rf):
    def view_setting_cookie(request):
        from django.http import HttpResponse

        response = HttpResponse("per-reader")
        response.set_cookie("csrftoken", "abc")
        return response

    middleware = pagecache.PageCacheMiddleware(view_setting_cookie)
    middleware(rf.get("/con-cookie/"))
    assert middleware(rf.get("/con-cookie/")).get("X-Page-Cache") is None


def test_search_errors_and_posts_are_not_cached(client, category):
    make_article(category)
    client.get("/cerca/?q=telefono")
    assert "X-Page-Cache" not in client.get("/cerca/?q=telefono")
    client.get("/non-esiste/")
    assert "X-Page-Cache" not in client.get("/non-esiste/")


def test_query_strings_are_cached_separately(client, category):
    for number in range(13):
        make_article(category, f"Articolo {number}")
    first = client.get(category.url)
    second = client.get(category.url + "?page=2")
    assert second["X-Page-Cache"] == "miss"
    assert first.content != second.content


def test_generation_is_shared_through_a_stamp_file_for_the_in_process_cache(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DATA_DIR = tmp_path
    before = pagecache.generation()
    pagecache.invalidate_all()
    assert (tmp_path / "pagecache.stamp").exists()
    assert pagecache.generation() != before


@pytest.mark.redis
def test_generation_lives_in_redis_when_the_cache_is_shared(settings):
    from django.core.cache import cache

    assert not pagecache._process_local()
    before = pagecache.generation()
    pagecache.invalidate_all()
    assert int(pagecache.generation()) == int(before) + 1
    assert cache.get(pagecache.GENERATION_KEY) == int(before) + 1
