"""Logs: one access line per request and one line per task, each with its request id; JSON
lines with LOG_FORMAT=json; workers quiet at LOG_LEVEL=WARNING."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.tasks import task

from edicola.comments.tests.factories import make_commentable_article
from edicola.core.management.commands import serve

pytestmark = pytest.mark.django_db

logger = logging.getLogger("edicola.tests.logs")


@task()
def say_something() -> None:
    logger.warning("un avviso dal task")


def access_lines(caplog):
    return [record for record in caplog.records if record.name == "edicola.access"]


def test_every_request_writes_one_access_line_with_its_id(client, caplog):
    article = make_commentable_article("Lumio X3: la prova")
    caplog.set_level(logging.INFO, logger="edicola.access")

    response = client.get(article.url)
    missing = client.get("/non-esiste/")

    first, second = access_lines(caplog)
    assert first.request_id == response["X-Request-ID"] and len(first.request_id) == 32
    assert (first.method, first.path, first.status) == ("GET", article.url, 200)
    assert first.route == "wagtail_serve" and first.page_cache == "miss"
    assert first.network == "127.0.0.0/24"  # a network, as stored everywhere, never the address
    assert "127.0.0.1" not in first.getMessage()
    assert second.status == 404 and second.request_id == missing["X-Request-ID"]
    assert second.request_id != first.request_id


def test_the_proxys_request_id_is_kept_and_a_hostile_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="edicola.access")
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="7f3a9c2e-nginx")
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x" forged\\nline')
    assert kept["X-Request-ID"] == "7f3a9c2e-nginx"
    assert replaced["X-Request-ID"] != 'x" forged\\nline' and replaced["X-Request-ID"].isalnum()
    assert [r.request_id for r in access_lines(caplog)] == [
        "7f3a9c2e-nginx",
        replaced["X-Request-ID"],
    ]


def test_a_task_writes_one_line_and_its_logs_carry_its_id(caplog):
    caplog.set_level(logging.INFO)
    result = say_something.enqueue()

    warning = next(r for r in caplog.records if r.getMessage() == "un avviso dal task")
    assert warning.request_id == str(result.id)
    (done,) = [r for r in caplog.records if r.name == "edicola.tasks"]
    assert done.task.endswith("say_something") and done.status == "SUCCESSFUL"
    assert done.task_id == str(result.id)


JSON_REQUEST = """
import django, logging
django.setup()
from django.test import Client
Client().get("/healthz", HTTP_X_REQUEST_ID="richiesta-0001")
logging.getLogger("edicola.tests").warning("fuori da ogni richiesta")
"""


def test_log_format_json_writes_one_object_per_line(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "edicola.settings",
        "EDICOLA_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "logs-test",
        "ALLOWED_HOSTS": "*",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",  # Python's own warnings are not log lines
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", JSON_REQUEST],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert len(lines) == len(result.stderr.strip().splitlines()), result.stderr
    access, outside = lines
    assert access["logger"] == "edicola.access" and access["level"] == "INFO"
    assert access["request_id"] == "richiesta-0001"
    assert access["status"] == 200 and access["path"] == "/healthz"
    assert outside["message"] == "fuori da ogni richiesta" and outside["request_id"] == "-"


def test_workers_print_their_own_lines_only_when_asked(settings):
    settings.REDIS_URL = ""
    settings.LOG_LEVEL = "WARNING"
    argv = serve.worker_component().argv
    assert argv[argv.index("--verbosity") + 1] == "0"
    settings.LOG_LEVEL = "INFO"
    argv = serve.worker_component().argv
    assert argv[argv.index("--verbosity") + 1] == "1"
