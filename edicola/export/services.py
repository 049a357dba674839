"""Writing the whole site to a directory: the JSON Lines files of `kinds`, the media
originals, `site.json`, `wordpress.xml` (WXR 1.2, see `wxr`) and, last, `manifest.json`.

An export without `manifest.json` is incomplete (it is written only once everything else is).
Everything is read in chunks and written as it is read, so memory stays flat whatever the size
of the site. The directory must be empty, or hold an earlier export and `force` be given.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Site

from . import kinds, wxr
from .kinds import KINDS

FORMAT = "edicola-site-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_DIR = "media"
WXR_FILE = "wordpress.xml"


class ExportError(Exception):
    """The export cannot be written; str(error) is the translated message for the user."""


@dataclass
class ExportResult:
    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    missing_files: list[str] = field(default_factory=list)
    wxr_counts: dict[str, int] = field(default_factory=dict)


def _encoder() -> json.JSONEncoder:
    return DjangoJSONEncoder(ensure_ascii=False, separators=(",", ":"))


def prepare_directory(directory: Path, *, force: bool) -> None:
    """Refuse a directory that holds anything but an earlier export (unless `force`), and
    clear an earlier export's media folder so no stale file survives."""
    if directory.exists() and not directory.is_dir():
        raise ExportError(_("%(path)s exists and is not a directory.") % {"path": directory})
    if directory.exists() and any(directory.iterdir()):
        if not force:
            raise ExportError(
                _(
                    "%(path)s is not empty. Choose an empty directory, or add --force to "
                    "write over an earlier export there."
                )
                % {"path": directory}
            )
        if not (directory / MANIFEST).exists() and not (directory / WXR_FILE).exists():
            raise ExportError(
                _(
                    "%(path)s is not empty and does not hold an earlier export; "
                    "nothing was written. Choose an empty directory."
                )
                % {"path": directory}
            )
        (directory / MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(directory / MEDIA_DIR, ignore_errors=True)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / MEDIA_DIR).mkdir(exist_ok=True)
    except OSError as error:
        raise ExportError(
            _("Cannot create %(path)s: %(error)s") % {"path": directory, "error": error.strerror}
        ) from error


def copy_original(name: str, media_root: Path) -> tuple[int, str] | None:
    """Copy one stored file (any storage backend) under media/; (size, sha256) or None."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        return None
    target = media_root.joinpath(*relative.parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        with default_storage.open(name, "rb") as source, open(target, "wb") as out:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (OSError, FileNotFoundError):
        target.unlink(missing_ok=True)
        return None
    return size, digest.hexdigest()


def site_values() -> dict:
    from edicola.core.models import SiteSettings

    sites = []
    for site in Site.objects.order_by("pk"):
        values = SiteSettings.objects.filter(site=site).values().first() or {}
        values.pop("id", None)
        values.pop("site_id", None)
        sites.append(
            {
                "id": site.pk,
                "hostname": site.hostname,
                "port": site.port,
                "site_name": site.site_name,
                "root_page_id": site.root_page_id,
                "is_default_site": site.is_default_site,
                "settings": values,
            }
        )
    return {
        "base_url": settings.BASE_URL,
        "language_code": settings.LANGUAGE_CODE,
        "languages": [code for code, _name in settings.LANGUAGES],
        "time_zone": settings.TIME_ZONE,
        "sites": sites,
    }


def export_site(
    directory: Path,
    *,
    force: bool = False,
    with_wxr: bool = True,
    with_html: bool = True,
    progress: Callable[[str, int], None] = lambda kind, count: None,
) -> ExportResult:
    """Write everything the site holds under `directory` (see the README, "Leaving Edicola");
    `with_html=False` leaves out the rendered HTML of bodies (much faster on large sites)."""
    token = kinds.RENDER_HTML.set(with_html)
    try:
        return _write(Path(directory), force=force, with_wxr=with_wxr, progress=progress)
    finally:
        kinds.RENDER_HTML.reset(token)


def _write(directory: Path, *, force: bool, with_wxr: bool, progress) -> ExportResult:
    with_html = kinds.RENDER_HTML.get()
    prepare_directory(directory, force=force)
    encoder = _encoder()
    result = ExportResult(directory=directory)
    media_root = directory / MEDIA_DIR
    started = timezone.now()

    files = {}
    for kind in KINDS:
        path = directory / f"{kind.name}.jsonl"
        count = 0
        with open(path, "w", encoding="utf-8") as out:
            for row in kind.rows():
                if kind.name == "media":
                    copied = copy_original(row["file"], media_root)
                    if copied is None:
                        result.missing_files.append(row["file"])
                        row["size"], row["sha256"], row["missing"] = None, None, True
                    else:
                        row["size"], row["sha256"] = copied
                    row["file"] = f"{MEDIA_DIR}/{row['file']}"
                out.write(encoder.encode(row))
                out.write("\n")
                count += 1
                if count % 1000 == 0:
                    progress(kind.name, count)
        progress(kind.name, count)
        result.counts[kind.name] = count
        files[kind.name] = {
            "file": path.name,
            "count": count,
            "description": kind.description,
        }

    (directory / "site.json").write_text(
        json.dumps(site_values(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    if with_wxr:
        result.wxr_counts = wxr.write_wxr(directory / WXR_FILE)
        progress("wordpress.xml", sum(result.wxr_counts.values()))

    from importlib.metadata import PackageNotFoundError, version

    try:
        edicola_version = version("edicola")
    except PackageNotFoundError:
        edicola_version = ""
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "edicola_version": edicola_version,
        "started_at": started,
        "finished_at": timezone.now(),
        "base_url": settings.BASE_URL,
        "site": "site.json",
        "media_dir": MEDIA_DIR,
        "missing_media_files": result.missing_files,
        "rendered_html": with_html,
        "files": files,
        "wordpress": {"file": WXR_FILE, "wxr_version": wxr.WXR_VERSION, **result.wxr_counts}
        if with_wxr
        else None,
    }
    (directory / MANIFEST).write_text(
        json.dumps(manifest, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    return result
