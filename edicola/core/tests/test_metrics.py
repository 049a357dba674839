"""/metrics: requests and page-cache lookups counted, what waits read at scrape time, and who
may read them."""

import os
import subprocess
import sys

import pytest
from prometheus_client.parser import text_string_to_metric_families

from edicola.comments.models import Comment
from edicola.comments.tests.factories import make_comment, make_commentable_article
from edicola.core import metrics
from edicola.core.mail import send_mail_task
from edicola.core.models import OutgoingMail
from edicola.deals.models import OutboxMessage

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    """{(metric sample name, frozenset(labels)): value} from /metrics."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_requests_latency_and_page_cache_lookups_are_counted_by_route(client):
    article = make_commentable_article("Lumio X3: la prova della batteria")
    before = scrape(client)

    assert client.get(article.url)["X-Page-Cache"] == "miss"
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    assert client.get("/questa-pagina-non-esiste/").status_code == 404

    after = scrape(client)
    served = {"route": "wagtail_serve", "method": "GET", "status": "200"}
    cached = {"route": "cached-page", "method": "GET", "status": "200"}
    total = "edicola_http_requests_total"
    assert value(after, total, **served) - value(before, total, **served) == 1
    assert value(after, total, **cached) - value(before, total, **cached) == 1
    lookups = "edicola_page_cache_lookups_total"
    assert value(after, lookups, result="hit") - value(before, lookups, result="hit") == 1
    assert value(after, lookups, result="miss") - value(before, lookups, result="miss") == 1
    count = "edicola_http_request_duration_seconds_count"
    assert value(after, count, route="cached-page") - value(before, count, route="cached-page") == 1
    # The first scrape is counted too, under its own route.
    metrics_route = {"route": "metrics", "method": "GET", "status": "200"}
    assert value(after, total, **metrics_route) >= 1


def test_what_waits_is_read_when_scraped(client, settings):
    article = make_commentable_article()
    for _ in range(3):
        make_comment(article, status=Comment.Status.PENDING)
    make_comment(article)
    OutgoingMail.objects.create(to="lettore@example.org", subject="Ciao", body_text="…")
    OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.TELEGRAM_CHANNEL, recipient="@offerte", kind="deal"
    )
    samples = scrape(client)
    assert value(samples, "edicola_comments_awaiting_review") == 3
    assert value(samples, "edicola_mail", status="queued") == 1
    assert value(samples, "edicola_mail", status="sent") == 0
    pending = {"channel": OutboxMessage.Channel.TELEGRAM_CHANNEL, "state": "pending"}
    assert value(samples, "edicola_deals_outbox", **pending) == 1


@pytest.mark.skipif(
    bool(os.environ.get("REDIS_URL")),
    reason="with REDIS_URL tasks queue on RQ; the database queue is counted in the SQLite pass",
)
def test_tasks_waiting_on_the_database_queue_are_counted(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    before = scrape(client)
    # An empty queue is shown as 0, not left out.
    assert ("edicola_tasks_waiting", frozenset({("queue", "default")})) in before
    waiting_before = value(before, "edicola_tasks_waiting", queue="default")
    # Two stored mails waiting for the worker (never run here: nothing works the queue).
    send_mail_task.enqueue(10**9)
    send_mail_task.enqueue(10**9 + 1)
    samples = scrape(client)
    assert value(samples, "edicola_tasks_waiting", queue="default") - waiting_before == 2


def test_only_loopback_or_the_token_may_read_them(client, settings):
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    refused = client.get("/metrics", **outsider)
    assert refused.status_code == 403
    assert b"edicola_" not in refused.content

    settings.METRICS_TOKEN = "un-segreto-lungo"
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="Bearer sbagliato", **outsider).status_code == 403
    )
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION="un-segreto-lungo", **outsider).status_code == 403
    )
    scrape(client, HTTP_AUTHORIZATION="Bearer un-segreto-lungo", **outsider)
    scrape(client, REMOTE_ADDR="::1")


def test_a_failing_reading_hides_only_itself(client, monkeypatch):
    def broken():
        raise RuntimeError("table missing")

    monkeypatch.setitem(
        metrics._states, "edicola_broken", metrics.State("edicola_broken", "Broken.", (), broken)
    )
    samples = scrape(client)
    assert ("edicola_broken", frozenset()) not in samples
    assert ("edicola_comments_awaiting_review", frozenset()) in samples


COUNT_IN_A_PROCESS = """
import django
django.setup()
from django.test import Client
Client().get("/healthz")
"""


def test_processes_add_up_in_multiprocess_mode(tmp_path, settings):
    """`edicola serve` gives its web workers one metrics directory; a scrape sums them."""
    directory = tmp_path / "metrics"
    directory.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edicola.settings",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "EDICOLA_DATA_DIR": str(tmp_path / "data"),
        "SECRET_KEY": "metrics-test",
        "ALLOWED_HOSTS": "*",
    }
    env.pop("DATABASE_URL", None)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", COUNT_IN_A_PROCESS], env=env, check=True, timeout=120)
    scraped = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()\n"
            "from edicola.core.metrics import exposition; print(exposition().decode())",
        ],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scraped)
        for sample in family.samples
    }
    healthz = {"route": "healthz", "method": "GET", "status": "200"}
    assert value(samples, "edicola_http_requests_total", **healthz) == 2
