"""Reader endpoints for privacy requests: export and erasure of a commenter's data."""

urlpatterns: list = []
