"""`edicola serve` as real processes: it answers readers, stops cleanly, publishes on schedule and
runs background tasks.

Each test starts `edicola serve` on a free loopback port against a SQLite file in a temporary data
directory (migrated and seeded once per module through `edicola migrate` and `edicola shell`),
because pytest-django's test database is invisible to other processes. Marked `serve`.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.utils import translation

pytestmark = pytest.mark.serve

START_SECONDS = 90  # cold imports of Django + Wagtail are slow on a busy 2-core machine
STOP_SECONDS = 20  # serve waits up to 10 s for its children, then kills them

SEED = """
from edicola.news.tests.factories import make_article, make_author, make_category, make_site

home = make_site("Edicola Serve")
category = make_category(home, "Smartphone")
author = make_author(home, "Giulia Rossi")
make_article(category, "Il telefono che resiste alla pioggia", authors=[author], slug="pioggia")
"""


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "S3_BUCKET", "DEBUG"}
    }
    env.update(
        EDICOLA_DATA_DIR=str(data_dir),
        SECRET_KEY="serve-test-secret-key-not-for-production-0123456789",
        HTTPS="0",
        CLOCK_SECONDS="1",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="edicola.settings",
    )
    env.update(extra)
    return env


def edicola(data_dir: Path, *args: str, timeout: float = 180, **env: str) -> str:
    """Run an `edicola` command against the data directory and return its output."""
    result = subprocess.run(
        [sys.executable, "-m", "edicola.cli", *args],
        env=_env(data_dir, **env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"edicola {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def python_in_site(data_dir: Path, code: str, **env: str) -> dict:
    """Run a snippet through `edicola shell`; it prints one JSON line, which is returned."""
    output = edicola(data_dir, "shell", "--no-imports", "-c", textwrap.dedent(code), **env)
    return json.loads(output.strip().splitlines()[-1])


def in_site_language(message: str, **params) -> str:
    """What serve prints for `message`, in the language its commands run in (LANGUAGE_CODE)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message) % params if params else translation.gettext(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 10) -> tuple[int, Message, str]:
    """Status, headers (case-insensitive) and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


def process_table() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, state) for every process, read from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> set[int]:
    table = process_table()
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, (parent, _) in table.items() if parent in frontier}
        found |= frontier
    return found


def alive(pid: int) -> bool:
    state = process_table().get(pid)
    return state is not None and state[1] != "Z"


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class Serve:
    """A running `edicola serve` and where to reach it."""

    def __init__(self, data_dir: Path, log_path: Path, **env: str):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edicola.cli", "serve", "--port", str(self.port)]
            + ["--workers", "1", "--threads", "2"],
            env=_env(data_dir, **env),
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"serve exited while starting:\n{self.log()}"
            try:
                if fetch(f"{self.base_url}/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        pytest.fail(f"serve did not answer /healthz within {START_SECONDS} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("serve-data")
    edicola(path, "migrate", "--no-input", "-v0", timeout=300)
    edicola(path, "collectstatic", "--no-input", "-v0")
    edicola(path, "shell", "--no-imports", "-c", SEED)
    return path


@pytest.fixture(scope="module")
def serve(data_dir, tmp_path_factory):
    running = Serve(data_dir, tmp_path_factory.mktemp("serve-log") / "serve.log")
    try:
        running.wait_until_ready()
        yield running
    finally:
        running.stop()


def test_serve_answers_readers_and_ctrl_c_stops_every_process(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path / "serve.log")
    try:
        serve.wait_until_ready()
        status, _, html = fetch(f"{serve.base_url}/smartphone/pioggia/")
        assert status == 200
        assert "Il telefono che resiste alla pioggia" in html

        # The stylesheet the page links to comes straight from the static directory.
        stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        status, headers, css = fetch(f"{serve.base_url}{stylesheet}")
        assert status == 200
        assert headers["content-type"].startswith("text/css") and css

        log = serve.log()
        assert f"web: http://127.0.0.1:{serve.port} (granian" in log
        assert "tasks: " in log and "clock: " in log

        children = descendants(serve.process.pid)
        commands = " | ".join(command_line(pid) for pid in children)
        assert "granian" in commands and "db_worker" in commands and " clock" in commands
        assert len(children) >= 4, commands  # granian's master and worker, tasks, clock

        serve.process.send_signal(signal.SIGINT)
        assert serve.process.wait(timeout=STOP_SECONDS) == 0, serve.log()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [command_line(pid) for pid in children if alive(pid)]
        assert not left, f"still running after serve stopped: {left}"
        assert in_site_language("Stopped.") in serve.log()
    finally:
        serve.stop()


def test_a_child_that_dies_stops_serve_with_an_error(data_dir, tmp_path):
    serve = Serve(data_dir, tmp_path / "serve.log")
    try:
        serve.wait_until_ready()
        children = descendants(serve.process.pid)
        (clock,) = [pid for pid in children if command_line(pid).endswith(" clock ")]
        os.kill(clock, signal.SIGKILL)

        assert serve.process.wait(timeout=STOP_SECONDS) != 0
        assert (
            in_site_language(
                "%(name)s stopped unexpectedly (exit status %(code)s); stopped the others.",
                name="clock",
                code="-9 (SIGKILL)",
            )
            in serve.log()
        )
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [command_line(pid) for pid in children if alive(pid)]
    finally:
        serve.stop()


def test_scheduled_article_goes_live_on_time_without_anyone_running_a_command(serve, data_dir):
    section = f"{serve.base_url}/smartphone/"
    fetch(section)  # the section page is now in the anonymous page cache
    assert fetch(section)[1].get("X-Page-Cache") == "hit"

    scheduled = python_in_site(
        data_dir,
        """
        import json
        from datetime import timedelta
        from django.utils import timezone
        from edicola.news.models import ArticlePage, CategoryPage

        category = CategoryPage.objects.get(slug="smartphone")
        article = ArticlePage(
            title="Il telefono annunciato domani",
            slug="annunciato-domani",
            standfirst="Arriva a un'ora precisa.",
            body=[("paragraph", "<p>Testo.</p>")],
            go_live_at=timezone.now() + timedelta(seconds=4),
            live=False,
        )
        category.add_child(instance=article)
        article.save_revision().publish()
        article.refresh_from_db()
        print(json.dumps({
            "live": article.live,
            "go_live_at": article.go_live_at.timestamp(),
            "path": article.url,
        }))
        """,
    )
    assert scheduled["live"] is False
    url = f"{serve.base_url}{scheduled['path']}"

    deadline = scheduled["go_live_at"] + 20
    while time.time() < deadline:
        status, _, html = fetch(url)
        if status == 200:
            break
        assert status == 404, html[:500]
        time.sleep(0.25)
    else:
        pytest.fail(f"the scheduled article was not live 20 s after its time:\n{serve.log()}")
    assert time.time() >= scheduled["go_live_at"], "published before its go-live time"
    assert "Il telefono annunciato domani" in html
    # Publishing by the clock retired the cached section page too.
    assert "Il telefono annunciato domani" in fetch(section)[2]


DELETE_AN_IMAGE = """
import json
from django.conf import settings
from edicola.news.tests.factories import make_image

