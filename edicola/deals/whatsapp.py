"""The one WhatsApp Cloud API client: template sends, webhook signatures, error codes.

Sends go to POST {WHATSAPP_API_URL}/{phone number id}/messages with a bearer token, at most
WHATSAPP_MESSAGES_PER_SECOND (80 by default, the per-number limit). Meta's error codes map to
outbox outcomes: 130429 (throughput) pauses every send and retries, 131056 (too many messages to
one user) retries that one later, 131047 / 131049 fail without retry, 131050 fails and opts the
subscriber out. A read time-out after the request went out is `unknown`; a connection that never
opened is retried. Our outbox id travels in `biz_opaque_callback_data` and comes back in the
status webhooks, which settle unknown rows.
"""

import asyncio
import hashlib
import hmac
import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from edicola.deals.outbox import Outcome

THROUGHPUT_ERROR = 130429
PAIR_RATE_ERROR = 131056
NOT_RETRIED_ERRORS = {131047, 131049}
OPTED_OUT_ERROR = 131050
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
PAIR_RATE_SECONDS = 6.0
THROUGHPUT_PAUSE_SECONDS = 1.0


def signature_is_valid(body: bytes, header: str) -> bool:
    """Whether X-Hub-Signature-256 is the HMAC-SHA256 of the body with our app secret."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


@dataclass
class WhatsAppPayload:
    row_id: int
    to: str
    template: str
    language: str
    parameters: list[str]


def template_body(payload: WhatsAppPayload) -> dict:
    components = []
    if payload.parameters:
        components.append(
            {
                "type": "body",
                "parameters": [{"type": "text", "text": value} for value in payload.parameters],
            }
        )
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": payload.to.removeprefix("+"),
        "type": "template",
        "template": {
            "name": payload.template,
            "language": {"code": payload.language},
            "components": components,
        },
        "biz_opaque_callback_data": str(payload.row_id),
    }


class RateLimiter:
    """Evenly spaced sends at `rate` per second; `pause()` holds every sender."""

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self.next_at = time.monotonic()
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_at > now:
                await asyncio.sleep(self.next_at - now)
                now = time.monotonic()
            self.next_at = max(self.next_at, now - 0.05) + self.interval

    def pause(self, seconds: float) -> None:
        self.next_at = max(self.next_at, time.monotonic() + seconds)


class WhatsAppClient:
    """One HTTP connection pool and one rate limiter for a worker run; use in `async with`."""

    def __init__(self, rate: float | None = None, concurrency: int = 64):
        self.rate = rate or settings.WHATSAPP_MESSAGES_PER_SECOND
        self.limiter = RateLimiter(self.rate)
        self.slots = asyncio.Semaphore(concurrency)
        self.url = f"{settings.WHATSAPP_API_URL}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"

    async def __aenter__(self):
        self.http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"},
            timeout=httpx.Timeout(10.0, connect=5.0, pool=30.0),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )
        return self

    async def __aexit__(self, *exc):
        await self.http.aclose()

    async def send(self, payload: WhatsAppPayload) -> Outcome:
        async with self.slots:
            await self.limiter.wait()
            try:
                response = await self.http.post(self.url, json=template_body(payload))
            except NOT_SENT_ERRORS as error:
                return Outcome(payload.row_id, "pending", error=repr(error), retry_after=2.0)
            except httpx.HTTPError as error:
                return Outcome(
                    payload.row_id, "unknown", error=f"no answer after sending: {error!r}"
                )
        return self._outcome(payload.row_id, response)

    def _outcome(self, row_id: int, response: httpx.Response) -> Outcome:
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code == 200 and data.get("messages"):
            return Outcome(row_id, "sent", provider_message_id=data["messages"][0]["id"])
        error = data.get("error") or {}
        code = error.get("code")
        text = f"{code}: {error.get('message', response.status_code)}"
        if code == THROUGHPUT_ERROR:
            self.limiter.pause(THROUGHPUT_PAUSE_SECONDS)
            return Outcome(row_id, "pending", error=text, retry_after=THROUGHPUT_PAUSE_SECONDS)
        if code == PAIR_RATE_ERROR:
            return Outcome(row_id, "pending", error=text, retry_after=PAIR_RATE_SECONDS)
        if code in NOT_RETRIED_ERRORS or code == OPTED_OUT_ERROR:
            return Outcome(row_id, "failed", error=text)
        if response.status_code >= 500 or code is None:
            return Outcome(row_id, "pending", error=text, retry_after=5.0)
        return Outcome(row_id, "failed", error=text)


def payload_for(row) -> WhatsAppPayload:
    """The template message of a claimed row: an offer (filled from the deal) or the opt-in
    confirmation."""
    from edicola.deals.outbox import deal_link
    from edicola.deals.services import disclosure_for
    from edicola.deals.telegram import format_price

    if row.kind == "confirm":
        return WhatsAppPayload(
            row.pk,
            row.recipient,
            settings.WHATSAPP_CONFIRM_TEMPLATE,
            settings.WHATSAPP_TEMPLATE_LANGUAGE,
            [],
        )
    deal = row.deal
    old = format_price(deal.original_price) if deal.original_price else "-"
    parameters = [
        deal.title[:200],
        format_price(deal.price),
        old,
        deal.coupon_code or "-",
        deal_link(deal, "whatsapp"),
        disclosure_for(deal)[:200],
    ]
    return WhatsAppPayload(
        row.pk,
        row.recipient,
        settings.WHATSAPP_OFFER_TEMPLATE,
        settings.WHATSAPP_TEMPLATE_LANGUAGE,
        parameters,
    )
