"""Reader endpoints of the discussion (HTML forms that work with JavaScript off)."""

app_name = "comments"
urlpatterns: list = []
