"""Template context shared by every page."""

from django.conf import settings

from .chrome import chrome_for


def site_chrome(request) -> dict:
    return {"chrome": chrome_for(request), "BASE_URL": settings.BASE_URL}
