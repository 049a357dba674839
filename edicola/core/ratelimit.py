"""Rate limits every process agrees on: fixed-window counters in Redis or in the database.

`hit(scope, identity, rates)` counts one event for `identity` in each window of `rates` and
raises RateLimited(retry_after) when any window is over its limit. With a shared cache (Redis,
REDIS_URL) counters live there and `incr` is atomic. The embedded default's local-memory cache
is private to each process, so counters then live in a small table (core.RateCounter) updated
with `count = count + 1` in one transaction. settings.RATELIMIT_BACKEND (RATELIMIT_BACKEND in the
environment) forces "cache" or "database"; "auto" picks as above.

Identities should be opaque: pass addresses and e-mails through `keyed_hash` first.

Every refusal is noted for the current request (`note_refusal`, done by `hit` itself), and
RetryAfterMiddleware gives every 429 answer, HTML or JSON, a `Retry-After` with those seconds:
the views and APIs that catch RateLimited (or a daily cap) need not set the header themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from .models import RateCounter

# Seconds the current request was told to wait (the largest refusal), for its 429's Retry-After.
_refused_for: ContextVar[int | None] = ContextVar("edicola_ratelimit_refused_for", default=None)

# Retry-After of a 429 whose refusal noted no time (should not happen; a minute is a safe wait).
DEFAULT_RETRY_AFTER = 60


@dataclass(frozen=True)
class Rate:
    """At most `count` events per `seconds`."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """ "5/60" → five per minute."""
        count, _, seconds = str(text).partition("/")
        return cls(int(count), int(seconds or 1))


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited, retry after {retry_after} s")
        self.retry_after = retry_after


def keyed_hash(value: str, *, length: int = 24) -> str:
    """A stable, non-reversible identity for an address or e-mail (keyed with SECRET_KEY)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"ratelimit:" + value.encode(), hashlib.sha256
    ).hexdigest()
    return digest[:length]


def parse_rates(values) -> list[Rate]:
    return [value if isinstance(value, Rate) else Rate.parse(value) for value in values]


def backend() -> str:
    choice = settings.RATELIMIT_BACKEND
    if choice in ("cache", "database"):
        return choice
    name = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return "database" if name in ("LocMemCache", "DummyCache") else "cache"


def clock() -> float:
    """Seconds since the epoch, as the limiter reads them (tests replace this function)."""
    return time.time()


def hit(scope: str, identity, rates, *, now: float | None = None) -> None:
    """Count one event for `identity` (a string, or several counted together, e.g. an address
    hash and an e-mail hash); raise RateLimited when any window's limit is exceeded."""
    rates = parse_rates(rates)
    identities = [identity] if isinstance(identity, str) else list(identity)
    identities = [value for value in identities if value]
    if not identities or not rates:
        return
    now = clock() if now is None else now
    windows = {}
    for value in identities:
        for rate in rates:
            index = int(now // rate.seconds)
            key = f"rl:{scope}:{value}:{rate.seconds}:{index}"
            windows[key] = (rate, (index + 1) * rate.seconds)
    counts = _incr_cache(windows) if backend() == "cache" else _incr_database(windows, now)
    retry_after = 0
    for key, (rate, window_end) in windows.items():
        if counts.get(key, 0) > rate.count:
            retry_after = max(retry_after, math.ceil(window_end - now))
    if retry_after:
        raise RateLimited(note_refusal(retry_after))


def note_refusal(seconds: float) -> int:
    """Record that the current request must wait `seconds` (rounded up, at least one), for the
    Retry-After of its 429; callers with a cap of their own (mails per day) call it too."""
    seconds = max(1, math.ceil(seconds))
    noted = _refused_for.get()
    _refused_for.set(seconds if noted is None else max(noted, seconds))
    return seconds


class RetryAfterMiddleware:
    """Gives every 429 answer a `Retry-After` header: the seconds the limiter (or a cap) noted
    while the request ran, unless the view set one itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _refused_for.set(None)
        try:
            response = self.get_response(request)
            if response.status_code == 429 and not response.has_header("Retry-After"):
                response["Retry-After"] = str(_refused_for.get() or DEFAULT_RETRY_AFTER)
            return response
        finally:
            _refused_for.reset(token)


def _incr_cache(windows) -> dict[str, int]:
    counts = {}
    for key, (rate, _) in windows.items():
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            counts[key] = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=rate.seconds + 1)
            counts[key] = 1
    return counts


def _incr_database(windows, now: float) -> dict[str, int]:
    keys = list(windows)
    with transaction.atomic():
        RateCounter.objects.filter(key__in=keys).update(count=F("count") + 1)
        counts = dict(RateCounter.objects.filter(key__in=keys).values_list("key", "count"))
        missing = [key for key in keys if key not in counts]
        if missing:
            RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, UTC)).delete()
            RateCounter.objects.bulk_create(
                [
                    RateCounter(
                        key=key, count=0, expires_at=datetime.fromtimestamp(windows[key][1], UTC)
                    )
                    for key in missing
                ],
                ignore_conflicts=True,
            )
            RateCounter.objects.filter(key__in=missing).update(count=F("count") + 1)
            counts.update(RateCounter.objects.filter(key__in=missing).values_list("key", "count"))
    return counts


def reset(scope: str, identity: str, rates) -> None:
    """Forget the current windows of one identity (tests and moderators' "unblock")."""
    now = clock()
    keys = [
        f"rl:{scope}:{identity}:{rate.seconds}:{int(now // rate.seconds)}"
        for rate in parse_rates(rates)
    ]
    if backend() == "cache":
        cache.delete_many(keys)
    else:
        RateCounter.objects.filter(key__in=keys).delete()
