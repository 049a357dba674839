"""Cross-site request forgery defence that works on pages served from the shared page cache.

Cached HTML cannot carry a per-reader CSRF token, so state-changing reader endpoints check
where the request comes from instead: the browser's `Sec-Fetch-Site` header when present
(same-origin, or none for a typed URL), otherwise `Origin`, otherwise `Referer`, compared with
this site's own origin: scheme, host and port, as the request reached us (`request.scheme`,
which honours SECURE_PROXY_SSL_HEADER, and `get_host()`). A request with none of the three, or
with one that cannot be read, is refused.

`client_ip` is the one reading of the client's address (for rate limits and click counting).
"""

from functools import wraps
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def client_ip(request: HttpRequest) -> str:
    """The client's address as the web server saw it (proxies must set REMOTE_ADDR right)."""
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the port filled in; None if it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def is_same_origin(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    theirs = _origin_of(source)
    return theirs is not None and theirs == _origin_of(f"{request.scheme}://{request.get_host()}")


def same_origin_required(view):
    """Exempt `view` from token CSRF and refuse unsafe requests that come from another site."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD", "OPTIONS") and not is_same_origin(request):
            return HttpResponseForbidden(
                _("This request did not come from this site. Reload the page and try again."),
                content_type="text/plain; charset=utf-8",
            )
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
