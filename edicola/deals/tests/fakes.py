"""Fake Telegram Bot API and WhatsApp Graph API servers on 127.0.0.1 for tests and benchmarks.

Both speak the real wire formats: Telegram's form / multipart / JSON requests and
{"ok": true, "result": ...} / {"ok": false, "error_code": 429, "description": ...,
"parameters": {"retry_after": N}} answers; Graph's JSON sends, {"messages": [{"id": "wamid..."}]}
answers and {"error": {"code": 130429, ...}} errors, with an optional throughput limit and signed
status webhooks (X-Hub-Signature-256, biz_opaque_callback_data echoed). Errors are injected per
request; "drop" reads and counts a request, then closes the connection without an answer (what a
read time-out looks like to the sender). Every accepted message is counted.

Run alone (benchmarks, manual tests):
    python -m edicola.deals.tests.fakes whatsapp --port 18190 --limit 1000
"""

import argparse
import asyncio
import collections
import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.request
from urllib.parse import parse_qsl, urlsplit


class FakeServer:
    """A small keep-alive HTTP/1.1 server on its own event loop (in a thread, or run alone)."""

    def __init__(self, port: int = 0):
        self.port = port
        self.lock = threading.Lock()
        self.injected: collections.deque = collections.deque()
        self.requests = 0
        self.open_connections = 0
        self._loop = None
        self._thread = None
        self._server = None

    # -- life cycle
    def start(self):
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._server = self._loop.run_until_complete(
                asyncio.start_server(self._serve, "127.0.0.1", self.port, backlog=512)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self):
        if self._loop:
            self._loop.call_soon_threadsafe(self._server.close)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def inject(self, *actions):
        """Queue answers for the next requests: ("drop",) or (status, json_body)."""
        with self.lock:
            self.injected.extend(actions)

    # -- HTTP
    async def _serve(self, reader, writer):
        with self.lock:
            self.open_connections += 1
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _version = line.decode("latin-1").split(" ", 2)
                headers = {}
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _sep, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                self.requests += 1
                answer = await self.respond(method, target, headers, body)
                if answer is None:  # dropped after reading: no answer at all
                    break
                status, payload = answer
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()
            with self.lock:
                self.open_connections -= 1

    def _next_injected(self):
        with self.lock:
            return self.injected.popleft() if self.injected else None

    async def respond(self, method, target, headers, body):  # pragma: no cover - overridden
        return 404, {}


def _form(headers: dict, body: bytes) -> dict:
    kind = headers.get("content-type", "")
    if kind.startswith("application/json"):
        return json.loads(body or b"{}")
    if kind.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        fields = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            fields[name] = payload if part.get_filename() else payload.decode()
        return fields
    return dict(parse_qsl(body.decode()))


class FakeTelegram(FakeServer):
    """The Bot API: getMe, sendPhoto, sendMessage, editMessageCaption, editMessageText."""

    CHANNEL_ID = -1001000000001

    def __init__(self, port: int = 0):
        super().__init__(port)
        self.messages: list[dict] = []  # every accepted send or edit, in order
        self.blocked: set[str] = set()
        self._ids = itertools.count(100)

    def sent(self, method: str | None = None) -> list[dict]:
        return [m for m in self.messages if method is None or m["method"] == method]

    async def respond(self, method, target, headers, body):
        path = urlsplit(target).path
        api_method = path.rsplit("/", 1)[-1]
        if not path.startswith("/bot"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        fields = _form(headers, body)
        if api_method == "getMe":
            return 200, {
                "ok": True,
                "result": {
                    "id": 4242,
                    "is_bot": True,
                    "first_name": "Edicola",
                    "username": "edicola_test_bot",
                },
            }
        injected = self._next_injected()
        if injected == ("drop",):
            with self.lock:
                self.messages.append({"method": api_method, "dropped": True, **_text(fields)})
            return None
        if injected:
            return injected
        chat = str(fields.get("chat_id", ""))
        if chat in self.blocked:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        chat_id = self.CHANNEL_ID if chat.startswith("@") else int(chat or 0)
        if api_method in ("sendPhoto", "sendMessage"):
            message_id = next(self._ids)
        elif api_method in ("editMessageCaption", "editMessageText"):
            message_id = int(fields.get("message_id", 0))
        else:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method"}
        record = {"method": api_method, "chat_id": chat, "message_id": message_id, **_text(fields)}
        record["at"] = time.monotonic()
        record["reply_markup"] = fields.get("reply_markup")
        record["has_photo"] = isinstance(fields.get("photo"), bytes)
        with self.lock:
            self.messages.append(record)
        result = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "channel" if chat_id < 0 else "private"},
        }
        if "caption" in fields:
            result["caption"] = fields["caption"]
        if "text" in fields:
            result["text"] = fields["text"]
        return 200, {"ok": True, "result": result}


def _text(fields: dict) -> dict:
    return {key: fields[key] for key in ("caption", "text", "parse_mode") if key in fields}


