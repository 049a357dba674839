"""Full-page cache for anonymous readers, invalidated by publishing and by discussion changes.

Anonymous GET/HEAD requests (no session cookie) are answered from the cache when a stored copy
exists. A response is stored only when it is a plain 200 that sets no cookie and is not marked
private, so pages carrying per-reader state (a CSRF token, a logged-in toolbar) are never shared.

Entries are keyed by a site-wide *generation* and by a *path stamp*. Publishing bumps the
generation, which retires every stored page at once; a change in one article's discussion bumps
the stamp of that article's path (in every language, whatever the query string), which retires
only that article's pages. With the in-process cache (embedded default) each web worker has its
own cache, so both live in the modification times of stamp files that every process can see;
with a shared cache (Redis) they are values in that cache, read together with one get_many.

Each stored page keeps its compressed bodies and an ETag: a hit is sent as the reader's browser
accepts it, or as 304 when the browser already holds it, with the Cache-Control a CDN needs
(`CDN_MAX_AGE`; `edicola.core.cdn` tells the CDN when a page changes).

A few reader preferences kept in cookies (the comment sort order) select a variant of the page;
a reader holding a comment edit token bypasses the cache, to see their own edit links. Core knows
none of those names: the apps register them (`exclude_paths`, `vary_on_cookie`,
`bypass_for_cookie_prefix`) and call `invalidate_page` from their own signals.
"""

import hashlib
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers

from . import cdn
from .compression import accepted_encoding, apply_encoding, encoded_bodies

GENERATION_KEY = "pagecache:generation"
PATH_KEY_PREFIX = "pagecache:path:"
STORED_HEADERS_SKIP = {"set-cookie", "x-page-cache"}
# What the apps above core register in their AppConfig.ready() (see the functions below): paths
# never cached, cookies whose (known) value selects a variant of a page, and cookie prefixes
# whose holders are neither served from nor stored in the cache.
EXCLUDED_PREFIXES: tuple[str, ...] = (
    "/admin/",
    "/django-admin/",
    "/healthz",
    "/readyz",
    "/metrics",
)
VARIANT_COOKIES: dict[str, frozenset[str]] = {}
BYPASS_COOKIE_PREFIXES: tuple[str, ...] = ()


def exclude_paths(*prefixes: str) -> None:
    """Never cache pages under these path prefixes (give each language's prefix)."""
    global EXCLUDED_PREFIXES
    EXCLUDED_PREFIXES = tuple(dict.fromkeys(EXCLUDED_PREFIXES + prefixes))


def vary_on_cookie(name: str, values) -> None:
    """A cookie whose value, when one of `values`, selects a variant of every page."""
    VARIANT_COOKIES[name] = frozenset(values)


def bypass_for_cookie_prefix(prefix: str) -> None:
    """Readers holding a cookie named with this prefix see their own, uncached pages."""
    global BYPASS_COOKIE_PREFIXES
    BYPASS_COOKIE_PREFIXES = tuple(dict.fromkeys(BYPASS_COOKIE_PREFIXES + (prefix,)))


def _stamp_path() -> Path:
    return Path(settings.DATA_DIR) / "pagecache.stamp"


def _path_stamp_file(digest: str) -> Path:
    return Path(settings.DATA_DIR) / "pagecache" / f"{digest}.stamp"


def _process_local() -> bool:
    return isinstance(caches["default"], LocMemCache)


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    now = time.time_ns()
    os.utime(path, ns=(now, now))


def _mtime(path: Path) -> str:
    try:
        return str(os.stat(path).st_mtime_ns)
    except FileNotFoundError:
        return "0"


def generation() -> str:
    """The current cache generation: changes whenever published content changes."""
    if _process_local():
        return _mtime(_stamp_path())
    return str(cache.get_or_set(GENERATION_KEY, 1, None))


def invalidate_all() -> None:
    """Retire every cached page and every cached piece of site chrome."""
    if _process_local():
        _touch(_stamp_path())
    else:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, None)
    cdn.purge_everything()


def neutral_path(path: str) -> str:
    """`path` without its language prefix: /en/a/b/ and /a/b/ are the same page."""
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}/"
        if code != settings.LANGUAGE_CODE and path.startswith(prefix):
            return path[len(prefix) - 1 :]
    return path


def _path_digest(path: str) -> str:
    return hashlib.blake2b(neutral_path(path).encode(), digest_size=12).hexdigest()


