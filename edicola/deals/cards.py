"""The card drawn for a deal without an image: title, store and price on a plain background,
made locally with Pillow (1200 × 630, PNG)."""

import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

from edicola.deals.formatting import format_price

CARD_SIZE = (1200, 630)
BACKGROUND = (17, 67, 120)
FOREGROUND = (255, 255, 255)
ACCENT = (255, 204, 0)


def _font(size: int):
    return ImageFont.load_default(size=size)


def deal_card(deal) -> bytes:
    image = Image.new("RGB", CARD_SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.text((60, 50), deal.store.name[:40], font=_font(40), fill=ACCENT)
    lines = textwrap.wrap(deal.title, width=34)[:4]
    if len(textwrap.wrap(deal.title, width=34)) > 4:
        lines[-1] = lines[-1][:31] + "…"
    y = 130
    for line in lines:
        draw.text((60, y), line, font=_font(56), fill=FOREGROUND)
        y += 70
    price = format_price(deal.price)
    if deal.discount_percent:
        price += f"   -{deal.discount_percent}%"
    draw.text((60, 510), price, font=_font(72), fill=ACCENT)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def deal_photo(deal) -> bytes:
    """The picture of a deal's post: its own image (a resized rendition) or the drawn card."""
    if deal.image_id:
        try:
            rendition = deal.image.get_rendition("max-1280x1280|format-jpeg")
            with rendition.file.open("rb") as handle:
                return handle.read()
        except (OSError, ValueError):
            pass
    return deal_card(deal)
