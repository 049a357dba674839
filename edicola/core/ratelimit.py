"""Rate limits every process agrees on: sliding-window counters in Redis or in the database.

`hit(scope, identity, rates)` counts one event for `identity` under each rate of `rates` and
raises RateLimited(retry_after) when any rate is over its limit. Each rate keeps one counter per
fixed window; the count it is judged by slides: the previous window's counter weighted by how
much of it is still within the last `seconds`, plus the current one (the "sliding window
counter" of Cloudflare and of the `limits` library, which has no database storage). So five
events at 0:59 and five at 1:00 make ten in the last minute, not five and five. A refused event
is not counted.

With a shared cache (Redis, REDIS_URL) counters live there and `incr` is atomic. The embedded
default's local-memory cache is private to each process, so counters then live in a small table
(core.RateCounter) updated with `count = count + 1` in one transaction.
settings.RATELIMIT_BACKEND (RATELIMIT_BACKEND in the environment) forces "cache" or "database";
"auto" picks as above.

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
    hash and an e-mail hash); raise RateLimited when any rate's sliding window would be over its
    limit. A refused event is not counted, so waiting Retry-After seconds is always enough."""
    rates = parse_rates(rates)
    identities = [identity] if isinstance(identity, str) else list(identity)
    identities = [value for value in identities if value]
    if not identities or not rates:
        return
    now = clock() if now is None else now
    windows = {}
    for value in identities:
        for rate in rates:
            window = _Window(scope, value, rate, now)
            windows.setdefault(window.key, window)
    windows = list(windows.values())
    store = _incr_cache if backend() == "cache" else _incr_database
    retry_after = store(windows, now)
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


class _Window:
    """One identity under one rate: the current fixed window and the one before it.

    The sliding-window count is the previous window's count weighted by the part of it still
    inside the last `seconds`, plus the current window's count. So events just before a window
    boundary still weigh on the events just after it, and the limit frees up gradually."""

    def __init__(self, scope: str, identity: str, rate: Rate, now: float):
        self.rate = rate
        self.index = int(now // rate.seconds)
        self.key = _key(scope, identity, rate, self.index)
        self.previous_key = _key(scope, identity, rate, self.index - 1)
        self.elapsed = now - self.index * rate.seconds
        # A window's counter is read until the end of the window after it.
        self.expires = (self.index + 2) * rate.seconds

    def weighted(self, current: int, previous: int) -> float:
        return previous * (1 - self.elapsed / self.rate.seconds) + current

    def retry_after(self, current: int, previous: int) -> float:
        """Seconds until one more event fits, `current` and `previous` not counting it."""
        seconds, limit = self.rate.seconds, self.rate.count
        if current + 1 <= limit:
            # Within this window, once enough of the previous one has slid out.
            needed = 1 - (limit - current - 1) / previous if previous else 0
            return max(0.0, needed * seconds - self.elapsed)
        # Next window, where this window's count becomes the previous one.
        needed = 1 - (limit - 1) / current if current else 0
        return (seconds - self.elapsed) + max(0.0, needed) * seconds


def _key(scope: str, identity: str, rate: Rate, index: int) -> str:
    return f"rl:{scope}:{identity}:{rate.seconds}:{index}"


def _verdict(windows, counts: dict[str, int]) -> int:
    """Seconds to wait (0 when every window has room), from counts that include this event."""
    over, wait = False, 0.0
    for window in windows:
        current = counts.get(window.key, 0)
        previous = counts.get(window.previous_key, 0)
        if window.weighted(current, previous) > window.rate.count + 1e-9:
            over, wait = True, max(wait, window.retry_after(current - 1, previous))
    return max(1, math.ceil(wait - 1e-9)) if over else 0


def _incr_cache(windows, now: float) -> int:
    counts = {}
    for window in windows:
        timeout = 2 * window.rate.seconds + 1
        cache.add(window.key, 0, timeout=timeout)
        try:
            counts[window.key] = cache.incr(window.key)
        except ValueError:  # expired between add() and incr()
            cache.set(window.key, 1, timeout=timeout)
            counts[window.key] = 1
    previous = cache.get_many([window.previous_key for window in windows])
    counts.update({key: int(value) for key, value in previous.items()})
    retry_after = _verdict(windows, counts)
    if retry_after:
        for window in windows:  # a refused event does not count
            try:
                cache.decr(window.key)
            except ValueError:
                pass
    return retry_after


def _incr_database(windows, now: float) -> int:
    keys = [window.key for window in windows]
    expires = {window.key: window.expires for window in windows}
    with transaction.atomic():
        RateCounter.objects.filter(key__in=keys).update(count=F("count") + 1)
        previous = [window.previous_key for window in windows]
        counts = dict(
            RateCounter.objects.filter(key__in=keys + previous).values_list("key", "count")
        )
        missing = [key for key in keys if key not in counts]
        if missing:
            RateCounter.objects.filter(expires_at__lt=datetime.fromtimestamp(now, UTC)).delete()
            RateCounter.objects.bulk_create(
                [
                    RateCounter(
                        key=key, count=0, expires_at=datetime.fromtimestamp(expires[key], UTC)
                    )
                    for key in missing
                ],
                ignore_conflicts=True,
            )
            RateCounter.objects.filter(key__in=missing).update(count=F("count") + 1)
            counts.update(RateCounter.objects.filter(key__in=missing).values_list("key", "count"))
        retry_after = _verdict(windows, counts)
        if retry_after:  # a refused event does not count
            RateCounter.objects.filter(key__in=keys).update(count=F("count") - 1)
    return retry_after


def reset(scope: str, identity: str, rates) -> None:
    """Forget the current and previous windows of one identity (tests, a successful login)."""
    now = clock()
    keys = []
    for rate in parse_rates(rates):
        window = _Window(scope, identity, rate, now)
        keys += [window.key, window.previous_key]
    if backend() == "cache":
        cache.delete_many(keys)
    else:
        RateCounter.objects.filter(key__in=keys).delete()
