"""Stored deals: stores, deals, counted clicks, alert and WhatsApp subscribers, and the outbox of
messages to the platforms. Rules about them live in services.py and outbox.py.
"""

import re
import secrets
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

COUPON_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,39}$")
AFFILIATE_RE = re.compile(
    r"^[A-Za-z0-9_.\-]+=[A-Za-z0-9_.\-{}]+(&[A-Za-z0-9_.\-]+=[A-Za-z0-9_.\-]+)*$"
)


def validate_coupon_code(value: str) -> None:
    if value and not COUPON_RE.match(value):
        raise ValidationError(
            _("A coupon code has only letters, digits, dashes and underscores (at most 40)."),
            code="coupon",
        )


def validate_affiliate_parameters(value: str) -> None:
    if value and not AFFILIATE_RE.match(value):
        raise ValidationError(
            _("Write the parameters as name=value pairs joined by &, e.g. tag=edicola-21."),
            code="affiliate",
        )


class Store(models.Model):
    """A shop deals link to, with the parameters that make its links ours (Amazon's tag=...)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    affiliate_parameters = models.CharField(
        _("affiliate parameters"),
        max_length=200,
        blank=True,
        validators=[validate_affiliate_parameters],
        help_text=_("Added to every link to this store, e.g. tag=edicola-21."),
    )
    disclosure = models.CharField(
        _("affiliate disclosure"),
        max_length=300,
        blank=True,
        help_text=_("Shown next to this store's deals; empty for the site's default text."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name

    def affiliate_url(self, url: str) -> str:
        """The URL with this store's affiliate parameters merged in (ours win over the URL's)."""
        if not self.affiliate_parameters:
            return url
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update(parse_qsl(self.affiliate_parameters, keep_blank_values=True))
        return urlunsplit(parts._replace(query=urlencode(query)))


class DealQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status=Deal.Status.LIVE)

    def expired(self):
        return self.filter(status__in=[Deal.Status.EXPIRED, Deal.Status.WITHDRAWN])

    def public(self):
        """Deals a reader may open: live, or over (shown as expired)."""
        return self.filter(
            status__in=[Deal.Status.LIVE, Deal.Status.EXPIRED, Deal.Status.WITHDRAWN]
        )


class Deal(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        EXPIRED = "expired", _("Expired")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("product"), max_length=500)
    store = models.ForeignKey(
        Store, verbose_name=_("store"), on_delete=models.PROTECT, related_name="deals"
    )
    price = models.DecimalField(
        _("price (€)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    original_price = models.DecimalField(
        _("original price (€)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    coupon_code = models.CharField(
        _("coupon code"), max_length=40, blank=True, validators=[validate_coupon_code]
    )
    url = models.URLField(_("product link"), max_length=1000)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Without an image a card is drawn from the title and the price."),
    )
    description = models.TextField(_("description"), max_length=2000, blank=True)
    category = models.ForeignKey(
        "news.CategoryPage",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    keywords = models.CharField(
        _("keywords"), max_length=300, blank=True, help_text=_("Comma-separated; used by alerts.")
    )
    starts_at = models.DateTimeField(_("starts"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    related_articles = models.ManyToManyField(
        "news.ArticlePage", verbose_name=_("related articles"), blank=True, related_name="deals"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("first published"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    telegram_chat_id = models.CharField(max_length=64, blank=True, editable=False)
    telegram_message_id = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = DealQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["status", "-starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="deal_price_positive"),
            models.CheckConstraint(
                condition=Q(original_price__isnull=True) | Q(original_price__gte=models.F("price")),
                name="deal_original_not_below_price",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("starts_at")),
                name="deal_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def from_db(cls, db, field_names, values):
        deal = super().from_db(db, field_names, values)
        deal.loaded_status = deal.__dict__.get("status")  # what the admin hook compares with
        return deal

    def clean(self):
        errors = {}
        if self.price is not None and self.price <= 0:
            errors["price"] = _("The price must be greater than zero.")
        if (
            self.original_price is not None
            and self.price is not None
            and self.original_price < self.price
        ):
            errors["original_price"] = _("The original price cannot be lower than the price.")
        if self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            errors["expires_at"] = _("The deal must expire after it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def discount_percent(self) -> int | None:
        if not self.original_price or not self.price or self.original_price <= self.price:
            return None
        ratio = (self.original_price - self.price) * 100 / self.original_price
        return int(ratio.quantize(Decimal("1"), rounding=ROUND_HALF_UP))

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.EXPIRED, self.Status.WITHDRAWN)

    @property
    def affiliate_url(self) -> str:
        return self.store.affiliate_url(self.url)

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class Click(models.Model):
    """One counted click on a deal link: at most one per reader, deal and hour."""

    class Channel(models.TextChoices):
        SITE = "site", _("Site")
        TELEGRAM = "telegram", _("Telegram")
        WHATSAPP = "whatsapp", _("WhatsApp")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="clicks")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SITE)
    # Keyed hash of the reader's cookie (or address and browser) and the hour; never the address.
    reader_hour = models.CharField(max_length=32)
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("click")
        verbose_name_plural = _("clicks")
        constraints = [
            models.UniqueConstraint(fields=["deal", "reader_hour"], name="click_once_per_hour")
        ]
        indexes = [models.Index(fields=["deal", "day", "channel"])]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.channel} {self.day}"


class TelegramSubscriber(models.Model):
    """A private chat with the bot; inactive once the reader blocks the bot or says /stop."""

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Telegram subscriber")
        verbose_name_plural = _("Telegram subscribers")

    def __str__(self) -> str:
        return str(self.chat_id)


def _alert_token() -> str:
    return secrets.token_urlsafe(12)


class Alert(models.Model):
    """A reader's wish: tell me about deals matching a keyword under a price.

    Made by the bot (/avvisi) or on the site; a site alert waits for its Telegram chat, linked
    when the reader opens the bot with the alert's token.
    """

    subscriber = models.ForeignKey(
        TelegramSubscriber, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    keyword = models.CharField(_("keyword"), max_length=60)
    max_price = models.DecimalField(
        _("maximum price (€)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    token = models.CharField(max_length=32, unique=True, default=_alert_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.keyword} ≤ {self.max_price}"


class WhatsAppSubscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        OPTED_OUT = "opted_out", _("Opted out")

    phone = models.CharField(_("phone number"), max_length=16, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    consent_version = models.CharField(_("consent text version"), max_length=20)
    # Empty once the reader had their data erased (privacy.py): no consent, nothing is sent.
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("WhatsApp subscriber")
        verbose_name_plural = _("WhatsApp subscribers")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.phone

    def outbox_rows(self):
        return OutboxMessage.objects.filter(
            channel=OutboxMessage.Channel.WHATSAPP, recipient=self.phone
        )


class OutboxMessage(models.Model):
    """One message to send to one recipient on one platform; written with what causes it.

    Unique per deal, channel, recipient and kind, so queuing twice sends once. Workers claim
    pending rows with a lease (outbox.py); a send whose outcome is not known is `unknown` until a
    status webhook or the reconciliation delay settles it.
    """

    class Channel(models.TextChoices):
        TELEGRAM_CHANNEL = "tg_channel", _("Telegram channel")
        TELEGRAM_CHAT = "tg_chat", _("Telegram private chat")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Kind(models.TextChoices):
        POST = "post", _("Channel post")
        SYNC = "sync", _("Post update")
        ALERT = "alert", _("Alert")
        OFFER = "offer", _("Offer")
        CONFIRM = "confirm", _("Opt-in confirmation")

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown")

    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=128, blank=True, db_index=True)
    # Delivery as reported by the platform's webhooks (WhatsApp): sent, delivered, read, failed.
    delivery_status = models.CharField(max_length=10, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "channel", "recipient", "kind"], name="outbox_once_per_deal"
            ),
        ]
        indexes = [models.Index(fields=["state", "channel", "available_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel}:{self.recipient} ({self.state})"
