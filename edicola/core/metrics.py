"""Prometheus metrics: what the site does (requests, latency, page cache) and what waits.

`/metrics` answers in Prometheus' text format, only to a client on loopback or to a request
bearing `Authorization: Bearer <METRICS_TOKEN>`. Request counts and latency are labelled by
route (the URL pattern's name, `cached-page` for pages the page cache answered alone) and
counted by `MetricsMiddleware`, the outermost layer; page-cache hits and misses come from the
`X-Page-Cache` header the page cache sets.

What waits is read at scrape time from the database, by the functions apps register with
`register_state()` in their `AppConfig.ready()` (core registers the task queue and stored
mail; comments the comments awaiting review; deals the outbox).

Several processes (granian's web workers, the task worker) each count their own requests;
`edicola serve` points them at one directory (`PROMETHEUS_MULTIPROC_DIR`, prometheus_client's
multiprocess mode) and the scrape adds them up.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .origin import client_ip

logger = logging.getLogger(__name__)

REQUESTS = Counter(
    "edicola_http_requests",
    "HTTP requests answered, by route, method and status code.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "edicola_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
PAGE_CACHE = Counter(
    "edicola_page_cache_lookups",
    "Page-cache lookups by result (hit: answered from the cache; miss: rendered and stored).",
    ["result"],
)


@dataclass(frozen=True)
class State:
    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]]


_states: dict[str, State] = {}


def register_state(
    name: str,
    documentation: str,
    read: Callable[[], Iterable[tuple[tuple[str, ...], float]]],
    labels: Iterable[str] = (),
) -> None:
    """A gauge read at scrape time: `read()` yields (label values, value) pairs."""
    _states[name] = State(name, documentation, tuple(labels), read)


class _StateCollector:
    def collect(self):
        for state in _states.values():
            family = GaugeMetricFamily(state.name, state.documentation, labels=state.labels)
            try:
                for label_values, value in state.read():
                    family.add_metric(list(label_values), value)
            except Exception:
                # One failing reading (a table missing mid-migration) must not hide the others.
                logger.exception("Could not read the metric %s", state.name)
                continue
            yield family


def _route(request: HttpRequest, response: HttpResponse) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if response.get("X-Page-Cache") == "hit":
        return "cached-page"
    return "unmatched"


class MetricsMiddleware:
    """Counts every request and its latency by route; page-cache hits and misses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = _route(request, response)
        REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        if lookup := response.get("X-Page-Cache"):
            PAGE_CACHE.labels(lookup).inc()
        return response


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(client_ip(request)).is_loopback
    except ValueError:
        return False


def exposition() -> bytes:
    """Every metric in Prometheus' text format, summed over processes in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    states = CollectorRegistry()
    states.register(_StateCollector())
    return generate_latest(counted) + generate_latest(states)


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _allowed(request):
        return HttpResponseForbidden(
            _("Metrics are shown only on loopback or with the metrics token."),
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
