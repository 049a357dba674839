"""Remembered page routes: which site and page answer a path, kept per cache generation.

Wagtail resolves a request to its Site and Page with a few queries, and looks for the answers on
the request first (`request._wagtail_site`, `request._wagtail_route_for_request`, both
documented by Wagtail as its per-request cache). This middleware fills them from the shared
cache, so a full render skips those queries. Publishing, unpublishing, moving a page or editing
a Site bumps the generation (see signals.py), which forgets every remembered route. View
restrictions are still checked on every request by Wagtail's own hook.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from . import pagecache


class RouteCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if view_func is not wagtail_views.serve or request.method not in ("GET", "HEAD"):
            return None
        path = view_args[0] if view_args else view_kwargs.get("path", "")
        address = f"{request._get_raw_host()}/{path}".encode()
        key = (
            f"route:{pagecache.generation()}:{hashlib.blake2b(address, digest_size=16).hexdigest()}"
        )
        remembered = cache.get(key)
        if remembered is not None:
            request._wagtail_site, request._wagtail_route_for_request = remembered
            return None
        site = Site.find_for_request(request)
        route = Page.route_for_request(request, path)
        if site is not None and route is not None:
            cache.set(key, (site, route), settings.PAGE_CACHE_SECONDS)
        return None
