"""deals.tasks: the outbox worker as a process (deals_worker), killed and restarted
mid-broadcast."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from edicola.deals.models import OutboxMessage, WhatsAppSubscriber
from edicola.deals.tests.conftest import APP_SECRET
from edicola.deals.tests.factories import free_port, whatsapp_subscribers
from edicola.deals.tests.fakes import FakeGraph
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA

REPO = Path(__file__).resolve().parents[3]


def _worker(env, *options):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edicola.cli",
            "deals_worker",
            "whatsapp",
            "--until-settled",
            "--max-seconds",
            "60",
            *options,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_broadcast_sends_every_message_exactly_once(
    make_deal, tmp_path, request, django_db_serialized_rollback, django_db_blocker
):
    """SIGKILL during a 5,000-subscriber broadcast, then two workers side by side: each
    subscriber gets one message.

    Nothing here depends on timing. The rows the killed worker had claimed are `unknown`: the
    fake's status webhooks settle those it accepted; the others are sent again only because the
    restart names a moment (`--reconcile-before`) taken once the fake has no sender connected
    and every webhook acknowledged. The ten-minute reconcile delay is never reached.
    """
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker  # tables are emptied after
    whatsapp_subscribers(5000)
    deal = make_deal(status="live")
    rows = [
        OutboxMessage(deal=deal, channel="whatsapp", recipient=p, kind="offer")
        for p in WhatsAppSubscriber.objects.values_list("phone", flat=True)
    ]
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)
    web_port = free_port()
    env = {
        **os.environ,
        "SECRET_KEY": "x",
        "HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "ERROR",
        "WHATSAPP_TOKEN": "t",
        "WHATSAPP_PHONE_NUMBER_ID": "1",
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_MESSAGES_PER_SECOND": "2000",
        "DEALS_LEASE_SECONDS": "1",
        "DEALS_RECONCILE_SECONDS": "600",
        "EDICOLA_DATA_DIR": str(tmp_path / "data"),
    }
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        # The subprocesses open the data directory's database, with the production pragmas.
        database = tmp_path / "data" / "edicola.sqlite3"
        database.parent.mkdir(exist_ok=True)  # the page cache may have made it
        with sqlite3.connect(database) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = (
            f"postgres://{settings_dict['USER']}:{settings_dict.get('PASSWORD') or ''}@"
            f"{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
        )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "edicola.cli",
            "runserver",
            f"127.0.0.1:{web_port}",
            "--noreload",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fake = FakeGraph(
        webhook_url=f"http://127.0.0.1:{web_port}/hooks/whatsapp/", app_secret=APP_SECRET
    ).start()
    env["WHATSAPP_API_URL"] = fake.url
    try:
        worker = _worker(env)
        deadline = time.monotonic() + 60
        while len(fake.accepted) < 1500 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        at_kill = len(fake.accepted)
        assert 0 < at_kill < 5000, worker.stderr.read().decode()[-2000:]
        assert fake.wait_settled(60), "the fake server did not settle"
        cutoff = timezone.now()
        assert 1500 <= len(fake.accepted) < 5000 and fake.undelivered == 0
        # Two workers side by side finish the broadcast: claims never overlap.
        restarted = [_worker(env, "--reconcile-before", cutoff.isoformat()) for _ in range(2)]
        for process in restarted:
            _out, errors = process.communicate(timeout=90)
            assert process.returncode == 0, errors.decode()[-2000:]
        assert len(fake.counts) == 5000, f"lost {5000 - len(fake.counts)} (killed at {at_kill})"
        assert fake.duplicates() == 0
        if connection.vendor == "sqlite":  # the subprocesses' database, not the test's copy
            with sqlite3.connect(database) as db:
                states = {
                    s for (s,) in db.execute("SELECT DISTINCT state FROM deals_outboxmessage")
                }
        else:
            states = set(OutboxMessage.objects.values_list("state", flat=True).distinct())
        assert states == {"sent"}
    finally:
        fake.stop()
        web.send_signal(signal.SIGTERM)
        web.wait(10)
