"""`edicola clock`: makes scheduled publishing happen on time, with nobody running a command.

A loop, started by `edicola serve`, that runs Wagtail's `publish_scheduled` (publish revisions
whose go-live time has passed, unpublish pages whose expiry has passed) every
EDICOLA_SERVE["clock_seconds"] seconds (CLOCK_SECONDS in the environment). Publishing sends
Wagtail's usual signals, so the anonymous page cache is retired as for any other publication.
SIGINT or SIGTERM ends the loop after the run in progress.
"""

import logging
import signal
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Publish and unpublish scheduled pages on time, in a loop."

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
        """One run of publish_scheduled; a failure is logged and the next tick tries again."""
        close_old_connections()
        try:
            call_command("publish_scheduled", verbosity=0)
        except Exception:
            logger.exception("Scheduled publishing failed; retrying at the next tick.")
        try:
            from edicola.deals.services import tick as deals_tick

            deals_tick()  # deals going live or expiring, outbox retries falling due
        except Exception:
            logger.exception("Deals clock failed; retrying at the next tick.")
        try:
            from edicola.comments.notifications import tick as notifications_tick

            notifications_tick()  # digests, editor notices, mail retries, rows of dead workers
        except Exception:
            logger.exception("Comment notifications clock failed; retrying at the next tick.")
        finally:
            close_old_connections()
