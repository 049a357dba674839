"""Backups of a whole site and their restoration: the database, the media files, the secret.

A backup is a directory:

    backup.json         what it holds: format version, date, database engine, row counts, files
    database.sqlite3    SQLite: an online backup (a consistent snapshot taken while the site runs)
    database.dump       PostgreSQL: `pg_dump --format=custom`, one consistent snapshot
    media/              every media file, copied after the snapshot (files are stored before the
                        rows that name them are committed, so each file of the snapshot is there)
    secret_key          the generated secret of the data directory, when there is one

`restore` puts a backup into the configured database and media storage, which must be empty
unless `force` is given, and checks the restored row counts against the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST = "backup.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
MEDIA_DIR = "media"
SECRET_FILE = "secret_key"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the person at the terminal."""


@dataclass
class Summary:
    directory: Path
    engine: str
    counts: dict[str, int]
    media_files: int


Progress = Callable[[str], None]


def _engine() -> str:
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor}
        )
    return vendor


def _tables() -> list[str]:
    """The table of every concrete model, whichever app it belongs to."""
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(tables)


def row_counts(cursor=None) -> dict[str, int]:
    """Rows per table, read through `cursor` (a snapshot's) or the site's connection."""
    if cursor is None:
        with connections[DEFAULT_DB_ALIAS].cursor() as own:
            return row_counts(own)
    quote_name = connections[DEFAULT_DB_ALIAS].ops.quote_name
    counts = {}
    for table in _tables():
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _postgres_url() -> str:
    db = connections[DEFAULT_DB_ALIAS].settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def _run(argv: list[str], what: str) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(
            _("%(program)s is not installed; it is needed to %(what)s.")
            % {"program": argv[0], "what": what}
        ) from error
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(
            _("%(program)s failed: %(detail)s")
            % {"program": argv[0], "detail": detail[-1] if detail else result.returncode}
        )


def _media_files() -> Iterator[str]:
    """Every file name in the media storage, walking its directories."""
    pending = [""]
    while pending:
        directory = pending.pop()
        try:
            subdirectories, files = default_storage.listdir(directory)
        except FileNotFoundError:
            continue
        for name in files:
            yield f"{directory}/{name}" if directory else name
        pending.extend(f"{directory}/{sub}" if directory else sub for sub in subdirectories)


def _secret_path() -> Path:
    return Path(settings.DATA_DIR) / SECRET_FILE


def backup(directory: Path, progress: Progress = lambda line: None) -> Summary:
    """Write a backup of the running site into `directory`, which must not exist or be empty."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(
            _("%(directory)s is not empty; choose a new directory.") % {"directory": directory}
        )
    engine = _engine()
    directory.mkdir(parents=True, exist_ok=True)

    progress(_("Copying the database…"))
    connection = connections[DEFAULT_DB_ALIAS]
    if engine == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(directory / SQLITE_FILE)
        try:
            # The online backup API copies a consistent snapshot while other processes write.
            connection.connection.backup(target, pages=1024)
        finally:
            target.close()
        snapshot = sqlite3.connect(directory / SQLITE_FILE)
        try:
            counts = row_counts(snapshot.cursor())
        finally:
            snapshot.close()
    else:
        # pg_dump reads the snapshot this transaction exported, so the counts match the dump
        # exactly however much the site writes meanwhile.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            counts = row_counts(cursor)
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot_id}",
                    "--file",
                    str(directory / POSTGRES_FILE),
                    "--dbname",
                    _postgres_url(),
                ],
                _("back up the PostgreSQL database"),
            )

    progress(_("Copying the media files…"))
    media = directory / MEDIA_DIR
    copied = 0
    for name in _media_files():
        target_path = media / name
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with default_storage.open(name, "rb") as source, open(target_path, "wb") as out:
            shutil.copyfileobj(source, out, 1024 * 1024)
        copied += 1

    if _secret_path().is_file():
        shutil.copy2(_secret_path(), directory / SECRET_FILE)
        os.chmod(directory / SECRET_FILE, 0o600)

    manifest = {
        "format": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "counts": counts,
        "media_files": copied,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return Summary(directory, engine, counts, copied)


def read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(
            _("%(directory)s is not an Edicola backup (no backup.json).") % {"directory": directory}
        ) from error
    except ValueError as error:
        raise BackupError(
            _("backup.json in %(directory)s is damaged.") % {"directory": directory}
        ) from error
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            _("This backup was written by another version of Edicola (format %(format)s).")
            % {"format": manifest.get("format")}
        )
    return manifest


def _is_empty() -> bool:
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[DEFAULT_DB_ALIAS]
    if MigrationRecorder.Migration._meta.db_table not in connection.introspection.table_names():
        return True
    with connection.cursor() as cursor:
        for model in ("wagtailcore_page", "auth_user"):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(model)}")
            # Migrations create Wagtail's root and welcome pages; anything more is content.
            if cursor.fetchone()[0] > (2 if model == "wagtailcore_page" else 0):
                return False
    return True


def restore(
    directory: Path, *, force: bool = False, progress: Progress = lambda line: None
) -> Summary:
    """Restore `directory` into the configured database and media storage."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(
            _("This backup holds a %(backup)s database; the site is configured for %(site)s.")
            % {"backup": manifest["engine"], "site": engine}
        )
    if not force and not _is_empty():
        raise BackupError(
            _(
                "The site already holds content; restore into an empty site, "
                "or use --force to replace it."
            )
        )

    progress(_("Restoring the database…"))
    connection = connections[DEFAULT_DB_ALIAS]
    if engine == "sqlite":
        source = sqlite3.connect(directory / SQLITE_FILE)
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        connection.close()
    else:
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--clean",
                "--if-exists",
                "--single-transaction",
                "--dbname",
                _postgres_url(),
                str(directory / POSTGRES_FILE),
            ],
            _("restore the PostgreSQL database"),
        )

    progress(_("Restoring the media files…"))
    media = directory / MEDIA_DIR
    restored = 0
    if media.is_dir():
        for path in sorted(media.rglob("*")):
            if path.is_file():
                name = path.relative_to(media).as_posix()
                if default_storage.exists(name):
                    default_storage.delete(name)
                with open(path, "rb") as handle:
                    default_storage.save(name, File(handle))
                restored += 1

    if (directory / SECRET_FILE).is_file() and not _secret_path().exists():
        _secret_path().parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(directory / SECRET_FILE, _secret_path())

    counts = row_counts()
    expected = manifest.get("counts", {})
    different = {
        label: (expected[label], counts.get(label))
        for label in expected
        if counts.get(label) != expected[label]
    }
    if different:
        raise BackupError(
            _("The restored site does not match the backup: %(details)s")
            % {
                "details": ", ".join(
                    f"{label} {want} ≠ {got}" for label, (want, got) in different.items()
                )
            }
        )
    return Summary(directory, engine, counts, restored)
