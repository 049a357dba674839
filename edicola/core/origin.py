"""Cross-site request forgery defence that works on pages served from the shared page cache.

Cached HTML cannot carry a per-reader CSRF token, so state-changing reader endpoints check
where the request comes from instead: the browser's `Sec-Fetch-Site` header when present
(same-origin, or none for a typed URL), otherwise `Origin`, otherwise `Referer`, compared with
this site's own host. A request with none of the three is refused.

`client_ip` is the one reading of the client's address (for rate limits and click counting),
`ip_network` the network stored and counted instead of it.
"""

import ipaddress
from functools import wraps
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


def client_ip(request: HttpRequest) -> str:
    """The client's address as the web server saw it (proxies must set REMOTE_ADDR right)."""
    return request.META.get("REMOTE_ADDR", "") or "0.0.0.0"


def ip_network(ip: str) -> str:
    """The network stored instead of an address: /24 for IPv4, /48 for IPv6 ("" if unusable)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def is_same_origin(request: HttpRequest) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    if request.is_secure() and parts.scheme != "https":
        return False
    return parts.netloc.lower() == request.get_host().lower()


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
