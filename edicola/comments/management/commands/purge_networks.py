"""`edicola purge_networks`: clear the networks of comments, votes and reports past retention.

Safe to run daily, or more often (cron, a systemd timer, or the `purge_networks_task` task).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edicola.comments import privacy


class Command(BaseCommand):
    help = "Clear stored networks older than the retention period (default 30 days)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=_("Retention in days (default: COMMENTS NETWORK_RETENTION_DAYS, 30)."),
        )

    def handle(self, *args, days=None, **options):
        if days is not None and days < 0:
            raise CommandError(_("--days cannot be negative."))
        cleared = privacy.purge_networks(days=days)
        self.stdout.write(f"Cleared {cleared} stored networks.")
