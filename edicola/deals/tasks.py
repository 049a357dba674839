"""Outbox workers: claim due rows of one channel, render them (messages.py), send them through
that channel's client and hand the typed results to delivery.py, which decides what they mean.
Safe to run twice or side by side: claims are leased (outbox.py).

The database is used from the calling thread only; sending happens on an event loop in a helper
thread, so batch N+1 is being sent while batch N is recorded.
"""

import asyncio
import logging
import threading
import time
from concurrent.futures import Future

from django.conf import settings
from django.tasks import task
from django.utils import timezone, translation

from edicola.deals import delivery, messages, outbox
from edicola.deals.models import OutboxMessage
from edicola.deals.telegram import TelegramClient
from edicola.deals.whatsapp import WhatsAppClient

logger = logging.getLogger(__name__)
Channel = OutboxMessage.Channel
Kind = OutboxMessage.Kind


@task()
def drain_outbox(channel: str) -> int:
    """Send every due message of a channel; returns how many rows were handled."""
    return drain(channel, max_seconds=600)


class _Loop:
    """An event loop in a daemon thread, holding a platform client open between batches."""

    def __init__(self, client):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = self.run(self._enter(client)).result()

    async def _enter(self, client):
        return await client.__aenter__()

    def run(self, coroutine) -> Future:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def send_all(self, payloads) -> Future:
        async def gather():
            return await asyncio.gather(*(self.client.send(p) for p in payloads))

        return self.run(gather())

    def close(self) -> None:
        try:
            self.run(self.client.__aexit__(None, None, None)).result(timeout=10)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=5)


def _client(channel: str):
    if channel == Channel.WHATSAPP:
        return WhatsAppClient()
    return _client_for_telegram()


def _client_for_telegram():
    return TelegramClient()


def _batch_size(channel: str) -> int:
    if channel == Channel.WHATSAPP:
        return max(20, min(500, int(settings.WHATSAPP_MESSAGES_PER_SECOND / 4)))
    return 30


def drain(
    channel: str,
    *,
    max_seconds: float = 600,
    wait_for_unsettled: bool = False,
    lease_seconds: float | None = None,
    reconcile_before=None,
) -> int:
    """Claim, send and record until nothing is due (or, with `wait_for_unsettled`, until nothing
    is pending, sending or waiting to be reconciled), within `max_seconds`. `reconcile_before`:
    unknown rows untouched since then and without a status webhook are sent again (the caller
    knows every webhook up to that moment has arrived); see outbox.recover."""
    deadline = time.monotonic() + max_seconds
    handled = 0
    loop = None
    in_flight: tuple[Future, dict[int, int]] | None = None
    try:
        with translation.override(settings.LANGUAGE_CODE):
            while time.monotonic() < deadline:
                outbox.recover(channel, reconcile_before=reconcile_before)
                rows = outbox.claim(channel, _batch_size(channel), lease_seconds=lease_seconds)
                future = None
                if rows:
                    ready, skipped = messages.prepare(rows)
                    if skipped:
                        outbox.record(skipped)
                    if ready:
                        if loop is None:
                            try:
                                loop = _Loop(_client(channel))
                            except Exception as error:  # nothing was sent: give the rows back
                                logger.warning("%s client could not start: %r", channel, error)
                                outbox.record(
                                    outbox.Outcome(
                                        p.row_id,
                                        "pending",
                                        error=repr(error)[:200],
                                        retry_after=5.0,
                                    )
                                    for p in ready
                                )
                                break
                        future = (
                            loop.send_all(ready),
                            {row.pk: row.attempts for row in rows},
                        )
                    handled += len(rows)
                if in_flight:
                    _finish(channel, *in_flight)
                in_flight = future
                if rows:
                    continue
                if in_flight:
                    _finish(channel, *in_flight)
                    in_flight = None
                due = outbox.next_due(channel)
                if due is None and not (wait_for_unsettled and outbox.unsettled(channel)):
                    break
                pause = 0.2 if due is None else (due - timezone.now()).total_seconds()
                if not wait_for_unsettled and pause > 30:
                    break  # the clock starts a worker again when it falls due
                time.sleep(min(max(pause, 0.05), 1.0, max(deadline - time.monotonic(), 0)))
            if in_flight:
                _finish(channel, *in_flight)
    finally:
        if loop is not None:
            loop.close()
    return handled


def _finish(channel: str, future: Future, attempts: dict[int, int]) -> None:
    delivery.settle(channel, future.result(), attempts)
