"""Small formatting helpers shared by the channels (kept free of platform libraries, so a
WhatsApp worker does not import the Telegram one)."""

from decimal import Decimal

from django.utils import formats


def format_price(value: Decimal) -> str:
    return f"{formats.number_format(value, 2)} €"