image = make_image("Da cancellare", size=(40, 30))
path = str(settings.MEDIA_ROOT / image.file.name)
image.delete()
print(json.dumps({"path": path}))
"""


def wait_until_gone(path: str, serve: Serve) -> None:
    deadline = time.monotonic() + 20
    while Path(path).exists() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not Path(path).exists(), f"the worker never deleted the file:\n{serve.log()}"


def test_background_task_runs_under_serve_worker(serve, data_dir):
    # Deleting an image queues the removal of its file as a background task (Wagtail's
    # delete_file_from_storage_task), which only a running worker carries out.
    queued = python_in_site(data_dir, DELETE_AN_IMAGE)
    wait_until_gone(queued["path"], serve)

    results = python_in_site(
        data_dir,
        """
        import json
        from django_tasks_db.models import DBTaskResult

        results = DBTaskResult.objects.filter(
            task_path="wagtail.tasks.delete_file_from_storage_task"
        )
        print(json.dumps([[r.status, r.worker_ids] for r in results]))
        """,
    )
    assert len(results) == 1
    status, worker_ids = results[0]
    assert status == "SUCCESSFUL"
    assert worker_ids, "no worker recorded as having run the task"


@pytest.mark.redis
def test_with_redis_serve_runs_an_rq_worker_that_carries_out_tasks(data_dir, tmp_path):
    # A Redis database of its own, so the worker only sees the jobs of this test.
    redis_url = urlsplit(settings.REDIS_URL)._replace(path="/15").geturl()
    serve = Serve(data_dir, tmp_path / "serve.log", REDIS_URL=redis_url)
    try:
        serve.wait_until_ready()
        commands = " | ".join(command_line(pid) for pid in descendants(serve.process.pid))
        assert "rqworker" in commands and "db_worker" not in commands

        queued = python_in_site(data_dir, DELETE_AN_IMAGE, REDIS_URL=redis_url)
        wait_until_gone(queued["path"], serve)
    finally:
        serve.stop()
        redis.Redis.from_url(redis_url).flushdb()


DELETE_AN_IMAGE_LATER = """
import json
from datetime import timedelta
from django.conf import settings
from django.utils import timezone
from wagtail.tasks import delete_file_from_storage_task
from edicola.news.tests.factories import make_image

