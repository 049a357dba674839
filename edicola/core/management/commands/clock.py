"""`edicola clock`: makes scheduled publishing happen on time, with nobody running a command.

A loop, started by `edicola serve`, that runs the JOBS below every EDICOLA_SERVE["clock_seconds"]
seconds (CLOCK_SECONDS in the environment): Wagtail's `publish_scheduled` (publish revisions
whose go-live time has passed, unpublish pages whose expiry has passed), deals starting and
expiring, comment notification digests and retries, and the hourly network-retention sweep.
Publishing sends Wagtail's usual signals, so the anonymous page cache is retired as for any
other publication.
SIGINT or SIGTERM ends the loop after the run in progress.
"""

import logging
import signal
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

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
            for name, job, every in JOBS:
                last = self._last_run.get(name)
                if last is not None and time.monotonic() - last < every:
                    continue
                self._last_run[name] = time.monotonic()
                try:
                    job()
                except Exception:
                    logger.exception("Clock job %r failed; retrying at the next tick.", name)
        finally:
            close_old_connections()


def _publish_scheduled() -> None:
    call_command("publish_scheduled", verbosity=0)


def _run(dotted: str):
    return lambda: import_string(dotted)()


# (name, job, least seconds between two runs): 0 means every tick.
JOBS = (
    ("scheduled publishing", _publish_scheduled, 0),
    # deals going live or expiring, outbox retries falling due
    ("deals", _run("edicola.deals.services.tick"), 0),
    # digests, editor notices, mail retries, rows of dead workers
    ("comment notifications", _run("edicola.comments.notifications.tick"), 0),
    # commenters' networks older than the retention period
    ("network retention", _run("edicola.comments.privacy.purge_networks"), 3600),
)
