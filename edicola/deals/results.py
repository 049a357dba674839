"""What a platform said about one send: the typed results both clients return.

The Telegram and WhatsApp clients translate their platform's answers (exceptions, Meta's error
codes, time-outs) into one of these and decide nothing else; `deals.delivery` decides what each
means for the outbox row, the subscriber and the deal. `reason` is the platform's own wording,
kept on the row for the operator.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """The platform accepted the message; `chat_id` is where a channel post lives."""

    row_id: int
    message_id: str = ""
    chat_id: str = ""


@dataclass(frozen=True)
class RecipientGone:
    """The recipient does not want messages any more (blocked the bot, opted out)."""

    row_id: int
    reason: str


@dataclass(frozen=True)
class RateLimited:
    """The platform asked us to slow down: nothing was delivered, try again after a pause."""

    row_id: int
    retry_after: float
    reason: str


@dataclass(frozen=True)
class NotSent:
    """Nothing reached the recipient (no connection, a server error): safe to try again."""

    row_id: int
    reason: str


@dataclass(frozen=True)
class Unknown:
    """The request went out and no answer came back: it may or may not have been delivered."""

    row_id: int
    reason: str


@dataclass(frozen=True)
class Failed:
    """The platform refused this message for good (bad request, a template it will not send)."""

    row_id: int
    reason: str


SendResult = Sent | RecipientGone | RateLimited | NotSent | Unknown | Failed
