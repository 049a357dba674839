"""deals.webhooks: signed callbacks from Telegram (the bot's commands) and WhatsApp
(verification, statuses, STOP)."""

import json
from decimal import Decimal

from django.utils.translation import gettext

from edicola.deals import alerts, services, tasks
from edicola.deals.models import Alert, Deal, OutboxMessage, TelegramSubscriber, WhatsAppSubscriber
from edicola.deals.tests.factories import signed_whatsapp_post, whatsapp_subscribers


def _update(text, chat_id=555):
    return json.dumps(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "text": text,
                "chat": {"id": chat_id, "type": "private", "first_name": "Ada"},
            },
        }
    )


def _hook(client, body, secret="tg-secret"):
    return client.post(
        "/hooks/telegram/",
        body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
    )


def test_webhook_with_a_wrong_secret_is_refused_and_changes_nothing(client, db, fake_telegram):
    assert _hook(client, _update("/start"), secret="nope").status_code == 403
    assert _hook(client, _update("/start"), secret="").status_code == 403
    assert not TelegramSubscriber.objects.exists()


def test_bot_commands(client, db, fake_telegram):
    reply = _hook(client, _update("/start")).json()
    assert reply["method"] == "sendMessage" and reply["chat_id"] == 555
    assert "redmi" in _hook(client, _update("/avvisi redmi 200")).json()["text"]
    alert = Alert.objects.get()
    assert alert.keyword == "redmi" and alert.max_price == Decimal("200")
    assert "redmi" in _hook(client, _update("/lista")).json()["text"]
    assert gettext("I did not understand.") in _hook(client, _update("/boh")).json()["text"]
    bad = _hook(client, _update("/avvisi redmi -3")).json()["text"]
    assert bad == gettext("The maximum price must be greater than zero.")
    _hook(client, _update("/stop"))
    assert not Alert.objects.exists()
    assert not TelegramSubscriber.objects.get().is_active
    assert _hook(client, "not json").status_code == 400


def test_site_alert_is_linked_when_the_reader_opens_the_bot(client, db, fake_telegram):
    alert = alerts.create_site_alert(alerts.parse_alert("poco", "300"))
    _hook(client, _update(f"/start {alert.token}", chat_id=9))
    alert.refresh_from_db()
    assert alert.subscriber.chat_id == 9
    assert Deal.objects.count() == 0


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
    whatsapp_subscribers(1)
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    row = OutboxMessage.objects.get()
    wamid, to = row.provider_message_id, "393200000000"
    read = fake_graph.status_payload(wamid, to, "read", str(row.pk))
    assert (
        signed_whatsapp_post(client, fake_graph, read, signature="sha256=" + "0" * 64).status_code
        == 403
    )
    row.refresh_from_db()
    assert row.delivery_status == ""
    for status in ["delivered", "read", "delivered", "sent", "read"]:
        body = fake_graph.status_payload(wamid, to, status, str(row.pk))
        assert signed_whatsapp_post(client, fake_graph, body).status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == "read" and row.state == "sent"
    assert signed_whatsapp_post(client, fake_graph, b"{not json").status_code == 400


def test_a_failed_status_settles_an_unknown_row_and_131050_opts_out(client, make_deal, fake_graph):
    whatsapp_subscribers(2)
    fake_graph.inject(("drop",), ("drop",))
    services.deal_saved(make_deal(status="live"), "draft")
    tasks.drain("whatsapp")
    first, second = OutboxMessage.objects.order_by("pk")
    by_row = {a["callback"]: a for a in fake_graph.accepted}
    for row, code in ((first, 131026), (second, 131050)):
        accepted = by_row[str(row.pk)]
        status = {
            "id": accepted["id"],
            "status": "failed",
            "timestamp": "1",
            "recipient_id": accepted["to"],
            "biz_opaque_callback_data": str(row.pk),
            "errors": [{"code": code, "title": "x"}],
        }
        value = {"messaging_product": "whatsapp", "statuses": [status]}
        body = json.dumps({"entry": [{"changes": [{"field": "messages", "value": value}]}]})
        assert signed_whatsapp_post(client, fake_graph, body.encode()).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, first.delivery_status) == ("failed", "failed")
    assert first.error.startswith("131026")
    assert second.state == "failed"
    statuses = dict(WhatsAppSubscriber.objects.values_list("phone", "status"))
    assert statuses == {first.recipient: "confirmed", second.recipient: "opted_out"}
    # A late "delivered" for a failed row changes nothing; nor does a replay.
    late = fake_graph.status_payload(by_row[str(first.pk)]["id"], "x", "delivered", str(first.pk))
    assert signed_whatsapp_post(client, fake_graph, late).status_code == 200
    first.refresh_from_db()
    assert first.delivery_status == "failed"


def test_inbound_stop_opts_out_at_once(client, db, fake_graph):
    whatsapp_subscribers(1)
    value = {
        "messages": [
            {"from": "393200000000", "id": "wamid.in", "type": "text", "text": {"body": "STOP"}}
        ]
    }
    body = json.dumps({"entry": [{"changes": [{"value": value}]}]}).encode()
    assert signed_whatsapp_post(client, fake_graph, body).status_code == 200
    assert WhatsAppSubscriber.objects.get().status == "opted_out"
