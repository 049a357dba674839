"""Site settings editable in the admin (name, logo, the deals banner and its channel links), the
store of outgoing e-mail, and the rate-limit counters of deployments without a shared cache."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="cog")
class SiteSettings(BaseSiteSetting):
    site_name = models.CharField(_("site name"), max_length=80, default="Edicola")
    tagline = models.CharField(_("tagline"), max_length=160, blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("logo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    icon = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("site icon"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "A square image of at least 512 × 512 pixels: the browser tab, the phone's home "
            "screen and the installed site use it."
        ),
    )
    banner_text = models.CharField(
        _("banner text"),
        max_length=200,
        blank=True,
        default=(
            "T'interessano le OFFERTE? Risparmia con i nostri coupon su {whatsapp} o {telegram}!"
        ),
        help_text=_("Use {whatsapp} and {telegram} where the channel links go."),
    )
    whatsapp_url = models.URLField(_("WhatsApp channel link"), blank=True)
    telegram_url = models.URLField(_("Telegram channel link"), blank=True)
    privacy_url = models.CharField(_("privacy policy link"), max_length=200, blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("site_name"),
                FieldPanel("tagline"),
                FieldPanel("logo"),
                FieldPanel("icon"),
            ],
            _("Identity"),
        ),
        MultiFieldPanel(
            [FieldPanel("banner_text"), FieldPanel("whatsapp_url"), FieldPanel("telegram_url")],
            _("Deals banner"),
        ),
        FieldPanel("privacy_url"),
    ]

    class Meta:
        verbose_name = _("site settings")


class OutgoingMail(models.Model):
    """One e-mail to one address, stored before it is sent (see edicola/core/mail.py).

    The row is the record of what the site said to whom: rendered subject and bodies, the
    language they were written in, and how delivery went.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The server went silent after DATA: it may have the message. Never retried blindly.
        UNKNOWN = "unknown", _("Unknown: check with the mail server")

    to = models.EmailField(_("to"), db_index=True)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # The template family it was rendered from, e.g. "comments/email/privacy_link": the kind of
    # mail, which rate limits count.
    template = models.CharField(_("template"), max_length=200)
    language = models.CharField(_("language"), max_length=10, blank=True)
    mailer = models.CharField(max_length=50, default="default")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["to", "template", "created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


class RateCounter(models.Model):
    """A rate-limit counter every process sees, for deployments without a shared cache.

    Used by edicola.core.ratelimit when the cache is per-process; keys carry their time window
    and never a raw address or e-mail. Throwaway data: a lost counter only resets a window.
    """

    key = models.CharField(max_length=128, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


class Claim(models.Model):
    """Who did a piece of periodic work for one period, across every process and host.

    One row per kind of work (a clock job, the editors' notice); `period` is the number of the
    last period someone claimed. A claim is one conditional UPDATE that moves `period` forward,
    so exactly one caller wins each period (see edicola.core.leases.claim_period).
    """

    name = models.CharField(max_length=100, primary_key=True)
    period = models.BigIntegerField(default=-1)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.period}"
