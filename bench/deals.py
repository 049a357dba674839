"""Deals benchmarks: a WhatsApp broadcast against the fake Graph API, and the /go/ redirect.

    bench/deals.py [--runs 20000:1000,2000:80]

Each broadcast run: a fresh SQLite database in EDICOLA_DATA_DIR (migrated once), one live deal,
N confirmed subscribers and their outbox rows; the fake server runs as its own process with the
given throughput limit; `edicola deals_worker whatsapp` sends them. Prints the achieved rate
(accepted messages / time between the first and the last), the worker's peak memory (VmHWM)
next to the baseline of a process that only loaded Django and the deals modules, duplicates and
130429 answers; then whether the peak stays flat from the smallest to the largest run. Then 500
`/go/<deal>/` requests through Django's test client, each from a new reader: p50 / p95 server
time.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django() -> None:
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
    import django

    django.setup()


def prepare(subscribers: int) -> int:
    from decimal import Decimal

    from django.utils import timezone

    from edicola.deals.models import Deal, OutboxMessage, Store, WhatsAppSubscriber

    OutboxMessage.objects.all().delete()
    WhatsAppSubscriber.objects.all().delete()
    store, _ = Store.objects.get_or_create(
        name="Amazon", defaults={"affiliate_parameters": "tag=b"}
    )
    deal = Deal.objects.create(
        title="Redmi Note 14 Pro",
        store=store,
        price=Decimal("199"),
        url="https://shop.test/p",
        status="live",
        original_price=Decimal("299"),
        coupon_code="BENCH",
    )
    now = timezone.now()
    WhatsAppSubscriber.objects.bulk_create(
        (
            WhatsAppSubscriber(
                phone=f"+39300{i:07d}", status="confirmed", consent_version="b", consent_at=now
            )
            for i in range(subscribers)
        ),
        batch_size=2000,
    )
    OutboxMessage.objects.bulk_create(
        (
            OutboxMessage(deal=deal, channel="whatsapp", recipient=f"+39300{i:07d}", kind="offer")
            for i in range(subscribers)
        ),
        batch_size=2000,
    )
    return deal.pk


def broadcast(subscribers: int, limit: float) -> dict:
    prepare(subscribers)
    port = free_port()
    stats = Path(tempfile.mkdtemp()) / "stats.json"
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edicola.deals.tests.fakes",
            "whatsapp",
            "--port",
            str(port),
            "--limit",
            str(limit),
            "--stats",
            str(stats),
        ],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    fake.stdout.readline()
    env = {
        **os.environ,
        "WHATSAPP_TOKEN": "t",
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_API_URL": f"http://127.0.0.1:{port}",
        "WHATSAPP_MESSAGES_PER_SECOND": str(limit),
        "LOG_LEVEL": "ERROR",
    }
    started = time.monotonic()
    worker = subprocess.Popen(
        [sys.executable, "-m", "edicola.cli", "deals_worker", "whatsapp", "--max-seconds", "900"],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    peak = 0
    samples = []
    while worker.poll() is None:
        try:
            status = Path(f"/proc/{worker.pid}/status").read_text()
            rss = int(
                next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]
            )
            peak = max(peak, rss)
            samples.append(rss)
        except (OSError, StopIteration):
            pass
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    fake.send_signal(signal.SIGTERM)
    fake.wait(30)
    result = json.loads(stats.read_text())
    rate = result["accepted"] / result["seconds"] if result["seconds"] else 0
    return {
        "subscribers": subscribers,
        "limit": limit,
        "accepted": result["accepted"],
        "recipients": result["recipients"],
        "duplicates": result["duplicates"],
        "throttled": result["errors"].get("130429", 0),
        "rate": rate,
        "rate_share": rate / limit,
        "peak_mb": peak / 1024,
        "wall_seconds": elapsed,
    }


def baseline_mb() -> float:
    """Peak memory of a process that loads what a worker loads and sends nothing."""
    code = (
        "import django, re; django.setup(); "
        "import edicola.deals.tasks, edicola.deals.whatsapp, edicola.deals.services; "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def go_redirect(samples: int = 500) -> dict:
    from django.test import Client

    from edicola.deals.models import Deal

    deal = Deal.objects.filter(status="live").first()
    times = []
    for i in range(samples):
        client = Client(HTTP_USER_AGENT=f"Mozilla/5.0 bench {i}", HTTP_HOST="127.0.0.1")
        t0 = time.perf_counter()
        response = client.get(f"/go/{deal.pk}/")
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 302
    times.sort()
    return {"p50_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95)]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default="20000:1000,2000:80", help="subscribers:limit,...")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    ok = True
    base = baseline_mb()
    print(f"baseline: Django and the deals modules loaded, nothing sent: {base:.0f} MB")
    peaks = {}
    for run in args.runs.split(","):
        subscribers, limit = run.split(":")
        figures = broadcast(int(subscribers), float(limit))
        good = (
            figures["rate_share"] >= 0.95
            and figures["duplicates"] == 0
            and figures["recipients"] == figures["subscribers"]
            and figures["peak_mb"] <= 150
        )
        ok &= good
        peaks[figures["subscribers"]] = max(
            peaks.get(figures["subscribers"], 0), figures["peak_mb"]
        )
        print(
            f"broadcast {figures['subscribers']:>6} at {figures['limit']:>5.0f}/s: "
            f"{figures['rate']:.0f} msg/s ({figures['rate_share']:.1%} of limit, target ≥ 95%), "
            f"peak RSS {figures['peak_mb']:.0f} MB (≤ 150; +{figures['peak_mb'] - base:.0f} over "
            f"baseline), duplicates {figures['duplicates']}, "
            f"reached {figures['recipients']}/{figures['subscribers']}, "
            f"130429 answers {figures['throttled']}, wall {figures['wall_seconds']:.1f} s"
            f"{'' if good else '  << MISSED'}"
        )
    if len(peaks) > 1:
        low, high = min(peaks), max(peaks)
        growth = peaks[high] - peaks[low]
        flat = growth <= 5
        ok &= flat
        print(
            f"memory flat: peak {peaks[low]:.0f} MB at {low} subscribers, {peaks[high]:.0f} MB at "
            f"{high} ({growth:+.0f} MB, target ≤ +5){'' if flat else '  << MISSED'}"
        )
    go = go_redirect()
    ok &= go["p50_ms"] <= 5
    print(f"/go/ redirect: p50 {go['p50_ms']:.2f} ms (target ≤ 5), p95 {go['p95_ms']:.2f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
