"""Reader pages of the deals (list, deal page, click redirect) and the platforms' webhooks."""

from django.urls import path

from edicola.core import converters  # noqa: F401 (registers <id:...>)
from edicola.deals import views, webhooks

app_name = "deals"
urlpatterns = [
    path("offerte/", views.deal_list, name="list"),
    path("offerte/scadute/", views.expired_list, name="expired"),
    path("offerte/avvisi/", views.alerts, name="alerts"),
    path("offerte/whatsapp/", views.whatsapp_signup, name="whatsapp"),
    path("offerte/<id:pk>/", views.deal_detail, name="detail"),
    path("offerte/<id:pk>/card.png", views.deal_card_image, name="card"),
    path("go/<id:pk>/", views.go, name="go"),
]
# Signed callbacks from Telegram and WhatsApp: fixed paths, no language prefix.
webhook_urlpatterns = [
    path("hooks/telegram/", webhooks.telegram_webhook, name="deals-telegram-webhook"),
    path("hooks/whatsapp/", webhooks.whatsapp_webhook, name="deals-whatsapp-webhook"),
]
