"""The one Telegram client: channel posts, their edits, private alerts, and what the bot says.

Built on python-telegram-bot's ExtBot with its AIORateLimiter: about 30 messages a second for
the bot, and a 429 pauses every request of the bot for `retry_after` before retrying. Private
chats additionally get at most one message a second each. TELEGRAM_API_URL points the bot at
another server (tests and benchmarks use a local fake of the Bot API).

Errors are mapped to outbox outcomes: a read time-out after the request went out is `unknown`;
a connection that never opened is retried; "bot was blocked by the user" (403) fails the row and
the caller deactivates the subscriber.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import HTTPXRequest

from edicola.deals.formatting import format_price
from edicola.deals.outbox import Outcome

CAPTION_LIMIT = 1024
TEXT_LIMIT = 4096
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _shorten(text: str, limit: int) -> str:
    """Cut at a word boundary, with an ellipsis, to at most `limit` characters."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-") + "…"


def deal_message(deal, *, disclosure: str, limit: int = CAPTION_LIMIT) -> str:
    """The HTML of a deal's post: title, price, old price, discount, code, expiry, disclosure.

    The title is shortened (at a word) so that the whole message, tags included, fits `limit`;
    everything else is always present.
    """
    lines = []
    if deal.is_over:
        lines.append(f"<b>⛔ {escape(_('EXPIRED'))}</b>")
    price = f"💰 <b>{escape(format_price(deal.price))}</b>"
    if deal.original_price and deal.discount_percent:
        price += f" <s>{escape(format_price(deal.original_price))}</s> (-{deal.discount_percent}%)"
    lines.append(price)
    lines.append(f"🏬 {escape(deal.store.name)}")
    if deal.coupon_code:
        lines.append(f"🎟 {escape(_('Code'))}: <code>{escape(deal.coupon_code)}</code>")
    if deal.expires_at:
        when = formats.date_format(timezone.localtime(deal.expires_at), "SHORT_DATETIME_FORMAT")
        lines.append(f"⏰ {escape(_('Expires'))}: {escape(when)}")
    lines.append(f"<i>{escape(disclosure)}</i>")
    rest = "\n".join(lines)
    room = limit - len(rest) - len("<b></b>\n\n")
    low, high = 1, len(deal.title)
    while low < high:  # the longest shortened title whose escaped form fits the room
        middle = (low + high + 1) // 2
        if len(escape(_shorten(deal.title, middle))) <= room:
            low = middle
        else:
            high = middle - 1
    title = escape(_shorten(deal.title, low))
    return f"<b>{title}</b>\n\n{rest}"


def button_label(deal) -> str:
    return _("Deal over") if deal.is_over else _("Go to the deal")


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


def _outcome_for_error(row_id: int, error: Exception) -> Outcome:
    cause = error.__cause__
    if isinstance(error, RetryAfter):
        seconds = error.retry_after
        seconds = seconds.total_seconds() if hasattr(seconds, "total_seconds") else float(seconds)
        return Outcome(row_id, "pending", error=str(error), retry_after=seconds)
    if isinstance(error, Forbidden):
        return Outcome(row_id, "failed", error=f"forbidden: {error.message}")
    if isinstance(error, TimedOut | NetworkError) and isinstance(cause, NOT_SENT_ERRORS):
        return Outcome(row_id, "pending", error=str(error), retry_after=2.0)
    if isinstance(error, TimedOut | NetworkError):
        return Outcome(row_id, "unknown", error=f"no answer after sending: {error}")
    if isinstance(error, BadRequest):
        return Outcome(row_id, "failed", error=f"bad request: {error.message}")
    return Outcome(row_id, "pending", error=str(error), retry_after=5.0)


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

    async def __aenter__(self):
        request = HTTPXRequest(connection_pool_size=64, read_timeout=10, connect_timeout=5)
        self.bot = ExtBot(
            settings.TELEGRAM_BOT_TOKEN,
            base_url=f"{settings.TELEGRAM_API_URL}/bot",
            base_file_url=f"{settings.TELEGRAM_API_URL}/file/bot",
            request=request,
            rate_limiter=_Limiter(max_retries=self.max_retries, on_release=self.on_release),
        )
        await self.bot.initialize()
        return self

    async def __aexit__(self, *exc):
        await self.bot.shutdown()

    async def _pace(self, chat_id: str) -> None:
        """At most one message a second to the same private chat (on the event loop's clock)."""
        loop = asyncio.get_running_loop()
        last = self._last_by_chat.get(chat_id)
        now = loop.time()
        if last is not None and now - last < self.per_chat_seconds:
            await asyncio.sleep(self.per_chat_seconds - (now - last))
        self._last_by_chat[chat_id] = loop.time()

    async def send(self, payload: TelegramPayload) -> Outcome:
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
                return Outcome(
                    payload.row_id,
                    "sent",
                    provider_message_id=str(message.message_id),
                    chat_id=str(message.chat_id),
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
                return Outcome(payload.row_id, "sent", provider_message_id=str(payload.message_id))
            await self._pace(payload.chat_id)
            message = await self.bot.send_message(
                payload.chat_id,
                payload.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=None,
            )
            return Outcome(payload.row_id, "sent", provider_message_id=str(message.message_id))
        except TelegramError as error:
            return _outcome_for_error(payload.row_id, error)


def payload_for(row) -> "TelegramPayload | Outcome":
    """Render a claimed row with the deal as it is now (edits and expiry included)."""
    from edicola.deals.cards import deal_photo
    from edicola.deals.models import OutboxMessage
    from edicola.deals.outbox import deal_link
    from edicola.deals.services import disclosure_for

    deal = row.deal
    if row.kind == "sync":
        post = OutboxMessage.objects.filter(deal=deal, kind="post").first()
        if post is None or post.state == "pending":
            return Outcome(row.pk, "sent", error="the post itself carries this version")
        if post.state == "sending":
            return Outcome(row.pk, "pending", error="post being sent", retry_after=5.0)
        if post.state != "sent" or not post.provider_message_id.isdigit():
            return Outcome(row.pk, "failed", error="no post to edit")
    channel = "telegram"
    limit = CAPTION_LIMIT if row.kind in ("post", "sync") else TEXT_LIMIT
    payload = TelegramPayload(
        row_id=row.pk,
        kind=row.kind,
        chat_id=(deal.telegram_chat_id or row.recipient) if row.kind == "sync" else row.recipient,
        text=deal_message(deal, disclosure=disclosure_for(deal), limit=limit),
        url=deal_link(deal, channel),
        button_label=button_label(deal),
        message_id=int(post.provider_message_id) if row.kind == "sync" else None,
    )
    if row.kind == "post":
        payload.photo = deal_photo(deal)
    return payload
