"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for mail tests.

    from edicola.core.tests.fakes import smtp_server  # noqa: F401  (the fixture)

The fixture points settings.MAILERS["default"] at the server, so the code under test sends
through our real SMTP backend (Django's, edicola.core.smtp). `inbox.stall_seconds` makes it a
slow server: it keeps the message and answers the end of DATA only after that long.
"""

import asyncio
import email
import email.policy
import socket
import threading
import time

import pytest
from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse = 0  # answer the next N messages with a temporary failure
        self.stall_seconds = 0.0  # keep each message, but answer only after this long
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 Try again later"
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(
                email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            )
        if self.stall_seconds:  # a slow server: it has the message, but says so late
            await asyncio.sleep(self.stall_seconds)
        return "250 Message accepted"


class SMTPServer:
    """An aiosmtpd server on 127.0.0.1 and a free port; `.messages` are the parsed messages."""

    def __init__(self):
        self.inbox = _Inbox()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.inbox.messages

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_server(settings):
    server = SMTPServer().start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "edicola.core.smtp.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    try:
        yield server
    finally:
        server.stop()
