"""Debian's nginx, run with the shipped deploy/nginx.conf, in front of `edicola serve` on loopback:
readers behind the proxy keep their own addresses (TRUSTED_PROXIES), for rate limits and for the
networks stored with their comments. Marked `serve`; skipped when nginx is not installed."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from edicola.core.tests.test_serve import Serve, edicola, free_port, python_in_site

pytestmark = pytest.mark.serve

NGINX = "/usr/sbin/nginx"
CONFIG = Path(__file__).resolve().parents[3] / "deploy" / "nginx.conf"
START_SECONDS = 20

SEED = """
import json
from edicola.comments.tests.factories import make_commentable_article

article = make_commentable_article("Il router che regge cinque lettori", slug="router")
print(json.dumps({"id": article.pk}))
"""

FORM = """
import json
from django.urls import reverse
from edicola.comments import stamps

# One form stamp per reader (a stamp serves one comment), issued a minute ago.
issued = [stamps.issue(stamps.form_for(ARTICLE), now=stamps.clock() - 60) for _ in range(5)]
print(json.dumps({"stamps": issued, "url": reverse("comments:post", args=[ARTICLE])}))
"""

NETWORKS = """
import json
from edicola.comments.models import Comment

print(json.dumps(sorted(Comment.objects.values_list("ip_network", flat=True))))
"""


def render_config(listen: int, upstream: int, run_dir: Path) -> str:
    """deploy/nginx.conf with its three ${EDICOLA_...} values filled in (as envsubst does)."""
    values = {
        "EDICOLA_LISTEN": f"127.0.0.1:{listen}",
        "EDICOLA_UPSTREAM": f"127.0.0.1:{upstream}",
        "EDICOLA_RUN_DIR": str(run_dir),
    }
    text = CONFIG.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert not re.search(r"\$\{EDICOLA_", text), "a placeholder was left unfilled"
    return text


class Nginx:
    def __init__(self, upstream: int):
        self.port = free_port()
        # Not under pytest's private tmp dir: nginx's workers drop root for "nobody".
        self.run_dir = Path(tempfile.mkdtemp(prefix="edicola-nginx-"))
        self.run_dir.chmod(0o755)
        config = self.run_dir / "nginx.conf"
        config.write_text(render_config(self.port, upstream, self.run_dir))
        self.process = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(self.run_dir), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"nginx did not listen within {START_SECONDS} s:\n{self.log()}")

    def log(self) -> str:
        path = self.run_dir / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.run_dir, ignore_errors=True)


def post_form(port: int, path: str, fields: dict, headers: dict) -> tuple[int, str]:
    """POST a form to nginx without following the redirect; the status and Location."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode(fields)
    connection.request(
        "POST",
        path,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, response.getheader("Location", "")


@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (Debian nginx)")
def test_five_readers_behind_nginx_keep_five_addresses(tmp_path):
    data_dir = tmp_path / "data"
    edicola(data_dir, "migrate", "--no-input", "-v0", timeout=300)
    edicola(data_dir, "collectstatic", "--no-input", "-v0")
    article = python_in_site(data_dir, SEED)["id"]
    # Two comments a minute per address: behind a proxy that erased addresses, the third
    # reader would be refused and all five would share the proxy's network.
    serve = Serve(data_dir, tmp_path / "serve.log", COMMENTS_RATE="2/60")
    nginx = None
    try:
        serve.wait_until_ready()
        nginx = Nginx(serve.port)
        form = python_in_site(data_dir, FORM.replace("ARTICLE", str(article)))
        readers = ["198.51.100.7", "203.0.113.41", "192.0.2.200", "100.64.10.3", "2001:db8:7::9"]
        answers = []
        for number, address in enumerate(readers):
            fields = {
                "body": f"Il lettore numero {number + 1} dice la sua sul router.",
                "name": f"Lettore {number + 1}",
                "email": f"lettore{number + 1}@example.test",
                "consent": "1",
                "address": "",
                "stamp": form["stamps"][number],
            }
            headers = {"X-Forwarded-For": address, "Sec-Fetch-Site": "same-origin"}
            answers.append(post_form(nginx.port, form["url"], fields, headers))
        assert [status for status, _ in answers] == [303] * 5, (answers, serve.log())
        page = urllib.request.urlopen(f"http://127.0.0.1:{nginx.port}/healthz", timeout=30)
        # nginx adds nosniff to everything it passes on (media files too), once.
        assert page.headers.get_all("X-Content-Type-Options") == ["nosniff"]
        assert len(page.headers["X-Request-ID"]) == 32  # nginx's $request_id, kept by Edicola
        assert all("#commenti" in location or "#commento-" in location for _, location in answers)
        networks = python_in_site(data_dir, NETWORKS)
        assert networks == sorted(
            [
                "198.51.100.0/24",
                "203.0.113.0/24",
                "192.0.2.0/24",
                "100.64.10.0/24",
                "2001:db8:7::/48",
            ]
        ), json.dumps(networks)
    finally:
        if nginx is not None:
            nginx.stop()
        serve.stop()