class FakeGraph(FakeServer):
    """The WhatsApp Cloud API's messages endpoint, with a throughput limit and status webhooks."""

    def __init__(
        self,
        port: int = 0,
        *,
        limit: float = 0,
        webhook_url: str = "",
        app_secret: str = "",
    ):
        super().__init__(port)
        self.limit = limit
        self.webhook_url = webhook_url
        self.app_secret = app_secret
        self.counts: collections.Counter = collections.Counter()  # recipient → accepted sends
        self.accepted: list[dict] = []
        self.errors: collections.Counter = collections.Counter()
        self.recipient_errors: dict[str, tuple[int, str]] = {}
        self._tokens = 0.0
        self._last = time.monotonic()
        self._ids = itertools.count(1)
        self._outgoing: list[tuple] = []
        self._sender: threading.Thread | None = None
        self._delivering = False
        self.undelivered = 0  # webhook batches given up on
        self.first_at = self.last_at = 0.0

    def _throttled(self) -> bool:
        if not self.limit:
            return False
        now = time.monotonic()
        burst = max(self.limit * 0.2, 5)
        self._tokens = min(burst, self._tokens + (now - self._last) * self.limit)
        self._last = now
        if self._tokens < 1:
            return True
        self._tokens -= 1
        return False

    async def respond(self, method, target, headers, body):
        if method != "POST" or not urlsplit(target).path.endswith("/messages"):
            return 404, {"error": {"message": "Unknown path", "code": 100}}
        if headers.get("authorization", "") in ("", "Bearer "):
            return 401, _graph_error(190, "Invalid OAuth access token")
        data = json.loads(body or b"{}")
        to = data.get("to", "")
        injected = self._next_injected()
        if injected == ("drop",):
            self._accept(to, data)
            return None
        if injected:
            return injected
        if to in self.recipient_errors:
            code, message = self.recipient_errors[to]
            self.errors[code] += 1
            return 400, _graph_error(code, message)
        if self._throttled():
            self.errors[130429] += 1
            return 400, _graph_error(130429, "Rate limit hit")
        wamid = self._accept(to, data)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    def _accept(self, to: str, data: dict) -> str:
        wamid = f"wamid.FAKE{next(self._ids):08d}"
        now = time.monotonic()
        with self.lock:
            self.counts[to] += 1
            self.accepted.append(
                {
                    "id": wamid,
                    "to": to,
                    "callback": data.get("biz_opaque_callback_data", ""),
                    "template": data.get("template"),
                }
            )
            self.first_at = self.first_at or now
            self.last_at = now
        if self.webhook_url:
            self.status_webhook(wamid, to, "sent", data.get("biz_opaque_callback_data", ""))
        return wamid

    def duplicates(self) -> int:
        return sum(count - 1 for count in self.counts.values() if count > 1)

    # -- status webhooks, as Meta sends them: signed, batched, possibly late
    def status_payload(self, wamid: str, to: str, status: str, callback: str = "") -> bytes:
        return self.statuses_payload([(wamid, to, status, callback)])

    def statuses_payload(self, statuses: list[tuple]) -> bytes:
        items = [
            {
                "id": wamid,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": to,
                **({"biz_opaque_callback_data": callback} if callback else {}),
            }
            for wamid, to, status, callback in statuses
        ]
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "1"},
            "statuses": items,
        }
        change = {"field": "messages", "value": value}
        body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
        return json.dumps(body).encode()

    def sign(self, body: bytes) -> str:
        return "sha256=" + hmac.new(self.app_secret.encode(), body, hashlib.sha256).hexdigest()

    def status_webhook(self, wamid, to, status, callback=""):
        with self.lock:
            self._outgoing.append((wamid, to, status, callback))
            if self._sender is None:
                self._sender = threading.Thread(target=self._deliver_loop, daemon=True)
                self._sender.start()

    def _deliver_loop(self):
        while True:
            time.sleep(0.05)
            with self.lock:
                batch, self._outgoing = self._outgoing[:200], self._outgoing[200:]
                self._delivering = bool(batch)
            if batch:
                self._deliver(self.statuses_payload(batch))
                with self.lock:
                    self._delivering = False

    def settled(self) -> bool:
        """No sender is connected and every status webhook was acknowledged: every message
        this server ever accepted is now known to the site."""
        with self.lock:
            return not (self.open_connections or self._outgoing or self._delivering)

    def wait_settled(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not self.settled():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _deliver(self, body: bytes, tries: int = 100):
        for _attempt in range(tries):
            request = urllib.request.Request(
                self.webhook_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": self.sign(body),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        with self.lock:
            self.undelivered += 1


def _graph_error(code: int, message: str) -> dict:
    return {
        "error": {
            "message": f"({code}) {message}",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message},
            "fbtrace_id": "AFakeTrace",
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["whatsapp", "telegram"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--limit", type=float, default=0)
    parser.add_argument("--webhook-url", default="")
    parser.add_argument("--app-secret", default="")
    parser.add_argument("--stats", default="", help="write counts as JSON here on SIGTERM/SIGINT")
    args = parser.parse_args()
    if args.kind == "whatsapp":
        server = FakeGraph(
            args.port, limit=args.limit, webhook_url=args.webhook_url, app_secret=args.app_secret
        )
    else:
        server = FakeTelegram(args.port)
    server.start()
    import signal

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"ready {server.url}", flush=True)
    while not stop.wait(0.2):
        pass
    if args.stats and isinstance(server, FakeGraph):
        with open(args.stats, "w") as handle:
            json.dump(
                {
                    "accepted": len(server.accepted),
                    "recipients": len(server.counts),
                    "duplicates": server.duplicates(),
                    "errors": dict(server.errors),
                    "seconds": server.last_at - server.first_at,
                },
                handle,
            )
    server.stop()


if __name__ == "__main__":
    main()
