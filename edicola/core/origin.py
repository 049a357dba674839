"""Where a request comes from: the client's address and scheme behind trusted proxies, and a
cross-site request forgery defence that works on pages served from the shared page cache.

Behind nginx or a load balancer REMOTE_ADDR is the proxy's address. Only when it is one of
settings.TRUSTED_PROXIES (addresses or networks; TRUSTED_PROXIES in the environment, loopback by
default) are `X-Forwarded-For` and `X-Forwarded-Proto` believed: the addresses are read right to
left, each one added by a hop we trust, and the first that is not a trusted proxy is the client.
A forged header from anyone else, or a malformed entry, is ignored: the address falls back to the
nearest hop we know. `client_ip` is the one reading of the client's address (rate limits, stored
networks, click counting); ForwardedProtoMiddleware sets the scheme (request.is_secure()).

Cached HTML cannot carry a per-reader CSRF token, so state-changing reader endpoints check
where the request comes from instead: the browser's `Sec-Fetch-Site` header when present
(same-origin, or none for a typed URL), otherwise `Origin`, otherwise `Referer`, compared with
this site's own origin: scheme, host and port, as the request reached us (`request.scheme`,
which honours SECURE_PROXY_SSL_HEADER, and `get_host()`). A request with none of the three, or
with one that cannot be read, is refused.

`ip_network` is the network stored and counted instead of an address.
"""

import ipaddress
from functools import lru_cache, wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# More X-Forwarded-For entries than this are not read (no proxy chain is that long).
MAX_HOPS = 20


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value)


def parse_address(value: str) -> Address | None:
    """An address as a proxy writes it ("203.0.113.7", "2001:db8::1", "[2001:db8::1]"), IPv4
    inside IPv6 unwrapped; None for anything else (ports, names, "unknown", garbage)."""
    value = (value or "").strip()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]
    if not value or len(value) > 45:
        return None
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _forwarded_values(request: HttpRequest, header: str) -> list[str]:
    values = request.META.get(header, "")
    return [part.strip() for part in values.split(",")][-MAX_HOPS:] if values else []


def _client(request: HttpRequest) -> tuple[Address | None, int]:
    """The client's address and how many trusted proxies handed the request on."""
    current = parse_address(request.META.get("REMOTE_ADDR", ""))
    trusted_hops = 0
    for entry in reversed(_forwarded_values(request, "HTTP_X_FORWARDED_FOR")):
        if not is_trusted_proxy(current):
            break
        trusted_hops += 1
        forwarded = parse_address(entry)
        if forwarded is None:  # a hop we trust wrote something we cannot read: stop at it
            break
        current = forwarded
    if trusted_hops == 0 and is_trusted_proxy(current):
        trusted_hops = 1  # a trusted proxy that sent no X-Forwarded-For: still its scheme
    return current, trusted_hops


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind trusted proxies the nearest address in
    X-Forwarded-For that is not one of them."""
    address, _hops = _client(request)
    return str(address) if address is not None else "0.0.0.0"


def forwarded_scheme(request: HttpRequest) -> str | None:
    """ "https" or "http" as the trusted proxy nearest the client saw it, else None."""
    _address, hops = _client(request)
    if not hops:
        return None
    schemes = _forwarded_values(request, "HTTP_X_FORWARDED_PROTO")
    if not schemes:
        return None
    scheme = schemes[max(0, len(schemes) - hops)].lower()
    return scheme if scheme in ("http", "https") else None


class ForwardedProtoMiddleware:
    """Outermost: a request a trusted proxy received over HTTPS is secure (SSL redirect, secure
    cookies, absolute links); X-Forwarded-Proto from anyone else changes nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme = forwarded_scheme(request)
        if scheme is not None:
            request.META["wsgi.url_scheme"] = scheme
        return self.get_response(request)


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
