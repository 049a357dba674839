"""What each claimed outbox row says on its platform: the Telegram post, edit or alert and the
WhatsApp template, rendered with the deal as it is now (an edit or the end of a deal shows at
once), and the rows with nothing (more) to send.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from edicola.deals.cards import deal_photo
from edicola.deals.formatting import format_price
from edicola.deals.models import Deal, OutboxMessage
from edicola.deals.outbox import Claimed, Outcome
from edicola.deals.services import disclosure_for
from edicola.deals.telegram import CAPTION_LIMIT, TEXT_LIMIT, TelegramPayload
from edicola.deals.whatsapp import WhatsAppPayload

State = OutboxMessage.State
OVER_KINDS = ("offer", "alert", "post")


def deal_link(deal, channel: str) -> str:
    """The absolute /go/ link of a deal, tagged with the channel that carries it."""
    return f"{settings.BASE_URL}{reverse('deals:go', args=[deal.pk])}?c={channel}"


def prepare(rows: list[Claimed]) -> tuple[list, list[Outcome]]:
    """Payloads for the claimed rows, and outcomes for rows with nothing (more) to send. Each
    deal is read once per batch."""
    deal_ids = {row.deal_id for row in rows if row.deal_id}
    deals = Deal.objects.select_related("store").in_bulk(deal_ids) if deal_ids else {}
    ready, skipped = [], []
    whatsapp_rows = []
    for row in rows:
        row.deal = deals.get(row.deal_id)
        if row.deal_id and (row.deal is None or row.deal.is_over) and row.kind in OVER_KINDS:
            skipped.append(Outcome(row.pk, State.FAILED, error="deal over before sending"))
        elif row.channel == OutboxMessage.Channel.WHATSAPP:
            whatsapp_rows.append(row)
        else:
            payload = telegram_payload(row)
            if isinstance(payload, Outcome):
                skipped.append(payload)
            else:
                ready.append(payload)
    if whatsapp_rows:
        ready.extend(whatsapp_payloads(whatsapp_rows))
    return ready, skipped


# -- Telegram --


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


def telegram_payload(row) -> TelegramPayload | Outcome:
    """Render a claimed row with the deal as it is now (edits and expiry included)."""
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


# -- WhatsApp --


def offer_parameters(deal) -> list[str]:
    """The offer template's body parameters, filled from the deal."""
    return [
        deal.title[:200],
        format_price(deal.price),
        format_price(deal.original_price) if deal.original_price else "-",
        deal.coupon_code or "-",
        deal_link(deal, "whatsapp"),
        disclosure_for(deal)[:200],
    ]


def whatsapp_payloads(rows) -> list[WhatsAppPayload]:
    """The template messages of claimed rows: offers (parameters computed once per deal) and
    opt-in confirmations."""
    language = settings.WHATSAPP_TEMPLATE_LANGUAGE
    parameters: dict[int, list[str]] = {}
    payloads = []
    for row in rows:
        if row.kind == "confirm":
            payloads.append(
                WhatsAppPayload(
                    row.pk, row.recipient, settings.WHATSAPP_CONFIRM_TEMPLATE, language, []
                )
            )
            continue
        if row.deal_id not in parameters:
            parameters[row.deal_id] = offer_parameters(row.deal)
        payloads.append(
            WhatsAppPayload(
                row.pk,
                row.recipient,
                settings.WHATSAPP_OFFER_TEMPLATE,
                language,
                parameters[row.deal_id],
            )
        )
    return payloads
