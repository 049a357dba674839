"""The request side of old WordPress addresses: a 301 to where the object lives now.

Placed before the full-page cache (settings.MIDDLEWARE), so that /?p=12 is answered before
the cached home page could be. Ordinary requests cost nothing: only a query string with one of
WordPress's keys on the home page (or wpDiscuz's subscription keys anywhere), or a response
that is a 404, is looked at, and only on a site that imported something (a cached flag).
"""

import logging
from urllib.parse import urlsplit

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render

from . import oldurls, redirects

logger = logging.getLogger(__name__)
SAFE_METHODS = ("GET", "HEAD")


class LegacyRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in SAFE_METHODS:
            return self.get_response(request)
        has_query = bool(request.META.get("QUERY_STRING"))
        if has_query and redirects.wants_query(request.path, request.GET) and oldurls.has_imports():
            answer = redirects.resolve_query(request.path, request.GET)
            if answer is not None:
                response = _respond(request, answer)
                if response is None:
                    raise Http404
                return response
        response = self.get_response(request)
        if not (response.status_code == 404 or _appends_slash(request, response)):
            return response
        if not oldurls.has_imports():
            return response
        try:
            answer = None
            if has_query and not redirects.QUERY_KEYS.isdisjoint(request.GET):
                answer = redirects.resolve_query(request.path, request.GET)
            if answer is None or answer.not_found:
                answer = redirects.resolve_path(request.path)
        except Exception:  # an old address must never turn a 404 into a 500
            logger.exception("Old address %r could not be resolved", request.path[:200])
            return response
        return _respond(request, answer) or response


def _appends_slash(request, response) -> bool:
    """CommonMiddleware's APPEND_SLASH answer to a path without its slash: an old address
    like /2020/01/post or /wp-content/uploads/a.jpg goes to its object in one hop instead."""
    return response.status_code == 301 and response.get("Location") == (
        request.get_full_path(force_append_slash=True)
    )


def _respond(request, answer: redirects.Answer):
    """The answer as a response; None for our 404 (nothing found, or a redirect to itself)."""
    if answer.gone:
        response = render(
            request, "comments/subscriptions/error.html", {"error": answer.gone}, status=410
        )
        return _private(response)
    if not answer.url:
        return None
    target = urlsplit(answer.url)
    if target.path == request.path and target.query == request.META.get("QUERY_STRING", ""):
        return None
    response = HttpResponsePermanentRedirect(answer.url)
    if answer.private:
        return _private(response)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _private(response):
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
