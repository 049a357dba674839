"""The jobs `edicola clock` runs: a registry the apps fill in their AppConfig.ready().

`register_job(name, function, every=0, order=50)` adds a periodic job: `function()` is called
on each tick of the clock when at least `every` seconds have passed since its last run (0: every
tick), jobs in ascending `order`. Core registers Wagtail's scheduled publishing; the apps above
register their own sweeps (deals going live, notification digests, retention), so the clock
names none of them.
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
