"""`edicola clock`: makes scheduled publishing happen on time, with nobody running a command.

A loop, started by `edicola serve`, that runs the jobs of edicola.core.clock every
EDICOLA_SERVE["clock_seconds"] seconds (CLOCK_SECONDS in the environment): Wagtail's
`publish_scheduled` (publish revisions whose go-live time has passed, unpublish pages whose
expiry has passed), registered by core, and whatever the apps registered in their ready()
(deals starting and expiring, comment notification digests and retries, retention sweeps).
Publishing sends Wagtail's usual signals, so the anonymous page cache is retired as for any
other publication.
With several instances each runs a clock; each job still runs once per period (its `every`, at
least the pause), by the first clock to claim that period in the database.
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

from edicola.core import clock, leases

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Publish and unpublish scheduled pages on time, in a loop."
    seconds: float = settings.EDICOLA_SERVE["clock_seconds"]  # the pause; --seconds sets it

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
        self.seconds = seconds
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_args: stop.set())
        while not stop.is_set():
            self.tick()
            if once:
                break
            stop.wait(seconds)

    def tick(self, now: float | None = None) -> list[str]:
        """One run of every job whose period this clock claims; returns the jobs it ran. A
        failing job is logged and the next period tries again.

        Several clocks (one per instance) share the work: a job runs once per period of
        max(its `every`, the clock's pause), by whichever clock claims that period first
        (core.leases.claim_period); `now` is the time in seconds since the epoch (tests set it).
        """
        now = time.time() if now is None else now
        ran = []
        close_old_connections()
        try:
            for job in clock.jobs():
                try:
                    period = int(now // max(job.every, self.seconds))
                    if not leases.claim_period(f"clock:{job.name}", period):
                        continue
                    ran.append(job.name)
                    job.function()
                except Exception:
                    logger.exception("Clock job %r failed; retrying at the next tick.", job.name)
        finally:
            close_old_connections()
        return ran