def invalidate_path(path: str) -> None:
    """Retire the cached copies of one page, in every language and with any query string."""
    digest = _path_digest(path)
    if _process_local():
        _touch(_path_stamp_file(digest))
    else:
        cache.set(PATH_KEY_PREFIX + digest, time.time_ns(), None)
    cdn.purge_path(neutral_path(path))


def invalidate_page(page) -> None:
    """Retire the cached copies of a Wagtail page (e.g. an article whose discussion changed)."""
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        parts = page.get_url_parts()
    if parts is None:
        invalidate_all()
        return
    invalidate_path(parts[2])


def _stamps(path_digest: str) -> tuple[str, str]:
    """(generation, path stamp): two stats, or one get_many from the shared cache."""
    if _process_local():
        return _mtime(_stamp_path()), _mtime(_path_stamp_file(path_digest))
    path_key = PATH_KEY_PREFIX + path_digest
    values = cache.get_many([GENERATION_KEY, path_key])
    current = values.get(GENERATION_KEY)
    if current is None:
        current = cache.get_or_set(GENERATION_KEY, 1, None)
    return str(current), str(values.get(path_key, 0))


def _page_key(request: HttpRequest) -> str:
    variant = "".join(
        f";{name}={request.COOKIES[name]}"
        for name, allowed in VARIANT_COOKIES.items()
        if request.COOKIES.get(name) in allowed
    )
    url = f"{request.get_host()}{request.get_full_path()}{variant}"
    digest = hashlib.blake2b(url.encode(), digest_size=16).hexdigest()
    current, path_stamp = _stamps(_path_digest(request.path))
    return f"page:{current}:{path_stamp}:{digest}"


def request_is_cacheable(request: HttpRequest) -> bool:
    """Whether this request may be answered from, and stored in, the shared cache."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not request.path.startswith(EXCLUDED_PREFIXES)
        and not any(name.startswith(BYPASS_COOKIE_PREFIXES) for name in request.COOKIES)
    )


def _response_is_cacheable(response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    return "private" not in cache_control and "no-store" not in cache_control


def _etag(content: bytes) -> str:
    return f'"{hashlib.blake2b(content, digest_size=16).hexdigest()}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison, which is what If-None-Match uses."""
    wanted = etag.removeprefix("W/")
    return any(
        tag.strip() == "*" or tag.strip().removeprefix("W/") == wanted
        for tag in if_none_match.split(",")
    )


def _shared_cache_control(request: HttpRequest) -> str:
    """A page chosen by a reader's cookie stays theirs; others may be kept by a CDN."""
    if any(request.COOKIES.get(name) in allowed for name, allowed in VARIANT_COOKIES.items()):
        return "private, max-age=0, must-revalidate"
    return f"public, max-age=0, must-revalidate, s-maxage={settings.CDN_MAX_AGE}"


def _answer(request: HttpRequest, response: HttpResponse, etag: str, encoded: dict) -> HttpResponse:
    """The response as this reader gets it: 304 if they hold it, else compressed if they can."""
    response["Cache-Control"] = _shared_cache_control(request)
    patch_vary_headers(response, ("Accept-Encoding",))
    encoding = accepted_encoding(request.headers.get("Accept-Encoding", ""))
    if encoding in encoded:
        apply_encoding(response, encoding, encoded[encoding])
    if _matches(request.headers.get("If-None-Match", ""), etag):
        not_modified = HttpResponseNotModified()
        for header in ("ETag", "Cache-Control", "Vary", "X-Page-Cache"):
            if response.has_header(header):
                not_modified[header] = response[header]
        return not_modified
    return response


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request_is_cacheable(request):
            return self.get_response(request)
        key = _page_key(request)
        stored = cache.get(key)
        if stored is not None and len(stored) == 3:
            content, headers, encoded = stored
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return _answer(request, response, headers["ETag"], encoded)
        response = self.get_response(request)
        if request.method == "GET" and _response_is_cacheable(response):
            content = response.content
            response["ETag"] = _etag(content)
            headers = {k: v for k, v in response.items() if k.lower() not in STORED_HEADERS_SKIP}
            encoded = encoded_bodies(content, response.get("Content-Type", ""))
            cache.set(key, (content, headers, encoded), settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
            return _answer(request, response, headers["ETag"], encoded)
        return response
