"""Reader accounts: log in by e-mail, sign up, log out."""

app_name = "accounts"
urlpatterns: list = []
