"""Retry with backoff: how many tries a durable job gets and how long to wait between them.

One `Backoff` per kind of work (stored mail, discussion notifications, deal messages); callers
ask `delay(attempts)` after a failed try and `exhausted(attempts)` whether to give up.
"""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    """At most `max_attempts` tries; `delays[n - 1]` is the pause after the n-th failed try
    (the last delay repeats)."""

    max_attempts: int
    delays: tuple[timedelta, ...] = ()

    def exhausted(self, attempts: int) -> bool:
        """Whether `attempts` tries are all this work gets."""
        return attempts >= self.max_attempts

    def delay(self, attempts: int) -> timedelta:
        """The pause before the next try, after `attempts` tries (at least one)."""
        if not self.delays:
            return timedelta(0)
        return self.delays[min(max(attempts, 1), len(self.delays)) - 1]


# Stored e-mail and the discussion notifications built on it.
MAIL = Backoff(
    max_attempts=5,
    delays=(
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
    ),
)
