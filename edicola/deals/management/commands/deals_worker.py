"""`edicola deals_worker CHANNEL`: drain one channel's outbox in the foreground (operations,
benchmarks and the crash test). The same loop as the `drain_outbox` task."""

import argparse

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from edicola.deals.models import OutboxMessage
from edicola.deals.tasks import drain


def _moment(value: str):
    moment = parse_datetime(value)
    if moment is None:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 date and time: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Send the due outbox messages of one channel."

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=OutboxMessage.Channel.values)
        parser.add_argument("--max-seconds", type=float, default=600)
        parser.add_argument(
            "--until-settled",
            action="store_true",
            help="Keep going until nothing is pending, being sent or waiting to reconcile.",
        )
        parser.add_argument(
            "--reconcile-before",
            type=_moment,
            default=None,
            metavar="ISO-8601",
            help=(
                "Send again the WhatsApp messages left unknown (a worker died during the send) "
                "before this moment that no status webhook settled. Only once every webhook up "
                "to then has arrived; otherwise they wait DEALS_RECONCILE_SECONDS."
            ),
        )

    def handle(self, *args, channel, max_seconds, until_settled, reconcile_before, **options):
        if connection.vendor == "sqlite":
            # A sender reads each row once: a small page cache keeps its memory flat however
            # large the outbox is (the site's connections keep the larger default).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-2000")
        handled = drain(
            channel,
            max_seconds=max_seconds,
            wait_for_unsettled=until_settled,
            reconcile_before=reconcile_before,
        )
        self.stdout.write(f"{handled}")
