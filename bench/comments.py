"""Figures for the discussion, printed next to the targets of issue 3.

Run by `bench/run comments` against a running `edicola serve` (same environment, same SQLite
database), after `--seed` has given one demo article 200 comments and another 2,000
(edicola.comments.demo). Measures over HTTP on loopback, like bench/article.py:

- each article's uncached server time p50/p95 (sequential requests on one keep-alive connection,
  the session cookie bypasses the page cache), its SQL queries per render, and requests/s from
  the anonymous page cache (wrk, 2 threads, 2 connections);
- the server time of a comment POST (the HTML form endpoint, answered 303), p50/p95, sequential;
- 20 concurrent posters × 50 comments each on a third article: exactly 1,000 must be saved, with
  no error response and no "database is locked" in the answers or the server log.

The server runs with the comment rate limits raised, moderation off and no minimum form-fill
time (environment set by bench/run), so every POST should publish.
"""

import argparse
import http.client
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from article import BYPASS_CACHE, count_queries, get, machine, percentile, wrk  # noqa: E402

SIZES = (200, 2000)
POSTERS = int(os.environ.get("BENCH_POSTERS", "20"))
POSTS_EACH = int(os.environ.get("BENCH_POSTS_EACH", "50"))
POST_SAMPLES = int(os.environ.get("BENCH_POST_SAMPLES", "200"))
PAGE_REQUESTS = int(os.environ.get("BENCH_REQUESTS", "300"))
BUDGET_SECONDS = 30
BENCH_DOMAIN = "bench.example"
RUN = f"r{int(time.time())}"  # marks this run's comments, so a second run counts its own


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
    import django

    django.setup()


def bench_articles():
    """(article with 200, article with 2,000, article the posters write to), fixed by position."""
    from edicola.news.demo import REFERENCE_ARTICLE_SLUG
    from edicola.news.models import ArticlePage

    others = list(
        ArticlePage.objects.published()
        .exclude(slug=REFERENCE_ARTICLE_SLUG)
        .order_by("-date_published", "pk")[:2]
    )
    reference = ArticlePage.objects.live().get(slug=REFERENCE_ARTICLE_SLUG)
    return reference, others[0], others[1]


def seed() -> int:
    from edicola.comments.demo import seed_comments

    small, large, _ = bench_articles()
    started = time.monotonic()
    added = seed_comments(SIZES[0], slug=small.slug) + seed_comments(SIZES[1], slug=large.slug)
    print(f"bench: seeded {added} comments in {time.monotonic() - started:.1f} s")
    return 0


def page_latencies(base: str, path: str) -> list[float]:
    host = urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    for _ in range(10):
        get(connection, path, BYPASS_CACHE)
    times = []
    deadline = time.monotonic() + BUDGET_SECONDS
    while len(times) < PAGE_REQUESTS and time.monotonic() < deadline:
        started = time.perf_counter()
        status, _, _ = get(connection, path, BYPASS_CACHE)
        times.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path} answered {status}"
    connection.close()
    return times