image = make_image("Da cancellare fra poco", size=(40, 30))
path = str(settings.MEDIA_ROOT / image.file.name)
due = timezone.now() + timedelta(seconds=2)
result = delete_file_from_storage_task.using(run_after=due).enqueue(
    image.file.storage.deconstruct(), image.file.name
)
print(json.dumps({"path": path, "id": result.id}))
"""


@pytest.mark.redis
def test_with_redis_a_delayed_task_runs_once_it_is_due(data_dir, tmp_path):
    """A job enqueued with run_after (a mail retry, a CDN purge) waits in RQ's scheduled
    registry; only a worker started with its scheduler moves it to the queue when due."""
    redis_url = settings.REDIS_URL
    serve = Serve(data_dir, tmp_path / "serve.log", REDIS_URL=redis_url)
    try:
        serve.wait_until_ready()
        commands = " | ".join(command_line(pid) for pid in descendants(serve.process.pid))
        assert "rqworker --with-scheduler" in commands

        queued = python_in_site(data_dir, DELETE_AN_IMAGE_LATER, REDIS_URL=redis_url)
        wait_until_gone(queued["path"], serve)
        job = redis.Redis.from_url(redis_url).hget(f"rq:job:{queued['id']}", "status")
        assert job == b"finished"
    finally:
        serve.stop()
        redis.Redis.from_url(redis_url).flushdb()


def fetch_encoded(url: str, encoding: str) -> tuple[int, Message, bytes]:
    """Status, headers and the raw (still encoded) body of a GET accepting `encoding`."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()


def test_serve_sends_pages_and_static_files_compressed_and_cacheable(serve):
    import brotli

    status, headers, body = fetch_encoded(f"{serve.base_url}/smartphone/pioggia/", "br, gzip")
    assert status == 200
    assert headers["content-encoding"] == "br"
    html = brotli.decompress(body).decode()
    assert "Il telefono che resiste alla pioggia" in html
    assert "s-maxage=" in headers["cache-control"] and headers["etag"]

    stylesheet = html.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    status, headers, css = fetch_encoded(f"{serve.base_url}{stylesheet}", "br")
    assert status == 200
    assert headers["content-encoding"] == "br"  # the copy collectstatic wrote beside it
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["x-content-type-options"] == "nosniff"
    assert brotli.decompress(css)

    status, headers, plain_css = fetch_encoded(f"{serve.base_url}{stylesheet}", "identity")
    assert "content-encoding" not in headers and plain_css == brotli.decompress(css)
