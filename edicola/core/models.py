"""Site settings editable in the admin: name, logo, the deals banner and its channel links."""

from django.db import models
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
            [FieldPanel("site_name"), FieldPanel("tagline"), FieldPanel("logo")], _("Identity")
        ),
        MultiFieldPanel(
            [FieldPanel("banner_text"), FieldPanel("whatsapp_url"), FieldPanel("telegram_url")],
            _("Deals banner"),
        ),
        FieldPanel("privacy_url"),
    ]

    class Meta:
        verbose_name = _("site settings")
