"""Compressed responses: which encoding a reader's browser gets, and the middleware that applies it.

Text responses (HTML, CSS, JavaScript, SVG, JSON, feeds, sitemaps) are sent with brotli when the
browser accepts it, else gzip, else as they are. The page cache stores each page's compressed
bodies next to the plain one (`encoded_bodies`), so a cached page is compressed once, not on every
hit; the middleware compresses everything else on the way out. Static files are compressed ahead
of time by `collectstatic` (WhiteNoise's storage) and never pass through here.

A page that carries a CSRF token is compressed with gzip padded by a random length (Django's
"Heal The BREACH" mitigation), never with brotli, so its size does not reveal the token.
"""

import gzip
import re

import brotli
from django.conf import settings
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string

COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/xml",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "image/svg+xml",
    }
)
# Below this size the encoding's own overhead outweighs what it saves.
MIN_SIZE = 256
# Brotli's quality 5 compresses HTML within a few percent of 11 at a fraction of the time; the page
# cache keeps the result, so it is paid once per page and generation.
BROTLI_QUALITY = 5
GZIP_LEVEL = 6
ENCODINGS = ("br", "gzip")
_ACCEPT = re.compile(r"\s*([a-z*]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def accepted_encoding(accept_encoding: str, *, allow_brotli: bool = True) -> str | None:
    """The best of our encodings that an Accept-Encoding header allows (br, then gzip), or None."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        match = _ACCEPT.match(part)
        if not match:
            continue
        try:
            weights[match[1]] = float(match[2]) if match[2] else 1.0
        except ValueError:
            continue
    wildcard = weights.get("*", 0.0)
    for encoding in ENCODINGS:
        if encoding == "br" and not allow_brotli:
            continue
        if weights.get(encoding, wildcard) > 0:
            return encoding
    return None


def is_compressible(content_type: str, size: int) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return size >= MIN_SIZE and media_type in COMPRESSIBLE_TYPES


def encode(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def encoded_bodies(body: bytes, content_type: str) -> dict[str, bytes]:
    """Every encoding of a page worth keeping beside its plain body (for the page cache)."""
    if not is_compressible(content_type, len(body)):
        return {}
    bodies = {encoding: encode(body, encoding) for encoding in ENCODINGS}
    return {encoding: data for encoding, data in bodies.items() if len(data) < len(body)}


def weak_etag(etag: str) -> str:
    """A compressed body is not byte-identical to the plain one: its validator becomes weak."""
    return etag if etag.startswith("W/") else f"W/{etag}"


def apply_encoding(response, encoding: str, body: bytes) -> None:
    """Put an encoded `body` in `response` with the headers that say so."""
    response.content = body
    response["Content-Length"] = str(len(body))
    response["Content-Encoding"] = encoding
    if response.has_header("ETag"):
        response["ETag"] = weak_etag(response["ETag"])


class CompressionMiddleware:
    """Compresses text responses that nothing compressed before (the outermost middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or response.has_header("Content-Encoding"):
            return response
        content_type = response.get("Content-Type", "")
        if not is_compressible(content_type, len(response.content)):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        # A CSRF token in the page: only length-randomised gzip (see the module docstring).
        # Django sets the CSRF cookie on every response whose page used the token.
        carries_token = settings.CSRF_COOKIE_NAME in response.cookies or bool(
            request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        )
        encoding = accepted_encoding(
            request.META.get("HTTP_ACCEPT_ENCODING", ""), allow_brotli=not carries_token
        )
        if encoding is None:
            return response
        if carries_token:
            body = compress_string(response.content, max_random_bytes=100)
        else:
            body = encode(response.content, encoding)
        if len(body) >= len(response.content):
            return response
        apply_encoding(response, encoding, body)
        return response
