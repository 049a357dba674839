"""`edicola clock`: makes scheduled publishing happen on time, with nobody running a command.

A loop, started by `edicola serve`, that runs the jobs of edicola.core.clock every
EDICOLA_SERVE["clock_seconds"] seconds (CLOCK_SECONDS in the environment): Wagtail's
`publish_scheduled` (publish revisions whose go-live time has passed, unpublish pages whose
expiry has passed), registered by core, and whatever the apps registered in their ready()
(deals starting and expiring, comment notification digests and retries, retention sweeps).
Publishing sends Wagtail's usual signals, so the anonymous page cache is retired as for any
other publication.
SIGINT or SIGTERM ends the loop after the run in progress.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.translation import gettext as _

from edicola.core import clock

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Publish and unpublish scheduled pages on time, in a loop."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._last_run: dict[str, float] = {}

    def add_arguments(self, parser):
        parser.add_argument(
            "--seconds",
            type=float,
            default=settings.EDICOLA_SERVE["clock_seconds"],
            help=_("Pause between two checks (default: CLOCK_SECONDS or 15)."),
        )
        parser.add_argument(
            "--once", action="store_true", help=_("Check once and exit (for cron and tests).")
        )

    def handle(self, *args, seconds: float, once: bool, **options):
        if seconds <= 0:
            raise CommandError(_("--seconds must be greater than zero."))
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        while not stop.is_set():
            self.tick()
            if once:
                break
            stop.wait(seconds)

    def tick(self) -> None:
        """One run of every job; a failing job is logged and the next tick tries again."""
        close_old_connections()
        try:
            for job in clock.jobs():
                last = self._last_run.get(job.name)
                if last is not None and time.monotonic() - last < job.every:
                    continue
                self._last_run[job.name] = time.monotonic()
                try:
                    job.function()
                except Exception:
                    logger.exception("Clock job %r failed; retrying at the next tick.", job.name)
        finally:
            close_old_connections()
