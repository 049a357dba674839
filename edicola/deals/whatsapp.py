"""The one WhatsApp Cloud API client: template sends, webhook signatures, error codes.

Sends go to POST {WHATSAPP_API_URL}/{phone number id}/messages with a bearer token, at most
WHATSAPP_MESSAGES_PER_SECOND (80 by default, the per-number limit), evenly spaced, over a few
kept-alive HTTP/1.1 connections driven by h11 on asyncio (a general HTTP client costs several
times more CPU per request, which caps a worker well below 1,000 messages a second).

Meta's error codes become typed results (deals.results): 130429 (throughput) pauses every send
and is RateLimited, as is 131056 (too many messages to one user, retried later); 131047 / 131049
are Failed; 131050 is RecipientGone (deals.delivery opts the number out). A time-out or a broken
connection after the request went out is Unknown; a connection that never opened is NotSent.
Our outbox id travels in `biz_opaque_callback_data` and comes back in the status webhooks, which
settle unknown rows.
"""

import asyncio
import hashlib
import hmac
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11
from django.conf import settings

from edicola.deals.results import (
    Failed,
    NotSent,
    RateLimited,
    RecipientGone,
    SendResult,
    Sent,
    Unknown,
)

THROUGHPUT_ERROR = 130429
PAIR_RATE_ERROR = 131056
NOT_RETRIED_ERRORS = {131047, 131049}
OPTED_OUT_ERROR = 131050
PAIR_RATE_SECONDS = 6.0
THROUGHPUT_PAUSE_SECONDS = 1.0
CONNECT_SECONDS = 5.0
ANSWER_SECONDS = 10.0
CATCH_UP_SECONDS = 0.1
IDLE_SECONDS = 4.0  # a connection idle longer may have been closed by the server: open another


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
    """Evenly spaced sends at `rate` per second; `pause()` holds every sender. A sender that
    fell behind (the process was not scheduled for a moment) may catch up by at most
    CATCH_UP_SECONDS worth of messages, a burst far below what a per-second limit tolerates."""

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
            self.next_at = max(self.next_at, now - CATCH_UP_SECONDS) + self.interval

    def pause(self, seconds: float) -> None:
        self.next_at = max(self.next_at, time.monotonic() + seconds)


class NoAnswer(Exception):
    """The request went out (maybe only in part) and no complete answer came back."""


class _Connection:
    """One kept-alive HTTP/1.1 connection (h11 parses and frames; asyncio does the I/O)."""

    def __init__(self, reader, writer):
        self.reader = reader
        self.writer = writer
        self.http = h11.Connection(h11.CLIENT)
        self.used_at = time.monotonic()

    def reusable(self) -> bool:
        return (
            self.http.our_state is h11.IDLE
            and not self.reader.at_eof()
            and time.monotonic() - self.used_at < IDLE_SECONDS
        )

    async def post(self, host: str, target: str, headers: list, body: bytes):
        request = h11.Request(
            method="POST",
            target=target,
            headers=[("Host", host), ("Content-Length", str(len(body))), *headers],
        )
        try:
            self.writer.write(
                self.http.send(request)
                + self.http.send(h11.Data(data=body))
                + self.http.send(h11.EndOfMessage())
            )
            await self.writer.drain()
            status, chunks = 0, []
            while True:
                event = self.http.next_event()
                if event is h11.NEED_DATA:
                    self.http.receive_data(await self.reader.read(65536))
                elif isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    chunks.append(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    raise NoAnswer("connection closed before the answer")
        except (OSError, h11.ProtocolError) as error:
            raise NoAnswer(repr(error)) from error
        self.used_at = time.monotonic()
        if self.http.our_state is h11.DONE and self.http.their_state is h11.DONE:
            self.http.start_next_cycle()  # otherwise the server closes it: not reusable
        return status, b"".join(chunks)

    def close(self) -> None:
        self.writer.close()


class WhatsAppClient:
    """Kept-alive connections and one rate limiter for a worker run; use in `async with`.

    A connection that cannot be opened means nothing was sent (the row is retried); once the
    request is written, a failure or a silence of ANSWER_SECONDS makes the row `unknown`.
    """

    def __init__(self, rate: float | None = None, concurrency: int = 64):
        self.rate = rate or settings.WHATSAPP_MESSAGES_PER_SECOND
        self.limiter = RateLimiter(self.rate)
        self.concurrency = concurrency
        url = urlsplit(settings.WHATSAPP_API_URL)
        self.tls = url.scheme == "https"
        self.host = url.hostname or ""
        self.port = url.port or (443 if self.tls else 80)
        self.host_header = url.netloc.rpartition("@")[2]
        self.target = f"{url.path.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        self.headers = [
            ("Authorization", f"Bearer {settings.WHATSAPP_TOKEN}"),
            ("Content-Type", "application/json"),
            ("User-Agent", "edicola-deals"),
        ]

    async def __aenter__(self):
        self.slots = asyncio.Semaphore(self.concurrency)
        self.idle: list[_Connection] = []
        return self

    async def __aexit__(self, *exc):
        for connection in self.idle:
            connection.close()
        self.idle = []

    async def _connection(self) -> _Connection:
        while self.idle:
            connection = self.idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        context = ssl.create_default_context() if self.tls else None
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                self.host, self.port, ssl=context, server_hostname=self.host if self.tls else None
            ),
            CONNECT_SECONDS,
        )
        return _Connection(reader, writer)

    async def send(self, payload: WhatsAppPayload) -> SendResult:
        body = json.dumps(template_body(payload), separators=(",", ":")).encode()
        async with self.slots:
            await self.limiter.wait()
            try:
                connection = await self._connection()
            except (OSError, TimeoutError) as error:  # nothing went out: try again later
                return NotSent(payload.row_id, repr(error)[:200])
            try:
                async with asyncio.timeout(ANSWER_SECONDS):
                    status, answer = await connection.post(
                        self.host_header, self.target, self.headers, body
                    )
            except (NoAnswer, TimeoutError) as error:
                connection.close()
                return Unknown(payload.row_id, f"no answer after sending: {error!r}"[:300])
            self.idle.append(connection)
        return self._result(payload.row_id, status, answer)

    def _result(self, row_id: int, status: int, answer: bytes) -> SendResult:
        try:
            data = json.loads(answer)
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if status == 200 and data.get("messages"):
            return Sent(row_id, message_id=str(data["messages"][0]["id"]))
        error = data.get("error") or {}
        code = error.get("code")
        text = f"{code}: {error.get('message', status)}"
        if code == THROUGHPUT_ERROR:
            self.limiter.pause(THROUGHPUT_PAUSE_SECONDS)
            return RateLimited(row_id, THROUGHPUT_PAUSE_SECONDS, text)
        if code == PAIR_RATE_ERROR:
            return RateLimited(row_id, PAIR_RATE_SECONDS, text)
        if code == OPTED_OUT_ERROR:
            return RecipientGone(row_id, text)
        if code in NOT_RETRIED_ERRORS:
            return Failed(row_id, text)
        if status >= 500 or code is None:
            return NotSent(row_id, text)
        return Failed(row_id, text)
