"""The CDN in front of the site hears about every page that changed, in Cloudflare's purge_cache
wire format, from a fake CDN on loopback that answers as the real one does, errors included."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from edicola.core import cdn
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


class FakeCDN:
    """Records purge requests; `answers` is a queue of (status, body) to give before succeeding."""

    def __init__(self):
        self.requests: list[tuple[str, dict]] = []
        self.answers: list[tuple[int, dict | str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((self.headers.get("Authorization", ""), body))
                status, answer = (
                    fake.answers.pop(0)
                    if fake.answers
                    else (200, {"success": True, "errors": [], "messages": [], "result": {}})
                )
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/client/v4/zones/z1/purge_cache"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_cdn(settings):
    fake = FakeCDN()
    settings.CDN_PURGE_URL = fake.url
    settings.CDN_PURGE_TOKEN = "cdn-token"
    settings.BASE_URL = "https://news.example.org"
    yield fake
    fake.close()


@pytest.fixture
def deferred_tasks(settings):
    """A task backend that keeps deferred tasks, to read the retry schedule."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    backend = cdn.purge_task.get_backend()
    yield backend
    backend.clear()


def test_publishing_purges_the_whole_site_with_the_token(
    fake_cdn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_article(make_category(make_site()), "Una notizia nuova")
    assert fake_cdn.requests
    assert all(auth == "Bearer cdn-token" for auth, _ in fake_cdn.requests)
    assert {"purge_everything": True} in [body for _, body in fake_cdn.requests]


def test_a_changed_page_is_purged_in_every_language(fake_cdn, django_capture_on_commit_callbacks):
    from edicola.core import pagecache

    with django_capture_on_commit_callbacks(execute=True):
        pagecache.invalidate_path("/en/smartphone/pioggia/")
    assert fake_cdn.requests[-1][1] == {
        "files": [
            "https://news.example.org/smartphone/pioggia/",
            "https://news.example.org/en/smartphone/pioggia/",
        ]
    }


def test_a_changed_discussion_purges_its_article(fake_cdn, django_capture_on_commit_callbacks):
    from edicola.comments.signals import announce_changed

    article = make_article(make_category(make_site()), "Discussione accesa")
    with django_capture_on_commit_callbacks(execute=True):
        announce_changed(article)
    purged = [url for _, body in fake_cdn.requests for url in body.get("files", [])]
    assert f"https://news.example.org{article.url}" in purged


def test_nothing_is_sent_without_a_purge_url(settings, django_capture_on_commit_callbacks):
    settings.CDN_PURGE_URL = ""
    fake = FakeCDN()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_article(make_category(make_site()), "Nessuna CDN")
        assert fake.requests == []
    finally:
        fake.close()


def test_a_cdn_error_is_retried_later_with_backoff(fake_cdn, deferred_tasks):
    fake_cdn.answers = [(503, {"success": False, "errors": [{"code": 10000, "message": "busy"}]})]
    before = timezone.now()
    assert cdn.purge(["https://news.example.org/a/"], 1) == "retrying"
    retry = deferred_tasks.results[-1]
    assert retry.args == [["https://news.example.org/a/"], 2]
    assert before + timedelta(seconds=10) <= retry.task.run_after
    assert retry.task.run_after <= timezone.now() + timedelta(seconds=10)
    assert cdn.purge(*retry.args) == "purged"


def test_a_throttled_purge_is_retried(fake_cdn, deferred_tasks):
    fake_cdn.answers = [(429, {"success": False, "errors": [{"code": 971, "message": "slow"}]})]
    assert cdn.purge([], 1) == "retrying"


def test_a_refused_purge_is_not_retried(fake_cdn, deferred_tasks, caplog):
    fake_cdn.answers = [(400, {"success": False, "errors": [{"code": 1012, "message": "bad"}]})]
    assert cdn.purge(["https://news.example.org/a/"], 1) == "failed"
    assert deferred_tasks.results == []
    assert "CDN purge failed" in caplog.text


def test_a_success_status_without_success_is_not_taken_for_done(fake_cdn, deferred_tasks):
    fake_cdn.answers = [(200, "<html>proxy error page</html>")]
    assert cdn.purge([], 1) == "failed"


def test_an_unreachable_cdn_is_retried_until_the_tries_run_out(settings, deferred_tasks):
    fake = FakeCDN()
    settings.CDN_PURGE_URL = fake.url
    fake.close()  # nothing listens there any more
    assert cdn.purge([], 1) == "retrying"
    assert cdn.purge([], cdn.PURGES.max_attempts) == "failed"
