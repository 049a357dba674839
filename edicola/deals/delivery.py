"""What a send's result means: the one place that decides, for each typed result of a client
(deals.results), what happens to the outbox row, the subscriber and the deal.

- Sent: the row is sent; a channel post's chat and message id are kept on the deal (its later
  edits and the "deal over" edit need them).
- RecipientGone: the row fails and the subscriber is let go (a Telegram chat that blocked the
  bot is deactivated, a WhatsApp number that opted out is opted out).
- RateLimited: tried again after the platform's pause; NotSent: after the SENDS backoff. Either
  fails once the row had SENDS.max_attempts tries.
- Unknown: the row waits for proof (outbox.recover); Failed: the row fails.
"""

from collections.abc import Iterable
from datetime import timedelta

from edicola.core.retry import Backoff
from edicola.deals import alerts, outbox, subscribers
from edicola.deals.models import Deal, OutboxMessage
from edicola.deals.results import (
    Failed,
    NotSent,
    RateLimited,
    RecipientGone,
    SendResult,
    Sent,
    Unknown,
)

Channel = OutboxMessage.Channel
State = OutboxMessage.State

# Tries of one outbox row, and the pause after a try that reached no one.
SENDS = Backoff(
    max_attempts=5,
    delays=(timedelta(seconds=2), timedelta(seconds=5)),
)


def settle(
    channel: str, results: Iterable[SendResult], attempts: dict[int, int] | None = None
) -> None:
    """Record a batch of results of one channel and act on them. `attempts`: the tries each row
    has had, this one included (without it, a row is never given up for its tries)."""
    results = list(results)
    attempts = attempts or {}
    outbox.record(_outcome(result, attempts.get(result.row_id, 0)) for result in results)
    sent = [r for r in results if isinstance(r, Sent)]
    if channel == Channel.TELEGRAM_CHANNEL:
        _remember_posts([r for r in sent if r.chat_id])
    gone = [r.row_id for r in results if isinstance(r, RecipientGone)]
    if gone:
        recipients = OutboxMessage.objects.filter(pk__in=gone).values_list("recipient", flat=True)
        for recipient in recipients:
            if channel == Channel.TELEGRAM_CHAT:
                alerts.deactivate_telegram(recipient)
            elif channel == Channel.WHATSAPP:
                subscribers.whatsapp_opt_out(recipient)


def _outcome(result: SendResult, attempts: int) -> outbox.Outcome:
    row = result.row_id
    match result:
        case Sent(message_id=message_id):
            return outbox.Outcome(row, State.SENT, provider_message_id=message_id)
        case RecipientGone(reason=reason) | Failed(reason=reason):
            return outbox.Outcome(row, State.FAILED, error=reason)
        case Unknown(reason=reason):
            return outbox.Outcome(row, State.UNKNOWN, error=reason)
        case RateLimited(reason=reason, retry_after=pause):
            return _retried(row, reason, attempts, pause)
        case NotSent(reason=reason):
            return _retried(row, reason, attempts, SENDS.delay(attempts).total_seconds())
    raise TypeError(f"not a send result: {result!r}")


def _retried(row: int, reason: str, attempts: int, pause: float) -> outbox.Outcome:
    if SENDS.exhausted(attempts):
        return outbox.Outcome(row, State.FAILED, error=reason)
    return outbox.Outcome(row, State.PENDING, error=reason, retry_after=pause)


def _remember_posts(posts: list[Sent]) -> None:
    deal_ids = dict(
        OutboxMessage.objects.filter(pk__in=[p.row_id for p in posts]).values_list("pk", "deal_id")
    )
    for post in posts:
        Deal.objects.filter(pk=deal_ids.get(post.row_id)).update(
            telegram_chat_id=post.chat_id, telegram_message_id=int(post.message_id)
        )
