"""The jobs `edicola clock` runs: a registry the apps fill in their AppConfig.ready().

`register_job(name, function, every=0, order=50)` adds a periodic job: `function()` is called
once per period of `every` seconds (0: every tick of the clock), jobs in ascending `order`. With
several instances, each period's run is claimed in the database (core.leases.claim_period), so
two clocks never both run a job for the same period. Core registers Wagtail's scheduled
publishing; the apps above register their own sweeps (deals going live, notification digests,
retention), so the clock names none of them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    function: Callable[[], object]
    every: float = 0
    order: int = 50


_JOBS: dict[str, Job] = {}


def register_job(name: str, function: Callable[[], object], *, every: float = 0, order=50) -> None:
    """Add (or replace, by name) a job of the clock."""
    _JOBS[name] = Job(name, function, every, order)


def jobs() -> list[Job]:
    """Every registered job, in the order the clock runs them."""
    return sorted(_JOBS.values(), key=lambda job: job.order)
