"""The one Telegram client: channel posts, their edits, private alerts, and what the bot says.

Built on python-telegram-bot's ExtBot with its AIORateLimiter: about 30 messages a second for
the bot, and a 429 pauses every request of the bot for `retry_after` before retrying. Private
chats additionally get at most one message a second each. TELEGRAM_API_URL points the bot at
another server (tests and benchmarks use a local fake of the Bot API).

Answers become typed results (deals.results): a read time-out after the request went out is
Unknown; a connection that never opened is NotSent; "bot was blocked by the user" (403) is
RecipientGone; a 429 the rate limiter could not absorb is RateLimited. deals.delivery decides
what each means; deals.messages renders the payloads.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from edicola.deals.results import (
    Failed,
    NotSent,
    RateLimited,
    RecipientGone,
    SendResult,
    Sent,
    Unknown,
)

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class TelegramPayload:
    """What the worker needs to send one row, prepared outside the event loop."""

    row_id: int
    kind: str
    chat_id: str
    text: str
    url: str
    button_label: str
    photo: bytes | None = None
    message_id: int | None = None


def _result_for_error(row_id: int, error: Exception) -> SendResult:
    cause = error.__cause__
    if isinstance(error, RetryAfter):
        seconds = error.retry_after
        seconds = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
        return RateLimited(row_id, seconds, str(error))
    if isinstance(error, Forbidden):
        return RecipientGone(row_id, f"forbidden: {error.message}")
    if isinstance(error, TimedOut | NetworkError) and isinstance(cause, NOT_SENT_ERRORS):
        return NotSent(row_id, str(error))
    if isinstance(error, TimedOut | NetworkError):
        return Unknown(row_id, f"no answer after sending: {error}")
    if isinstance(error, BadRequest):
        return Failed(row_id, f"bad request: {error.message}")
    return NotSent(row_id, str(error))


class _Limiter(AIORateLimiter):
    """python-telegram-bot's limiter, telling `on_release(chat_id, moment)` when each request
    leaves it (on the event loop's clock): the schedule the limits produced, whatever the
    network and the machine did afterwards."""

    def __init__(self, *, on_release: Callable[[str, float], None] | None, **kwargs):
        super().__init__(**kwargs)
        self._on_release = on_release

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if self._on_release is None or not data or "chat_id" not in data:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def released(*call_args, **call_kwargs):
            self._on_release(str(data["chat_id"]), asyncio.get_running_loop().time())
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(
            released, args, kwargs, endpoint, data, rate_limit_args
        )


@dataclass
class TelegramClient:
    """An initialised bot for one worker run; use inside `async with`. `on_release`, when given,
    hears of every request as the limits let it go (tests check the schedule with it)."""

    max_retries: int = 2
    per_chat_seconds: float = 1.0
    on_release: Callable[[str, float], None] | None = None
    _last_by_chat: dict[str, float] = field(default_factory=dict)
    _chat_locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def __aenter__(self):
        request = HTTPXRequest(connection_pool_size=64, read_timeout=10, connect_timeout=5)
        self.bot = ExtBot(
            settings.TELEGRAM_BOT_TOKEN,
            base_url=f"{settings.TELEGRAM_API_URL}/bot",
            base_file_url=f"{settings.TELEGRAM_API_URL}/file/bot",
            request=request,
            rate_limiter=_Limiter(max_retries=self.max_retries, on_release=self._released),
        )
        await self.bot.initialize()
        return self

    async def __aexit__(self, *exc):
        await self.bot.shutdown()

    def _released(self, chat_id: str, moment: float) -> None:
        self._last_by_chat[chat_id] = moment
        if self.on_release is not None:
            self.on_release(chat_id, moment)

    async def _pace(self, chat_id: str) -> None:
        """At most one message a second to the same private chat (on the event loop's clock),
        counted from the moment the limiter let the previous one go: the global limits may
        hold a message after its pacing, never release it earlier."""
        loop = asyncio.get_running_loop()
        last = self._last_by_chat.get(str(chat_id))
        now = loop.time()
        if last is not None and now - last < self.per_chat_seconds:
            await asyncio.sleep(self.per_chat_seconds - (now - last))

    async def send(self, payload: TelegramPayload) -> SendResult:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(payload.button_label, url=payload.url)]]
        )
        try:
            if payload.kind == "post":
                message = await self.bot.send_photo(
                    payload.chat_id,
                    photo=payload.photo,
                    caption=payload.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                return Sent(
                    payload.row_id, message_id=str(message.message_id), chat_id=str(message.chat_id)
                )
            if payload.kind == "sync":
                try:
                    await self.bot.edit_message_caption(
                        chat_id=payload.chat_id,
                        message_id=payload.message_id,
                        caption=payload.text,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                except BadRequest as error:
                    if "not modified" not in error.message.lower():
                        raise
                return Sent(payload.row_id, message_id=str(payload.message_id))
            # One message at a time per chat, paced from the previous one's release.
            async with self._chat_locks.setdefault(payload.chat_id, asyncio.Lock()):
                await self._pace(payload.chat_id)
                message = await self.bot.send_message(
                    payload.chat_id,
                    payload.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=None,
                )
            return Sent(payload.row_id, message_id=str(message.message_id))
        except TelegramError as error:
            return _result_for_error(payload.row_id, error)
