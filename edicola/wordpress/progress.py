"""How far the import is: a rich progress bar with counts and time left on a terminal, plain
periodic lines when the output is a file or a pipe (logs, CI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager

from django.utils.translation import gettext as _

PLAIN_INTERVAL_SECONDS = 10.0


class Progress:
    """`with progress.phase(label, total) as step: step()` once per record handled."""

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        terminal: bool = False,
        interval: float = PLAIN_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        console_file=None,
    ):
        self.write = write
        self.terminal = terminal
        self.interval = interval
        self.clock = clock
        self.console_file = console_file

    @contextmanager
    def phase(self, label: str, total: int | None = None):
        if self.terminal:
            with self._rich(label, total) as step:
                yield step
        else:
            with self._plain(label, total) as step:
                yield step

    @contextmanager
    def _rich(self, label: str, total: int | None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as RichProgress,
        )

        console = Console(file=self.console_file) if self.console_file else None
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        ]
        with RichProgress(*columns, console=console, transient=False) as bar:
            task = bar.add_task(label, total=total)

            def step(n: int = 1) -> None:
                bar.advance(task, n)

            yield step

    @contextmanager
    def _plain(self, label: str, total: int | None):
        started = self.clock()
        state = {"done": 0, "last": started}

        def line(done: int) -> str:
            elapsed = self.clock() - started
            if total:
                left = elapsed / done * (total - done) if done else 0
                return _("%(label)s: %(done)d of %(total)d (%(percent)d%%), %(left)s left") % {
                    "label": label,
                    "done": done,
                    "total": total,
                    "percent": done * 100 // total,
                    "left": _duration(left),
                }
            return _("%(label)s: %(done)d done, %(elapsed)s elapsed") % {
                "label": label,
                "done": done,
                "elapsed": _duration(elapsed),
            }

        def step(n: int = 1) -> None:
            state["done"] += n
            now = self.clock()
            if now - state["last"] >= self.interval:
                state["last"] = now
                self.write(line(state["done"]))

        yield step
        self.write(line(state["done"]))


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return _("%(n)ds") % {"n": seconds}
    if seconds < 3600:
        return _("%(m)dm %(s)02ds") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)dh %(m)02dm") % {"h": seconds // 3600, "m": seconds % 3600 // 60}
