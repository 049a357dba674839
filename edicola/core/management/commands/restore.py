"""`edicola restore DIR`: put a backup into the configured (empty) database and media storage."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edicola.core import backups


class Command(BaseCommand):
    help = "Restore a backup written by `edicola backup` into this (empty) site."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by `edicola backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace a site that already holds content"
        )

    def handle(self, *args, directory, force, **options):
        try:
            summary = backups.restore(directory, force=force, progress=self.stdout.write)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Restored %(directory)s: %(pages)s pages, %(media)s media files.")
            % {
                "directory": summary.directory,
                "pages": summary.counts.get("wagtailcore_page", 0),
                "media": summary.media_files,
            }
        )
