"""JSON API of the discussion."""

urlpatterns: list = []
