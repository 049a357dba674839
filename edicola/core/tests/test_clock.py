"""The clock runs every job on each tick; a failing job is logged and does not stop the others;
slow-cadence jobs (the network-retention sweep) run at most once per period."""

import pytest

from edicola.core import clock as jobs
from edicola.core.management.commands import clock

# A moment at the start of a clock period and of an hour (seconds since the epoch).
NOON = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # The clock closes stale connections between ticks; inside a test's transaction that would
    # close the test's own connection (PostgreSQL).
    monkeypatch.setattr(clock, "close_old_connections", lambda: None)


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others_and_slow_jobs_wait(monkeypatch, caplog):
    calls = []

    def broken():
        calls.append("broken")
        raise RuntimeError("boom")

    monkeypatch.setattr(
        jobs,
        "jobs",
        lambda: [
            jobs.Job("broken", broken, 0),
            jobs.Job("every tick", lambda: calls.append("every tick"), 0),
            jobs.Job("hourly", lambda: calls.append("hourly"), 3600),
        ],
    )
    command = clock.Command()
    command.tick(now=NOON)
    command.tick(now=NOON + command.seconds)
    assert calls == ["broken", "every tick", "hourly", "broken", "every tick"]
    assert "Clock job 'broken' failed" in caplog.text


@pytest.mark.django_db
def test_two_clocks_at_the_same_time_run_each_job_once(monkeypatch):
    """Two instances, two clocks, ticking in the same period: each job runs once, by whichever
    clock claimed the period; the next period runs again, once."""
    calls = []
    monkeypatch.setattr(
        jobs,
        "jobs",
        lambda: [
            jobs.Job("publish", lambda: calls.append("publish"), 0),
            jobs.Job("hourly", lambda: calls.append("hourly"), 3600),
        ],
    )
    first, second = clock.Command(), clock.Command()
    assert first.tick(now=NOON) == ["publish", "hourly"]
    assert second.tick(now=NOON) == []
    assert second.tick(now=NOON + 1) == [], "still the same period"
    assert second.tick(now=NOON + first.seconds) == ["publish"]
    assert first.tick(now=NOON + first.seconds + 2) == []
    assert calls == ["publish", "hourly", "publish"]


@pytest.mark.django_db
def test_the_real_jobs_run_without_error(caplog):
    clock.Command().tick()
    assert "failed" not in caplog.text
    assert [job.name for job in jobs.jobs()] == [
        "scheduled publishing",
        "deals",
        "comment notifications",
        "network retention",
    ]
