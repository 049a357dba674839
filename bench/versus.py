"""The anonymous cached article from `edicola serve` next to nginx sending the same bytes as a file.

Run by `bench/run versus` against a running `edicola serve`. Fetches the reference article as a
browser does (`Accept-Encoding: br`), writes those exact bytes to a file, starts Debian's nginx
on loopback serving that file with the same Content-Type and Content-Encoding, then alternates
wrk runs (2 threads, 2 connections, as bench/article.py) against both, twice each, and prints
requests/s and the ratio. Target (issue 14): edicola ≥ 50% of nginx.
"""

import argparse
import http.client
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from article import machine, wrk  # noqa: E402
from comments import bench_articles, setup_django  # noqa: E402

NGINX = "/usr/sbin/nginx"
HEADERS = {"Accept-Encoding": "br"}
TARGET = 0.5
NGINX_CONF = """
daemon off;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location = /article {{
            root {dir};
            default_type "text/html; charset=utf-8";
            add_header Content-Encoding br;
            add_header Vary Accept-Encoding;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cached_page(base_url: str, path: str) -> bytes:
    host = urlsplit(base_url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    for _ in range(2):  # the first request fills the page cache
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        body = response.read()
    assert response.status == 200 and response.getheader("X-Page-Cache") == "hit"
    assert response.getheader("Content-Encoding") == "br"
    return body


def start_nginx(directory: Path, body: bytes, workers: int) -> tuple[subprocess.Popen, int]:
    (directory / "article").write_bytes(body)
    port = free_port()
    conf = directory / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=directory, port=port, workers=workers))
    process = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(directory)])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"bench: nginx did not start: {(directory / 'error.log').read_text()}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server", default="edicola serve")
    parser.add_argument("--workers", type=int, default=2, help="nginx worker processes")
    args = parser.parse_args()
    if not shutil.which(NGINX):
        print("bench: nginx is not installed (Debian package nginx)", file=sys.stderr)
        return 1
    setup_django()
    path = bench_articles()[0].get_url_parts()[2]
    body = cached_page(args.base_url, path)
    print(f"bench: cached article vs nginx, {machine()}")
    print(f"  page: {path}, {len(body) / 1024:.1f} KB brotli; edicola: {args.server}")
    with tempfile.TemporaryDirectory() as directory:
        nginx, port = start_nginx(Path(directory), body, args.workers)
        try:
            rates = {"edicola": [], "nginx": []}
            for _ in range(2):
                rates["edicola"].append(wrk(f"{args.base_url}{path}", HEADERS)[0])
                rates["nginx"].append(wrk(f"http://127.0.0.1:{port}/article", HEADERS)[0])
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)
    for name, values in rates.items():
        print(f"  {name:8} {' / '.join(f'{v:,.0f}' for v in values)} req/s")
    ratio = sum(rates["edicola"]) / sum(rates["nginx"])
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"  edicola is {ratio:.0%} of nginx (target ≥ {TARGET:.0%}): {verdict}")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
