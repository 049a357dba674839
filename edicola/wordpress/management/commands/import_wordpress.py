"""`edicola import_wordpress`: bring a WordPress + wpDiscuz site over, from its export file,
its database, or both; see edicola.wordpress.importer for what comes over and how."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from edicola.wordpress.importer import ImportFailed, Options, run_import
from edicola.wordpress.progress import Progress
from edicola.wordpress.records import SourceError
from edicola.wordpress.report import Report


def open_wxr(path: Path):
    from edicola.wordpress.wxr import WXRSource

    return WXRSource(path)


def open_database(url: str, table_prefix: str):
    from edicola.wordpress.database import DatabaseSource

    return DatabaseSource(url, table_prefix=table_prefix)


def default_report_path() -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return Path(settings.DATA_DIR) / "imports" / f"wordpress-{stamp}.json"


class Command(BaseCommand):
    help = _(
        "Import a WordPress site with its wpDiscuz discussions: from an export file (--wxr), "
        "from its database (--database), or both (content from the file, wpDiscuz's votes, "
        "subscriptions and feedback forms from the database). Running it again updates what "
        "changed in WordPress and keeps what was edited here."
    )

    def add_arguments(self, parser):
        parser.add_argument("--wxr", metavar="FILE", help=_("A WordPress export file (WXR)."))
        parser.add_argument(
            "--database",
            metavar="URL",
            help=_("The site's MySQL/MariaDB database: mysql://user:password@host:port/name"),
        )
        parser.add_argument(
            "--table-prefix",
            default="wp_",
            help=_("The prefix of WordPress's tables (default: wp_)."),
        )
        parser.add_argument(
            "--uploads",
            metavar="DIR",
            help=_("A copy of the site's wp-content/uploads; nothing is downloaded."),
        )
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Report what would happen; write nothing.")
        )
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help=_("Replace what was changed here since the last import."),
        )
        parser.add_argument(
            "--pingbacks", action="store_true", help=_("Keep pingbacks and trackbacks.")
        )
        parser.add_argument(
            "--report",
            metavar="FILE",
            help=_("Where to save the JSON report (default: in the data directory)."),
        )

    def handle(self, *args, **options):
        if not options["wxr"] and not options["database"]:
            raise CommandError(
                _("Give a WordPress export file (--wxr), a database (--database), or both.")
            )
        uploads = None
        if options["uploads"]:
            uploads = Path(options["uploads"])
            if not uploads.is_dir():
                raise CommandError(
                    _("The uploads directory %(path)s does not exist.") % {"path": uploads}
                )
        sources = self._sources(options)
        content, extras = sources[0], sources
        report = Report(dry_run=options["dry_run"])
        progress = Progress(
            lambda line: self.stdout.write(line),
            terminal=self.stdout.isatty(),
        )
        run_options = Options(
            dry_run=options["dry_run"],
            overwrite=options["overwrite"],
            pingbacks=options["pingbacks"],
            uploads=uploads,
        )
        path = Path(options["report"]) if options["report"] else default_report_path()
        failure = None
        try:
            run_import(content, extras, run_options, report, progress)
        except ImportFailed as error:
            failure = str(error)
        except KeyboardInterrupt:
            failure = _("interrupted; what was imported so far is kept and listed.")
            report.aborted = failure
        finally:
            for source in sources:
                close = getattr(source, "close", None)
                if close is not None:
                    close()
        for line in report.summary_lines():
            self.stdout.write(line)
        try:
            report.write_json(path)
        except OSError as error:
            raise CommandError(
                _("The report could not be saved to %(path)s: %(error)s")
                % {"path": path, "error": error.strerror or error}
            ) from None
        finally:
            report.close()
        self.stdout.write(_("Report saved to %(path)s") % {"path": path})
        if failure:
            raise CommandError(_("The import stopped: %(reason)s") % {"reason": failure})

    def _sources(self, options) -> list:
        sources = []
        try:
            if options["wxr"]:
                path = Path(options["wxr"])
                if not path.is_file():
                    raise CommandError(
                        _("The export file %(path)s does not exist.") % {"path": path}
                    )
                sources.append(open_wxr(path))
            if options["database"]:
                sources.append(open_database(options["database"], options["table_prefix"]))
        except SourceError as error:
            raise CommandError(str(error)) from None
        except ImportError:
            raise CommandError(_("This installation cannot read that kind of source.")) from None
        return sources
