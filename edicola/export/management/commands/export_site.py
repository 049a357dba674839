"""`edicola export_site DIR`: everything the site holds, as JSON Lines, media originals and a
WordPress export file (see edicola.export.services and the README, "Leaving Edicola")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from edicola.export.services import ExportError, export_site


class Command(BaseCommand):
    help = _(
        "Export the whole site to a directory: JSON Lines per kind, media originals, "
        "a manifest and a WordPress WXR 1.2 file."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help=_("an empty directory (created if missing)"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("write over an earlier export in the directory"),
        )
        parser.add_argument("--no-wxr", action="store_true", help=_("leave out wordpress.xml"))
        parser.add_argument(
            "--no-html",
            action="store_true",
            help=_("leave out the rendered HTML of bodies (their StreamField JSON is kept)"),
        )

    def handle(self, *args, directory, force, no_wxr, no_html, **options):
        verbose = options["verbosity"] > 0

        def progress(kind: str, count: int) -> None:
            if verbose:
                self.stdout.write(_("  %(file)s: %(count)d rows") % {"file": kind, "count": count})

        try:
            result = export_site(
                Path(directory),
                force=force,
                with_wxr=not no_wxr,
                with_html=not no_html,
                progress=progress,
            )
        except ExportError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            raise CommandError(
                _("The site's database cannot be read (%(error)s). Has “edicola migrate” run?")
                % {"error": error}
            ) from error
        except OSError as error:
            raise CommandError(
                _("The export stopped: %(error)s (%(path)s).")
                % {"error": error.strerror or error, "path": error.filename or directory}
            ) from error
        if result.missing_files:
            self.stderr.write(
                _("%(count)d media files were missing from storage and are listed in the manifest.")
                % {"count": len(result.missing_files)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Site exported to %(path)s: %(items)d rows, WordPress file with %(posts)d posts.")
                % {
                    "path": result.directory,
                    "items": sum(result.counts.values()),
                    "posts": result.wxr_counts.get("posts", 0),
                }
            )
        )
