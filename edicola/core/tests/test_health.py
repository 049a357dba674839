"""/healthz (liveness) and /readyz (readiness): the database, the cache and the task queue, with
Redis stopped (a closed port on loopback) and with a real Redis."""

import socket
from contextlib import contextmanager

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@contextmanager
def closed_port():
    """A loopback port bound but not listening: connecting to it is refused, as to a stopped
    Redis, and nobody else can take it while the test runs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def redis_settings(url: str) -> dict:
    """The settings REDIS_URL gives (edicola/settings.py), pointed at `url`."""
    return {
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        },
        "RQ_QUEUES": {"default": {"URL": url, "DEFAULT_TIMEOUT": 60}},
        "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    }


def assert_never_cached(response):
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "X-Page-Cache" not in response


def test_ready_when_database_cache_and_queue_answer(client):
    first = client.get("/readyz", headers={"accept-encoding": "br, gzip"})
    again = client.get("/readyz", headers={"accept-encoding": "br, gzip"})
    for response in (first, again):
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "failed": [],
            "checks": {"database": "ok", "cache": "ok", "queue": "ok"},
        }
        assert_never_cached(response)


def test_not_ready_when_redis_is_stopped_but_still_alive(client):
    with closed_port() as port, override_settings(**redis_settings(f"redis://127.0.0.1:{port}/0")):
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["failed"] == ["cache", "queue"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] != "ok" and body["checks"]["queue"] != "ok"
    assert str(port) not in ready.content.decode(), "no addresses in a public answer"
    assert_never_cached(ready)
    assert alive.status_code == 200 and alive.content == b"ok"
    assert_never_cached(alive)


def test_not_ready_when_the_database_fails(client, monkeypatch):
    from edicola.core import health

    def broken():
        raise health.connection.Database.OperationalError("server closed the connection")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response.json()["checks"]["database"] == "OperationalError"


@pytest.mark.redis
def test_ready_with_a_real_redis(client, settings):
    with override_settings(**redis_settings(settings.REDIS_URL)):
        response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "queue": "ok"}
