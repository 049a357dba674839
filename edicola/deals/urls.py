"""Reader pages of the deals (list, deal page, click redirect) and the platforms' webhooks."""

app_name = "deals"
urlpatterns: list = []
# Signed callbacks from Telegram and WhatsApp: fixed paths, no language prefix.
webhook_urlpatterns: list = []
