"""The page cache and the discussion: article pages stay cached with comments, and a change a
reader could see retires exactly that article's pages (both languages, every query string)."""

import pytest
from django.urls import reverse

from edicola.comments import moderation, reactions, services, stamps
from edicola.comments.tests.factories import guest, make_comment, make_commentable_article
from edicola.comments.views import discussion as views
from edicola.core import pagecache
from edicola.news.tests.factories import make_article

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none"}


@pytest.fixture
def article():
    return make_commentable_article("Il telefono pieghevole")


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what services queue for after the commit (the discussion_changed signal)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def other(article):
    return make_article(article.get_parent().specific, "Un altro articolo")


def cached(client, url) -> bool:
    client.get(url)
    return client.get(url)["X-Page-Cache"] == "hit"


def status(client, url) -> str:
    return client.get(url)["X-Page-Cache"]


def test_article_with_comments_comes_from_the_cache(client, article):
    make_comment(article, "Già presente")
    assert cached(client, article.url)


def test_new_comment_retires_only_that_article(client, article, other, commit):
    other_url = other.url  # .url follows the active language, which requests change
    urls = [article.url, f"{article.url}?commenti=tutti", "/en" + article.url]
    for url in [*urls, other_url, "/"]:
        assert cached(client, url)
    with commit():
        services.submit_comment(
            article,
            services.CommentInput(body="Nuovo commento", name="Ada", email="ada@example.org"),
            client=guest(),
        )
    for url in urls:
        assert status(client, url) == "miss", url
    assert "Nuovo commento" in client.get(urls[0]).content.decode()
    assert status(client, other_url) == "hit"
    assert status(client, "/") == "hit"


def test_held_comment_does_not_retire_the_page(client, article, settings, commit):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    assert cached(client, article.url)
    with commit():
        services.submit_comment(
            article,
            services.CommentInput(body="In attesa", name="Ada", email="ada@example.org"),
            client=guest(),
        )
    assert status(client, article.url) == "hit"


def test_approval_and_votes_retire_the_page(client, article, commit):
    from edicola.comments.models import Comment

    held = make_comment(article, "Da approvare", status=Comment.Status.PENDING)
    assert cached(client, article.url)
    with commit():
        moderation.moderate([held], "approve", actor=None)
    assert "Da approvare" in client.get(article.url).content.decode()
    assert cached(client, article.url)
    held.refresh_from_db()
    with commit():
        reactions.vote(held, 1, client=guest())
    assert status(client, article.url) == "miss"


def test_sort_cookie_selects_its_own_cached_variant(client, article):
    make_comment(article, "Uno")
    assert cached(client, article.url)
    client.cookies[views.SORT_COOKIE] = "votes"
    assert status(client, article.url) == "miss"
    assert status(client, article.url) == "hit"
    client.cookies[views.SORT_COOKIE] = "anything-else"
    assert status(client, article.url) == "hit"  # unknown values share the default copy


def test_reader_with_an_edit_token_bypasses_the_cache(client, article):
    stamp = stamps.issue(stamps.form_for(article.pk), now=stamps.clock() - 60)
    assert cached(client, article.url)
    response = client.post(
        reverse("comments:post", args=[article.pk]),
        {
            "body": "Il mio commento",
            "name": "Ada",
            "email": "ada@example.org",
            "consent": "1",
            "stamp": stamp,
        },
        **SAME_ORIGIN,
    )
    assert response.status_code == 303
    page = client.get(article.url)
    assert "X-Page-Cache" not in page
    assert 'class="comment-edit"' in page.content.decode()
    client.cookies.clear()
    assert cached(client, article.url)
    assert 'class="comment-edit"' not in client.get(article.url).content.decode()


def test_path_stamps_are_files_every_process_sees(settings, tmp_path, article):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.DATA_DIR = tmp_path
    pagecache.invalidate_page(article)
    assert list((tmp_path / "pagecache").glob("*.stamp"))


def test_language_prefix_is_ignored_for_path_stamps():
    assert pagecache.neutral_path("/en/smartphone/x/") == "/smartphone/x/"
    assert pagecache.neutral_path("/smartphone/x/") == "/smartphone/x/"


@pytest.mark.redis
def test_path_stamps_live_in_redis_when_the_cache_is_shared(client, article):
    from django.core.cache import cache

    assert not pagecache._process_local()
    assert cached(client, article.url)
    pagecache.invalidate_page(article)
    keys = [key for key in cache._cache.get_client().keys("*pagecache:path:*")]
    assert keys
    assert status(client, article.url) == "miss"


def test_the_shared_section_is_reused_until_the_discussion_changes(client, article, commit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_comment(article, "Primo commento")
    client.get(article.url + "?visita=1")  # renders and keeps the shared section
    with CaptureQueriesContext(connection) as queries:
        html = client.get(article.url + "?visita=2").content.decode()
    assert "Primo commento" in html
    assert not [q for q in queries.captured_queries if "comments_comment" in q["sql"]]

    with commit():
        services.submit_comment(
            article,
            services.CommentInput(body="Secondo commento", name="Ada", email="ada@example.org"),
            client=guest(),
        )
    assert "Secondo commento" in client.get(article.url + "?visita=3").content.decode()
