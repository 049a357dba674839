"""`edicola deals_worker CHANNEL`: drain one channel's outbox in the foreground (operations,
benchmarks and the crash test). The same loop as the `drain_outbox` task."""

from django.core.management.base import BaseCommand

from edicola.deals.models import OutboxMessage
from edicola.deals.tasks import drain


class Command(BaseCommand):
    help = "Send the due outbox messages of one channel."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("channel", choices=OutboxMessage.Channel.values)
        parser.add_argument("--max-seconds", type=float, default=600)
        parser.add_argument(
            "--until-settled",
            action="store_true",
            help="Keep going until nothing is pending, being sent or waiting to reconcile.",
        )

    def handle(self, *args, channel, max_seconds, until_settled, **options):
        handled = drain(channel, max_seconds=max_seconds, wait_for_unsettled=until_settled)
        self.stdout.write(f"{handled}")
