"""The deals in Wagtail's admin: stores and deals as snippets (validated by the models' clean),
subscribers for support, and the report. Saving a deal hands it to services.deal_saved."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, PageChooserPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from edicola.deals import services
from edicola.deals.models import Deal, Store, TelegramSubscriber, WhatsAppSubscriber


class StoreViewSet(SnippetViewSet):
    model = Store
    icon = "site"
    menu_label = _("Stores")
    list_display = ["name", "affiliate_parameters"]
    panels = [
        FieldPanel("name"),
        FieldPanel("logo"),
        FieldPanel("affiliate_parameters"),
        FieldPanel("disclosure"),
    ]


class DealViewSet(SnippetViewSet):
    model = Deal
    icon = "tag"
    menu_label = _("Deals")
    list_display = ["title", "store", "price", "status", "starts_at", "expires_at"]
    list_filter = ["status", "store"]
    search_fields = ["title", "keywords", "coupon_code"]
    ordering = ["-starts_at"]
    panels = [
        FieldPanel("title"),
        FieldPanel("store"),
        FieldRowPanel([FieldPanel("price"), FieldPanel("original_price")], heading=_("Prices")),
        FieldPanel("coupon_code"),
        FieldPanel("url"),
        FieldPanel("image"),
        FieldPanel("description"),
        PageChooserPanel("category", page_type="news.CategoryPage"),
        FieldPanel("keywords"),
        FieldPanel("related_articles"),
        MultiFieldPanel(
            [FieldPanel("starts_at"), FieldPanel("expires_at"), FieldPanel("status")],
            heading=_("Publication"),
        ),
    ]


class TelegramSubscriberViewSet(SnippetViewSet):
    model = TelegramSubscriber
    icon = "user"
    menu_label = _("Telegram subscribers")
    list_display = ["chat_id", "name", "is_active", "created_at"]
    list_filter = ["is_active"]


class WhatsAppSubscriberViewSet(SnippetViewSet):
    model = WhatsAppSubscriber
    icon = "user"
    menu_label = _("WhatsApp subscribers")
    list_display = ["phone", "status", "consent_version", "consent_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["phone"]


class DealsGroup(SnippetViewSetGroup):
    menu_label = _("Deals")
    menu_icon = "tag"
    menu_order = 250
    items = (DealViewSet, StoreViewSet, TelegramSubscriberViewSet, WhatsAppSubscriberViewSet)


register_snippet(DealsGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def deal_saved_in_admin(request, instance):
    if isinstance(instance, Deal):
        services.deal_saved(instance, getattr(instance, "loaded_status", None))


@hooks.register("register_admin_urls")
def register_report_url():
    from edicola.deals import report

    return [path("offerte/report/", report.report_view, name="deals_report")]


@hooks.register("register_admin_menu_item")
def register_report_menu_item():
    return MenuItem(_("Deals report"), reverse("deals_report"), icon_name="table", order=260)
