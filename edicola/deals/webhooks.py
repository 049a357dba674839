"""Signed callbacks from the platforms: verify first, then call a service.

Telegram: the bot's updates, with X-Telegram-Bot-Api-Secret-Token; the reply to a command goes
back in the webhook's own response (a sendMessage method), so it needs no outbox row.
WhatsApp: GET verification (hub.mode, hub.verify_token, hub.challenge) and POSTs signed with
X-Hub-Signature-256 carrying statuses and inbound messages. A bad secret or signature is a 403
and changes nothing; malformed bodies are a 400; replays are harmless (services are idempotent).
"""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from edicola.deals import alerts, subscribers
from edicola.deals.whatsapp import signature_is_valid

logger = logging.getLogger(__name__)
MAX_BODY = 1_000_000


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def telegram_webhook(request):
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not secret or not hmac.compare_digest(secret.encode(), given.encode()):
        return _no_store(HttpResponseForbidden("forbidden"))
    if len(request.body) > MAX_BODY:
        return _no_store(HttpResponseBadRequest("too large"))
    try:
        update = json.loads(request.body)
        message = update.get("message") or update.get("edited_message")
    except (ValueError, AttributeError):
        return _no_store(HttpResponseBadRequest("bad json"))
    if not isinstance(message, dict):
        return _no_store(JsonResponse({}))
    chat = message.get("chat") or {}
    text = message.get("text")
    if chat.get("type") != "private" or not isinstance(text, str) or not chat.get("id"):
        return _no_store(JsonResponse({}))
    try:
        chat_id = int(chat["id"])
    except (TypeError, ValueError):
        return _no_store(HttpResponseBadRequest("bad chat"))
    name = str(chat.get("first_name") or chat.get("username") or "")
    reply = alerts.bot_command(chat_id, name, text[:1000])
    return _no_store(JsonResponse({"method": "sendMessage", "chat_id": chat_id, "text": reply}))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        token = settings.WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and token
            and hmac.compare_digest(token.encode(), given.encode())
        ):
            challenge = request.GET.get("hub.challenge", "")[:200]
            return _no_store(HttpResponse(challenge, content_type="text/plain"))
        return _no_store(HttpResponseForbidden("forbidden"))
    if not signature_is_valid(request.body, request.headers.get("X-Hub-Signature-256", "")):
        return _no_store(HttpResponseForbidden("forbidden"))
    try:
        payload = json.loads(request.body)
        changes = [
            change.get("value") or {}
            for entry in payload.get("entry", [])
            for change in entry.get("changes", [])
        ]
    except (ValueError, AttributeError, TypeError):
        return _no_store(HttpResponseBadRequest("bad json"))
    statuses = []
    for value in changes:
        if not isinstance(value, dict):
            continue
        for status in value.get("statuses") or []:
            if not isinstance(status, dict):
                continue
            errors = status.get("errors")
            first = errors[0] if isinstance(errors, list) and errors else None
            code = first.get("code") if isinstance(first, dict) else None
            statuses.append(
                subscribers.StatusUpdate(
                    message_id=str(status.get("id", ""))[:128],
                    status=str(status.get("status", "")),
                    row_id=str(status.get("biz_opaque_callback_data", ""))[:20],
                    error_code=code if isinstance(code, int) else None,
                )
            )
    subscribers.whatsapp_statuses(statuses)
    for value in changes:
        if not isinstance(value, dict):
            continue
        for message in value.get("messages") or []:
            if not isinstance(message, dict):
                continue
            text = ""
            if message.get("type") == "text":
                text = (message.get("text") or {}).get("body", "")
            elif message.get("type") == "button":
                text = (message.get("button") or {}).get("text", "")
            subscribers.whatsapp_inbound(str(message.get("from", "")), str(text)[:100])
    return _no_store(HttpResponse("ok", content_type="text/plain"))
