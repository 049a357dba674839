"""Rate limits shared by every process: database counters, or Redis when the cache is Redis."""

import pytest
from django.conf import settings as django_settings

from edicola.core import ratelimit
from edicola.core.models import RateCounter
from edicola.core.ratelimit import Rate, RateLimited

pytestmark = pytest.mark.django_db


def test_rates_parse():
    assert Rate.parse("5/60") == Rate(5, 60)
    assert ratelimit.parse_rates(["2/1", Rate(3, 4)]) == [Rate(2, 1), Rate(3, 4)]


def test_keyed_hash_is_stable_and_opaque():
    assert ratelimit.keyed_hash("192.0.2.1") == ratelimit.keyed_hash("192.0.2.1")
    assert "192" not in ratelimit.keyed_hash("192.0.2.1")
    assert ratelimit.keyed_hash("192.0.2.1") != ratelimit.keyed_hash("192.0.2.2")


def test_embedded_default_counts_in_the_database_every_process_sees(settings):
    settings.RATELIMIT_BACKEND = "auto"
    if "LocMem" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("the embedded default uses the local-memory cache")
    assert ratelimit.backend() == "database"
    for _ in range(3):
        ratelimit.hit("test", "someone", ["3/60"], now=1000.0)
    assert RateCounter.objects.get().count == 3


@pytest.fixture(params=["database", "cache"])
def backend(request, settings):
    if request.param == "cache" and "LocMem" in settings.CACHES["default"]["BACKEND"]:
        pass  # the local-memory cache still exercises the cache code path in one process
    settings.RATELIMIT_BACKEND = request.param
    return request.param


def test_over_the_limit_raises_with_seconds_to_wait(backend):
    for _ in range(5):
        ratelimit.hit("test", "reader", ["5/60"], now=1030.0)
    with pytest.raises(RateLimited) as limited:
        ratelimit.hit("test", "reader", ["5/60"], now=1030.0)
    # Sliding window: at 1092 the five of [1020, 1080) weigh 5 × 48/60 = 4, so one more fits.
    assert limited.value.retry_after == 62
    ratelimit.hit("test", "other", ["5/60"], now=1030.0)  # others are not affected
    with pytest.raises(RateLimited):
        ratelimit.hit("test", "reader", ["5/60"], now=1081.0)  # no fresh start at the boundary
    ratelimit.hit("test", "reader", ["5/60"], now=1092.0)


def test_a_burst_across_a_window_boundary_is_one_burst(backend, rate_limit_clock):
    """Five at 59.5 s and five at 60.5 s are ten in a second, under "5 per minute"."""
    rate_limit_clock.now = 60_000 * 60 + 59.5
    for _ in range(5):
        ratelimit.hit("test", "reader", ["5/60"])
    rate_limit_clock.advance(1)
    refused = 0
    for _ in range(5):
        try:
            ratelimit.hit("test", "reader", ["5/60"])
        except RateLimited as limited:
            refused += 1
            assert limited.retry_after == 12  # 5 × (1 - 12.5/60) + 1 ≤ 5 at 72.5 s
    assert refused == 5


def test_the_limit_frees_up_gradually(backend, rate_limit_clock):
    rate_limit_clock.now = 60_000 * 60 + 59.5
    for _ in range(5):
        ratelimit.hit("test", "reader", ["5/60"])
    allowed = []
    for _ in range(120):  # one attempt per second over the next two minutes
        rate_limit_clock.advance(1)
        try:
            ratelimit.hit("test", "reader", ["5/60"])
        except RateLimited:
            continue
        allowed.append(rate_limit_clock.now - 60_000 * 60)
    # About one every 12 s (60 s / 5) as the old burst slides out, never five at once.
    assert allowed[:5] == [72.5, 84.5, 96.5, 108.5, 120.5]
    gaps = [later - earlier for earlier, later in zip(allowed, allowed[1:], strict=False)]
    assert min(gaps) >= 5 and len(allowed) <= 11


def test_refused_events_are_not_counted(backend):
    for _ in range(2):
        ratelimit.hit("test", "reader", ["2/60"], now=600.0)
    for _ in range(50):
        with pytest.raises(RateLimited):
            ratelimit.hit("test", "reader", ["2/60"], now=601.0)
    ratelimit.hit("test", "reader", ["2/60"], now=690.0)  # 2 × 30/60 + 1 = 2


def test_every_window_and_identity_counts(backend):
    rates = ["2/1", "3/3600"]
    ratelimit.hit("test", ["ip", "mail"], rates, now=7200.0)
    ratelimit.hit("test", ["ip", "mail"], rates, now=7201.0)
    ratelimit.hit("test", ["ip", "other-mail"], rates, now=7202.0)
    with pytest.raises(RateLimited) as limited:
        ratelimit.hit("test", ["new-ip", "mail"], rates, now=7203.0)
        ratelimit.hit("test", ["ip"], rates, now=7204.0)
    assert limited.value.retry_after > 3000  # the hour window is the binding one


def test_reset_forgets_the_current_windows(backend):
    for _ in range(2):
        ratelimit.hit("test", "x", ["2/60"])
    ratelimit.reset("test", "x", ["2/60"])
    ratelimit.hit("test", "x", ["2/60"])


def test_expired_counters_are_cleaned_up(settings):
    settings.RATELIMIT_BACKEND = "database"
    ratelimit.hit("test", "a", ["1/1"], now=100.0)
    ratelimit.hit("test", "b", ["1/1"], now=1e9)
    assert RateCounter.objects.count() == 1


@pytest.mark.redis
def test_with_redis_counters_live_in_redis(settings):
    settings.RATELIMIT_BACKEND = "auto"
    assert ratelimit.backend() == "cache"
    assert "Redis" in django_settings.CACHES["default"]["BACKEND"]
    for _ in range(2):
        ratelimit.hit("test-redis", "z", ["2/60"], now=6000.0)
    with pytest.raises(RateLimited):
        ratelimit.hit("test-redis", "z", ["2/60"], now=6000.0)
    assert not RateCounter.objects.exists()
