"""Notification fan-out benchmark: one article, N confirmed subscribers, one new approved comment.

    bench/notifications.py [--runs 1000,10000]

Each run: a fresh article with N confirmed subscribers (immediate mails) in the database of
EDICOLA_DATA_DIR (migrated here if needed; DATABASE_URL for PostgreSQL), a local aiosmtpd sink in
a process of its own counting what it accepts per recipient, and the real task worker
(`edicola db_worker`, as `edicola serve` runs it) in its own process. The comment is posted
through services.submit_comment, as the views do, and 20 more during the fan-out: their times
show a post does not wait for it. Printed per run: time from the post until the sink accepted
the last mail (target ≤ 30 s for 10,000 on 2 cores), the worker's peak RSS (VmHWM; target
≤ 150 MB and flat) next to its idle peak, duplicates and losses (both must be 0), SMTP sessions
used, CPU seconds of the worker and of the sink.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django() -> None:
    if "EDICOLA_DATA_DIR" not in os.environ:
        import atexit
        import shutil

        os.environ["EDICOLA_DATA_DIR"] = tempfile.mkdtemp(prefix="edicola-bench-notify-")
        atexit.register(shutil.rmtree, os.environ["EDICOLA_DATA_DIR"], ignore_errors=True)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["COMMENTS_MODERATION"] = "none"
    os.environ["COMMENTS_MIN_FORM_SECONDS"] = "0"
    os.environ["COMMENTS_RATE"] = "1000000/60"
    os.environ.pop("REDIS_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "edicola.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class Sink:
    """aiosmtpd handler: counts accepted mails per recipient, remembers when the last came."""

    def __init__(self):
        self.received = Counter()
        self.sessions = 0
        self.last = 0.0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.received[rcpt] += 1
        self.last = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes
        return "250 OK"


def sink_process(port: int, pipe) -> None:
    """The SMTP sink in a process of its own (its CPU is not the bench's, and is reported).
    Answers "status" with (accepted, last) and "stop" with the full tally."""
    import resource

    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    try:
        for _ in range(10_000_000):  # bounded; the bench stops it
            if pipe.recv() == "stop":
                break
            pipe.send((sum(sink.received.values()), sink.last))
    finally:
        controller.stop()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        pipe.send((dict(sink.received), sink.sessions, sink.last, usage.ru_utime + usage.ru_stime))


def prepare(run: int, subscribers: int):
    from django.utils import timezone

    from edicola.comments.models import Subscriber, Subscription
    from edicola.news.tests.factories import make_article, make_category, make_site

    home = make_site(f"Bench {run}")
    article = make_article(make_category(home), f"Articolo con {subscribers} iscritti ({run})")
    people = Subscriber.objects.bulk_create(
        (Subscriber(email=f"r{run}-{n}@bench.example", language="it") for n in range(subscribers)),
        batch_size=2000,
    )
    now = timezone.now()
    Subscription.objects.bulk_create(
        (
            Subscription(subscriber=s, article=article, kind="article", confirmed_at=now)
            for s in people
        ),
        batch_size=2000,
    )
    return article


def vmhwm(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    line = next((line for line in status.splitlines() if line.startswith("VmHWM")), "")
    return int(line.split()[1]) if line else 0


def rss_parts(pid: int) -> str:
    """Current resident memory by kind (anonymous: the heap; file: mapped code; shmem: SQLite's
    WAL index), to tell what a peak is made of."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return "?"
    parts = dict(line.split(":", 1) for line in status.splitlines() if line.startswith("Rss"))
    return ", ".join(
        f"{name[3:].lower()} {int(parts[name].split()[0]) / 1024:.1f}"
        for name in ("RssAnon", "RssFile", "RssShmem")
        if name in parts
    )


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(run: int, subscribers: int) -> dict:
    import multiprocessing

    from django.db import connection

    from edicola.comments import services
    from edicola.news.tests.factories import make_article

    article = prepare(run, subscribers)
    quiet = make_article(article.get_parent().specific, f"Articolo senza iscritti ({run})")
    port = free_port()
    pipe, child_pipe = multiprocessing.Pipe()
    sink = multiprocessing.get_context("spawn").Process(
        target=sink_process, args=(port, child_pipe), daemon=True
    )
    sink.start()
    assert pipe.poll(30) and pipe.recv() == "ready"
    env = {**os.environ, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port)}
    connection.close()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edicola.cli",
            "db_worker",
            "--queue-name",
            "*",
            "--no-reload",
            "--no-startup-delay",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = services.ClientInfo(ip="198.51.100.9", reader_id="g:bench")

    def post(target, n):
        data = services.CommentInput(
            body=f"Prova {run}.{n}: ho usato il Lumio X3 per una settimana, la batteria regge.",
            name="Bench",
            email=f"autore{run}.{n}@bench.example",
            form_age_seconds=30,
        )
        began = time.monotonic()
        comment = services.submit_comment(target, data, client=client)
        assert comment.status == "approved", comment.status
        return began, time.monotonic() - began

    try:
        time.sleep(3)  # the worker has loaded Django and is polling
        idle = vmhwm(worker.pid)
        idle_parts = rss_parts(worker.pid)
        idle_cpu = cpu_seconds(worker.pid)
        post(quiet, 99)  # this process's first post loads templates and modules: not timed
        started, posted = post(article, 0)
        # More posts while the fan-out runs (to an article nobody follows): none waits for it.
        during = []
        for n in range(1, 22):
            during.append(post(quiet, n)[1])
            time.sleep(0.05)
        peak = idle
        accepted, last = 0, 0.0
        deadline = time.monotonic() + 300
        while accepted < subscribers and time.monotonic() < deadline:
            peak = max(peak, vmhwm(worker.pid))
            time.sleep(0.1)
            pipe.send("status")
            accepted, last = pipe.recv()
        time.sleep(1.0)  # anything late (a duplicate) would arrive now
        peak = max(peak, vmhwm(worker.pid))
        worker_cpu = cpu_seconds(worker.pid) - idle_cpu
        parts = rss_parts(worker.pid)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
        pipe.send("stop")
        received, sessions, last, sink_cpu = pipe.recv()
        sink.join(10)
    expected = {f"r{run}-{n}@bench.example" for n in range(subscribers)}
    during.sort()
    return {
        "subscribers": subscribers,
        "post_ms": posted * 1000,
        "post_p50_ms": during[len(during) // 2] * 1000,
        "seconds": last - started if last else float("nan"),
        "accepted": sum(received.values()),
        "duplicates": sum(count - 1 for count in received.values() if count > 1),
        "losses": len(expected - set(received)),
        "strangers": len(set(received) - expected),
        "peak_mb": peak / 1024,
        "idle_mb": idle / 1024,
        "sessions": sessions,
        "rss_parts": parts,
        "idle_parts": idle_parts,
        "worker_cpu": worker_cpu,
        "sink_cpu": sink_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", default="1000,10000", help="subscriber counts, comma-separated")
    args = parser.parse_args()
    setup_django()
    counts = [int(value) for value in args.runs.split(",") if value]
    print(f"bench notifications: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    results = []
    for run, count in enumerate(counts, start=1):
        result = one_run(run, count)
        results.append(result)
        print(
            f"  {count:>6} subscribers: last mail accepted {result['seconds']:.1f} s after the "
            f"post (target ≤ 30 s for 10,000); comment post {result['post_ms']:.0f} ms, p50 of "
            f"20 more during the fan-out {result['post_p50_ms']:.0f} ms; worker peak RSS "
            f"{result['peak_mb']:.0f} MB (idle {result['idle_mb']:.0f} MB; target ≤ 150); "
            f"accepted {result['accepted']}, duplicates {result['duplicates']}, "
            f"losses {result['losses']}; SMTP sessions {result['sessions']}; CPU: worker "
            f"{result['worker_cpu']:.1f} s, sink {result['sink_cpu']:.1f} s; "
            f"load {os.getloadavg()[0]:.2f}\n"
            f"         worker RSS MB idle: {result['idle_parts']}; after: {result['rss_parts']}"
        )
    ok = all(r["duplicates"] == 0 and r["losses"] == 0 and not r["strangers"] for r in results)
    if len(results) > 1:
        growth = results[-1]["peak_mb"] - results[0]["peak_mb"]
        print(
            f"  memory from {results[0]['subscribers']} to {results[-1]['subscribers']} "
            f"subscribers: {growth:+.1f} MB"
        )
    print("  exactly once:", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
