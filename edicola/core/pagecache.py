"""Full-page cache for anonymous readers, invalidated by publishing.

Anonymous GET/HEAD requests (no session cookie) are answered from the cache when a stored copy
exists. A response is stored only when it is a plain 200 that sets no cookie and is not marked
private, so pages carrying per-reader state (a CSRF token, a logged-in toolbar) are never shared.

Entries are keyed by a site-wide *generation*; publishing bumps it, which retires every stored
page at once. With the in-process cache (embedded default) each web worker has its own cache, so
the generation lives in the modification time of a stamp file that every process can see; with a
shared cache (Redis) it is a counter in that cache.
"""

import hashlib
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse

GENERATION_KEY = "pagecache:generation"
EXCLUDED_PREFIXES = ("/admin/", "/django-admin/", "/cerca/", "/en/cerca/", "/healthz")
STORED_HEADERS_SKIP = {"set-cookie", "x-page-cache"}


def _stamp_path() -> Path:
    return Path(settings.DATA_DIR) / "pagecache.stamp"


def _process_local() -> bool:
    return isinstance(caches["default"], LocMemCache)


def generation() -> str:
    """The current cache generation: changes whenever published content changes."""
    if _process_local():
        try:
            return str(os.stat(_stamp_path()).st_mtime_ns)
        except FileNotFoundError:
            return "0"
    return str(cache.get_or_set(GENERATION_KEY, 1, None))


def invalidate_all() -> None:
    """Retire every cached page and every cached piece of site chrome."""
    if _process_local():
        path = _stamp_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        now = time.time_ns()
        os.utime(path, ns=(now, now))
    else:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, None)


def _page_key(request: HttpRequest) -> str:
    url = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    return f"page:{generation()}:{digest}"


def _request_is_cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(EXCLUDED_PREFIXES)
    )


def _response_is_cacheable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _request_is_cacheable(request):
            return self.get_response(request)
        key = _page_key(request)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if request.method == "GET" and _response_is_cacheable(response):
            headers = {k: v for k, v in response.items() if k.lower() not in STORED_HEADERS_SKIP}
            cache.set(key, (response.content, headers), settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response
