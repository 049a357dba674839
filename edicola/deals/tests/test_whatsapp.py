import json
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

from edicola.deals import services, tasks
from edicola.deals.models import OutboxMessage, WhatsAppSubscriber
from edicola.deals.tests.conftest import APP_SECRET
from edicola.deals.tests.fakes import FakeGraph

REPO = Path(__file__).resolve().parents[3]


def _subscribers(n, status="confirmed"):
    now = timezone.now()
    WhatsAppSubscriber.objects.bulk_create(
        (
            WhatsAppSubscriber(
                phone=f"+39320{i:07d}", status=status, consent_version="v", consent_at=now
            )
            for i in range(n)
        ),
        batch_size=1000,
    )


def _post(client, fake, body: bytes, signature=None):
    return client.post(
        "/hooks/whatsapp/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature or fake.sign(body),
    )


def test_a_live_deal_goes_to_confirmed_subscribers_as_a_template(make_deal, fake_graph):
    _subscribers(3)
    _subscribers(0)
    WhatsAppSubscriber.objects.create(
        phone="+39399000001", status="pending", consent_version="v", consent_at=timezone.now()
    )
    deal = make_deal(status="live")
    services.deal_saved(deal, "draft")
    tasks.drain("whatsapp")
    assert len(fake_graph.accepted) == 3 and fake_graph.duplicates() == 0
    assert "393990000001" not in fake_graph.counts
    rows = OutboxMessage.objects.filter(channel="whatsapp")
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert {a["callback"] for a in fake_graph.accepted} == {
        str(pk) for pk in rows.values_list("pk", flat=True)
    }


def test_opt_in_sends_a_confirmation_and_only_yes_confirms(client, db, fake_graph):
    services.whatsapp_opt_in("+39 320 555 0001", consent=True)
    services.whatsapp_opt_in("+39 320 555 0001", consent=True)
    tasks.drain("whatsapp")
    assert fake_graph.counts["393205550001"] == 1
    services.whatsapp_inbound("393205550001", "sì")
    assert WhatsAppSubscriber.objects.get().status == "confirmed"


@pytest.mark.parametrize(
    ("code", "state", "accepted"),
    [(131056, "sent", 1), (131047, "failed", 0), (131049, "failed", 0), (131050, "failed", 0)],
)
def test_meta_error_codes(make_deal, fake_graph, monkeypatch, code, state, accepted):
    from edicola.deals import whatsapp

    monkeypatch.setattr(whatsapp, "PAIR_RATE_SECONDS", 0.1)
    _subscribers(1)
    fake_graph.inject((400, {"error": {"code": code, "message": "x"}}))
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    assert OutboxMessage.objects.get().state == state
    assert len(fake_graph.accepted) == accepted
    expected = "opted_out" if code == 131050 else "confirmed"
    assert WhatsAppSubscriber.objects.get().status == expected


def test_throughput_errors_back_off_and_every_message_goes_once(make_deal, fake_graph, settings):
    fake_graph.limit = 20
    settings.WHATSAPP_MESSAGES_PER_SECOND = 200
    _subscribers(40)
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp", max_seconds=30)
    assert fake_graph.errors[130429] > 0
    assert len(fake_graph.counts) == 40 and fake_graph.duplicates() == 0


def test_webhook_verification(client, db, fake_graph):
    ok = client.get(
        "/hooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(
        "/hooks/whatsapp/",
        {"hub.mode": "subscribe", "hub.verify_token": "no", "hub.challenge": "1"},
    )
    assert bad.status_code == 403


def test_statuses_are_signed_deduplicated_and_never_go_backwards(client, make_deal, fake_graph):
    _subscribers(1)
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    row = OutboxMessage.objects.get()
    wamid, to = row.provider_message_id, "393200000000"
    read = fake_graph.status_payload(wamid, to, "read", str(row.pk))
    assert _post(client, fake_graph, read, signature="sha256=" + "0" * 64).status_code == 403
    row.refresh_from_db()
    assert row.delivery_status == ""
    for status in ["delivered", "read", "delivered", "sent", "read"]:
        body = fake_graph.status_payload(wamid, to, status, str(row.pk))
        assert _post(client, fake_graph, body).status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == "read" and row.state == "sent"
    assert _post(client, fake_graph, b"{not json").status_code == 400


def test_inbound_stop_opts_out_at_once(client, db, fake_graph):
    _subscribers(1)
    value = {
        "messages": [
            {"from": "393200000000", "id": "wamid.in", "type": "text", "text": {"body": "STOP"}}
        ]
    }
    body = json.dumps({"entry": [{"changes": [{"value": value}]}]}).encode()
    assert _post(client, fake_graph, body).status_code == 200
    assert WhatsAppSubscriber.objects.get().status == "opted_out"


def _worker(env):
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
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_broadcast_sends_every_message_exactly_once(make_deal, tmp_path):
    """SIGKILL during a 5,000-subscriber broadcast, then a restart: each subscriber gets one."""
    _subscribers(5000)
    deal = make_deal(status="live")
    rows = [
        OutboxMessage(deal=deal, channel="whatsapp", recipient=p, kind="offer")
        for p in WhatsAppSubscriber.objects.values_list("phone", flat=True)
    ]
    OutboxMessage.objects.bulk_create(rows, batch_size=1000)
    web_port = _free_port()
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
        "DEALS_RECONCILE_SECONDS": "8",
        "EDICOLA_DATA_DIR": str(tmp_path / "data"),
    }
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        # The subprocesses open the data directory's database, with the production pragmas.
        database = tmp_path / "data" / "edicola.sqlite3"
        database.parent.mkdir()
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
            "--skip-checks",
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
        time.sleep(0.5)
        restarted = _worker(env)
        _out, errors = restarted.communicate(timeout=90)
        assert restarted.returncode == 0, errors.decode()[-2000:]
        assert len(fake.counts) == 5000, f"lost {5000 - len(fake.counts)} (killed at {at_kill})"
        assert fake.duplicates() == 0
    finally:
        fake.stop()
        web.send_signal(signal.SIGTERM)
        web.wait(10)
