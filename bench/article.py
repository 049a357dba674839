"""Figures for the reference-like article, printed next to the targets of issue 2.

Run by bench/run against a running `edicola serve` (same environment, same database). Measures
over HTTP on loopback: server time p50/p95 of uncached renders (one keep-alive connection,
requests in sequence), requests/s uncached and from the anonymous page cache (wrk, 2 threads,
2 connections), and the bytes of HTML, CSS and JavaScript the page loads. Counts the SQL queries
of one uncached render in-process with Django's test client. A session cookie bypasses the page
cache (see edicola/core/pagecache.py), so "uncached" means a full render.
"""

import argparse
import gzip
import http.client
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

BYPASS_CACHE = {"Cookie": "sessionid=bench"}
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
LATENCY_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
LATENCY_BUDGET_SECONDS = 30


class Assets(HTMLParser):
    """Stylesheets and scripts a page loads, and the size of its inline scripts."""

    def __init__(self):
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.inline_script_bytes = 0
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs["href"])
        elif tag == "script":
            kind = attrs.get("type") or "text/javascript"
            if attrs.get("src"):
                self.scripts.append(attrs["src"])
            elif "json" not in kind:  # JSON-LD is data, not code
                self._in_inline_script = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script:
            self.inline_script_bytes += len(data.encode())


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs ({model}), Python {python}, {platform.platform(terse=True)}"


def reference_path() -> str:
    from edicola.news.demo import REFERENCE_ARTICLE_SLUG
    from edicola.news.models import ArticlePage

    return ArticlePage.objects.live().get(slug=REFERENCE_ARTICLE_SLUG).url


def get(connection: http.client.HTTPConnection, path: str, headers=None):
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.getheaders(), response.read()


def latencies(base_url: str, path: str) -> list[float]:
    """Milliseconds per uncached request, in sequence on one keep-alive connection."""
    host = urlsplit(base_url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    for _ in range(20):
        get(connection, path, BYPASS_CACHE)
    times = []
    deadline = time.monotonic() + LATENCY_BUDGET_SECONDS
    while len(times) < LATENCY_REQUESTS and time.monotonic() < deadline:
        started = time.perf_counter()
        status, _, _ = get(connection, path, BYPASS_CACHE)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, status
    connection.close()
    return times


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def wrk(url: str, headers: dict[str, str]) -> tuple[float, str]:
    argv = ["wrk", "-t2", "-c2", f"-d{WRK_SECONDS}s", "--timeout", "5s"]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        argv + [url], capture_output=True, text=True, timeout=WRK_SECONDS + 30, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, (f"{errors.group(1)} non-2xx" if errors else "")


def count_queries(path: str, host: str) -> tuple[int, int]:
    """SQL queries of the first render in a fresh process, and of a warm uncached render."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=host)
    client.cookies["sessionid"] = "bench"
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, response.status_code
        counts.append(len(captured.captured_queries))
    return counts[0], counts[1]


def brief(base: str, path: str, server: str) -> int:
    """One line for comparing servers: uncached latency and both request rates."""
    times = latencies(base, path)
    uncached_rate, uncached_errors = wrk(base + path, BYPASS_CACHE)
    cached_rate, cached_errors = wrk(base + path, {})
    print(
        f"{server:<40} p50 {statistics.median(times):6.1f} ms  p95 {percentile(times, 0.95):6.1f}"
        f" ms  uncached {uncached_rate:7,.0f} req/s {uncached_errors} "
        f"cached {cached_rate:7,.0f} req/s {cached_errors}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server", default="", help="how the server describes itself")
    parser.add_argument("--brief", action="store_true", help="one line: latency and requests/s")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
    import django

    django.setup()

    base = args.base_url.rstrip("/")
    host = urlsplit(base)
    path = reference_path()
    if args.brief:
        return brief(base, path, args.server)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    status, headers, html = get(connection, path, BYPASS_CACHE)
    assert status == 200, f"{path} answered {status}"
    assert "x-page-cache" not in {name.lower() for name, _ in headers}, "cookie did not bypass"
    get(connection, path)
    _, cached_headers, _ = get(connection, path)
    cache_state = dict((k.lower(), v) for k, v in cached_headers).get("x-page-cache", "none")

    assets = Assets()
    assets.feed(html.decode())
    css = b"".join(get(connection, href)[2] for href in assets.stylesheets)
    js_files = b"".join(get(connection, src)[2] for src in assets.scripts)
    connection.close()
    text_in_html = "<h1" in html.decode() and "<p" in html.decode()

    first_queries, queries = count_queries(path, host.netloc)
    times = latencies(base, path)
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    uncached_rate, uncached_errors = wrk(base + path, BYPASS_CACHE)
    cached_rate, cached_errors = wrk(base + path, {})

    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    js_bytes = len(js_files) + assets.inline_script_bytes
    rows = [
        ("uncached server time p50", f"{p50:.1f} ms", "≤ 20 ms", mark(p50 <= 20)),
        ("uncached server time p95", f"{p95:.1f} ms", "", ""),
        (
            "SQL queries per uncached render",
            f"{queries} (first: {first_queries})",
            "≤ 10",
            mark(queries <= 10),
        ),
        ("requests/s uncached (wrk 2c)", f"{uncached_rate:,.0f} {uncached_errors}", "", ""),
        (
            "requests/s page cache (wrk 2c)",
            f"{cached_rate:,.0f} {cached_errors}",
            "≥ 1,500",
            mark(cached_rate >= 1500 and not cached_errors and cache_state == "hit"),
        ),
        (
            "HTML bytes",
            f"{len(html):,} (gzip {len(gzip.compress(html)):,})",
            "≤ 40 KB",
            mark(len(html) <= 40_000),
        ),
        (
            f"CSS bytes ({len(assets.stylesheets)} file)",
            f"{len(css):,} (gzip {len(gzip.compress(css)):,})",
            "≤ 15 KB",
            mark(len(css) <= 15_000),
        ),
        (
            f"JS bytes ({len(assets.scripts)} file, inline {assets.inline_script_bytes})",
            f"{js_bytes:,}",
            "no JS to read",
            mark(text_in_html),
        ),
    ]
    print(f"\nEdicola benchmark: reference-like article {path}")
    print(f"machine: {machine()}")
    print(f"server:  {args.server or base}; SQLite (WAL), DEBUG off")
    print(f"samples: {len(times)} sequential uncached requests; wrk {WRK_SECONDS} s per run")
    print(f"page cache on repeat anonymous request: {cache_state}\n")
    width = max(len(row[0]) for row in rows)
    print(f"{'metric':<{width}}  {'figure':<24}  {'target':<14}  result")
    for name, figure, target, result in rows:
        print(f"{name:<{width}}  {figure:<24}  {target:<14}  {result}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