class Poster:
    """One reader posting comments over one keep-alive connection, like a browser without JS."""

    def __init__(self, base: str, article_id: int, name: str):
        from edicola.comments.views import form_stamp

        self.host = urlsplit(base)
        self.origin = base
        self.path = f"/commenti/articolo/{article_id}/"
        self.name = name
        self.stamp = form_stamp()
        self.connection = http.client.HTTPConnection(self.host.hostname, self.host.port, timeout=30)
        self.errors: list[str] = []
        self.times: list[float] = []

    def post(self, number: int) -> bool:
        body = urlencode(
            {
                "body": f"Commento di prova numero {number} di {self.name}: il Lumio X3 mi "
                f"sembra interessante, soprattutto per la batteria ({time.time_ns()}).",
                "name": self.name,
                "email": f"{self.name.lower()}.{RUN}@{BENCH_DOMAIN}",
                "consent": "1",
                "stamp": self.stamp,
                "address": "",
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
        }
        started = time.perf_counter()
        try:
            self.connection.request("POST", self.path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            self.errors.append(f"{type(error).__name__}: {error}")
            self.connection.close()
            return False
        self.times.append((time.perf_counter() - started) * 1000)
        if response.status != 303 or "database is locked" in text:
            self.errors.append(f"HTTP {response.status}: {text[:200]!r}")
            return False
        return True


def post_latencies(base: str, article_id: int) -> tuple[list[float], list[str]]:
    poster = Poster(base, article_id, "Sequenziale")
    for number in range(POST_SAMPLES):
        poster.post(number)
    return poster.times, poster.errors


def concurrent_posts(base: str, article_id: int) -> tuple[float, list[str], list[float]]:
    posters = [Poster(base, article_id, f"Lettore{n:02d}") for n in range(POSTERS)]
    barrier = threading.Barrier(POSTERS)

    def run(poster: Poster) -> None:
        barrier.wait(timeout=30)
        for number in range(POSTS_EACH):
            poster.post(number)

    threads = [threading.Thread(target=run, args=(poster,)) for poster in posters]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.monotonic() - started
    errors = [error for poster in posters for error in poster.errors]
    times = [t for poster in posters for t in poster.times]
    return seconds, errors, times


def saved_count(article_id: int, prefix: str) -> int:
    from django.db import close_old_connections

    from edicola.comments.models import Comment

    close_old_connections()
    return Comment.objects.filter(
        article_id=article_id,
        author_email__endswith=f".{RUN}@{BENCH_DOMAIN}",
        author_name__startswith=prefix,
    ).count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", action="store_true", help="seed the two discussions and exit")
    parser.add_argument("--base-url")
    parser.add_argument("--server", default="")
    parser.add_argument("--server-log", default="", help="checked for 'database is locked'")
    args = parser.parse_args()
    setup_django()
    if args.seed:
        return seed()

    from edicola.comments.models import Discussion

    base = args.base_url.rstrip("/")
    host = urlsplit(base)
    small, large, target = bench_articles()
    rows = []

    def mark(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    for article, size, target_ms in [(small, SIZES[0], 30), (large, SIZES[1], 60)]:
        path = article.url
        count = Discussion.objects.get(article=article).comment_count
        first_queries, queries = count_queries(path, host.netloc)
        times = page_latencies(base, path)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        cached_rate, cached_errors = wrk(base + path, {})
        label = f"{size:,} comments ({count:,} published)"
        rows += [
            (
                f"{label}: uncached p50",
                f"{p50:.1f} ms",
                f"≤ {target_ms} ms",
                mark(p50 <= target_ms),
            ),
            (f"{label}: uncached p95", f"{p95:.1f} ms", "", ""),
            (f"{label}: SQL queries", f"{queries} (first: {first_queries})", "O(1)", ""),
            (
                f"{label}: page cache req/s",
                f"{cached_rate:,.0f} {cached_errors}",
                "",
                mark(not cached_errors),
            ),
        ]

    post_times, post_errors = post_latencies(base, target.pk)
    post_p50 = statistics.median(post_times) if post_times else float("nan")
    rows += [
        (
            "comment POST p50 (sequential)",
            f"{post_p50:.1f} ms",
            "≤ 15 ms",
            mark(post_p50 <= 15 and not post_errors),
        ),
        (
            "comment POST p95 (sequential)",
            f"{percentile(post_times, 0.95):.1f} ms" if len(post_times) > 1 else "-",
            "",
            "",
        ),
        ("comment POST errors (sequential)", str(len(post_errors)), "0", mark(not post_errors)),
    ]

    seconds, errors, times = concurrent_posts(base, target.pk)
    saved = saved_count(target.pk, "Lettore")
    expected = POSTERS * POSTS_EACH
    log_locked = 0
    if args.server_log and Path(args.server_log).exists():
        log_locked = Path(args.server_log).read_text(errors="replace").count("database is locked")
    locked = log_locked + sum("database is locked" in error for error in errors)
    rows += [
        (
            f"{POSTERS} posters × {POSTS_EACH}: saved",
            f"{saved:,} of {expected:,}",
            f"= {expected:,}",
            mark(saved == expected),
        ),
        (f"{POSTERS} posters × {POSTS_EACH}: errors", str(len(errors)), "0", mark(not errors)),
        (
            f"{POSTERS} posters × {POSTS_EACH}: 'database is locked'",
            str(locked),
            "0",
            mark(not locked),
        ),
        (
            f"{POSTERS} posters × {POSTS_EACH}: throughput",
            f"{expected / seconds:,.0f} posts/s in {seconds:.1f} s",
            "",
            "",
        ),
        (
            f"{POSTERS} posters × {POSTS_EACH}: POST p50 / p95",
            f"{statistics.median(times):.0f} / {percentile(times, 0.95):.0f} ms"
            if len(times) > 1
            else "-",
            "",
            "",
        ),
    ]

    load = os.getloadavg()
    print("\nEdicola benchmark: the discussion")
    print(f"machine: {machine()}; load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"server:  {args.server or base}; SQLite (WAL), DEBUG off")
    print(f"articles: {small.url} ({SIZES[0]}), {large.url} ({SIZES[1]}), posts to {target.url}")
    print(f"samples: {PAGE_REQUESTS} page requests, {POST_SAMPLES} sequential POSTs\n")
    width = max(len(row[0]) for row in rows)
    print(f"{'metric':<{width}}  {'figure':<30}  {'target':<10}  result")
    for name, figure, target_text, result in rows:
        print(f"{name:<{width}}  {figure:<30}  {target_text:<10}  {result}")
    for error in sorted(set(errors + post_errors))[:10]:
        print(f"  error: {error}")
    return 0 if saved == expected and not errors and not locked else 1


if __name__ == "__main__":
    sys.exit(main())
