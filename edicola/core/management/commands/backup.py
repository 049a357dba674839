"""`edicola backup DIR`: a consistent copy of the database, the media and the secret."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from edicola.core import backups


class Command(BaseCommand):
    help = "Back up the site (database snapshot, media files, secret) into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new or empty directory")

    def handle(self, *args, directory, **options):
        try:
            summary = backups.backup(directory, progress=self.stdout.write)
        except (backups.BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Backup written to %(directory)s: %(pages)s pages, %(media)s media files.")
            % {
                "directory": summary.directory,
                "pages": summary.counts.get("wagtailcore_page", 0),
                "media": summary.media_files,
            }
        )
