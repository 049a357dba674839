"""What every pass of the WordPress import shares: the options, the run's state and id maps,
the per-record upsert keyed by ImportedObject (created, updated, unchanged or kept), source
fingerprints and compact ids. The passes (content, media, people, discussion) build on it and
edicola.wordpress.importer puts them in order.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import report as notes
from .models import ImportedObject
from .progress import Progress
from .records import SiteInfo, Source, SourceError
from .report import Report

log = logging.getLogger(__name__)

# Bumped when the importer maps a record differently: every record then counts as changed.
MAPPING_VERSION = "1"
Kind = ImportedObject.Kind


@dataclass
class Options:
    dry_run: bool = False
    overwrite: bool = False
    pingbacks: bool = False
    uploads: Path | None = None


class ImportFailed(Exception):
    """The import cannot go on (a source is unreadable); str() is the translated reason."""


def source_key(base_url: str) -> str:
    """SiteInfo.base_url normalised: scheme and host in lower case, no path, no trailing slash."""
    parts = urlsplit((base_url or "").strip())
    if not parts.scheme or not parts.netloc:
        return (base_url or "").strip().rstrip("/").lower()
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def fingerprint(record, *also) -> str:
    """sha256 of a source record (and of the options its mapping depends on)."""
    data = dataclasses.asdict(record) if dataclasses.is_dataclass(record) else record
    text = json.dumps(
        [MAPPING_VERSION, data, *also], sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compact_id(value: str):
    """Source ids as ints when they are numbers (half the memory in the id maps)."""
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else value


class Decision:
    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"
    KEPT = "kept"


@dataclass
class Run:
    """Everything one import knows while it runs: options, report, the id maps."""

    content: Source
    extras: list[Source]
    options: Options
    report: Report
    progress: Progress
    site: SiteInfo = None
    key: str = ""
    tz: object = None
    home: object = None
    author_index: object = None
    # id maps: source id → our pk (and the little more later passes need)
    categories: dict = field(default_factory=dict)  # term id → category page pk
    category_slugs: dict = field(default_factory=dict)  # slug → term id
    category_paths: dict = field(default_factory=dict)  # term id → "parent/child"
    tags: dict = field(default_factory=dict)  # slug → taggit Tag pk
    images: dict = field(default_factory=dict)  # attachment id → (image pk, alt, caption, credit)
    documents: dict = field(default_factory=dict)  # attachment id → document pk
    upload_paths: dict = field(default_factory=dict)  # "2024/03/foto.jpg" → attachment id
    attached: dict = field(default_factory=dict)  # post id → [(menu order, attachment id)]
    authors: dict = field(default_factory=dict)  # user id → author page pk
    author_logins: dict = field(default_factory=dict)  # login → author page pk
    people: dict = field(default_factory=dict)  # user id → (email, first, last, display name)
    accounts: dict = field(default_factory=dict)  # user id → User pk
    item_total: int = 0  # items in the source, counted by the survey
    comment_total: int = 0
    page_ids: set = field(default_factory=set)  # ids of every page in the source
    pages: dict = field(default_factory=dict)  # page id → StandardPage pk
    page_parents: dict = field(default_factory=dict)  # page id → parent page id
    articles: dict = field(default_factory=dict)  # post id → ArticlePage pk
    comments: dict = field(default_factory=dict)  # comment id → (pk, depth, thread, article)
    skipped_comments: dict = field(default_factory=dict)  # comment id → parent id
    feedback_forms: dict = field(default_factory=dict)  # form row id → FeedbackForm
    questions: dict = field(default_factory=dict)  # post id → {unique id: (question id, passage)}
    voted_comments: set = field(default_factory=set)
    touched_articles: set = field(default_factory=set)  # discussions to recount
    _content_types: dict = field(default_factory=dict)
    _prefetched: dict = field(default_factory=dict)  # (kind, source id) → row or None
    category_pages: dict = field(default_factory=dict)  # category page pk → CategoryPage
    tag_objects: dict = field(default_factory=dict)  # taggit Tag pk → Tag
    root_collection_id: int | None = None
    last_child_paths: dict = field(default_factory=dict)  # parent pk → path, within a batch

    # -- Dates -------------------------------------------------------------------------------

    def when(self, utc: datetime | None, local: datetime | None = None) -> datetime | None:
        """An aware datetime: the GMT value, else the local value read in the site's zone."""
        if utc is not None:
            return utc if timezone.is_aware(utc) else utc.replace(tzinfo=UTC)
        if local is not None:
            if timezone.is_aware(local):
                return local
            return local.replace(tzinfo=self.tz)
        return None

    # -- Imported objects ---------------------------------------------------------------------

    def content_type(self, model) -> ContentType:
        if model not in self._content_types:
            self._content_types[model] = ContentType.objects.get_for_model(
                model, for_concrete_model=False
            )
        return self._content_types[model]

    def imported(self, kind: str, source_id) -> ImportedObject | None:
        key = (kind, str(source_id))
        if key in self._prefetched:  # read once: a second look (a repeated id) asks again
            return self._prefetched.pop(key)
        return ImportedObject.objects.filter(
            source=self.key, kind=kind, source_id=str(source_id)
        ).first()

    def prefetch(self, kind: str, source_ids: Iterable) -> None:
        """Read the ImportedObject rows of a batch of records at once (for `imported`)."""
        ids = {str(value) for value in source_ids}
        found = self.imported_many(kind, ids)
        self._prefetched.update({(kind, value): found.get(value) for value in ids})

    def forget_prefetched(self) -> None:
        self._prefetched.clear()

    def imported_many(self, kind: str, source_ids: Iterable) -> dict[str, ImportedObject]:
        ids = [str(value) for value in source_ids]
        rows = ImportedObject.objects.filter(source=self.key, kind=kind, source_id__in=ids)
        return {row.source_id: row for row in rows}

    def keep(
        self,
        kind: str,
        source_id,
        target,
        *,
        source_fp: str,
        local_fp: str = "",
        legacy_key: str = "",
        row: ImportedObject | None = None,
    ) -> ImportedObject:
        """Create or update the ImportedObject row of `target`."""
        now = timezone.now()
        row = row or self.new_imported(kind, source_id, target)
        row.content_type = self.content_type(type(target))
        row.object_id = str(target.pk)
        row.source_fingerprint = source_fp
        row.local_fingerprint = local_fp
        row.legacy_key = (legacy_key or row.legacy_key)[:100]
        row.updated_at = now
        row.save()
        return row

    def new_imported(self, kind: str, source_id, target) -> ImportedObject:
        """An unsaved row for `target` (callers that batch their inserts save it later)."""
        return ImportedObject(
            source=self.key,
            kind=kind,
            source_id=str(source_id),
            content_type=self.content_type(type(target)),
            object_id=str(target.pk),
        )

    def decide(self, row: ImportedObject | None, source_fp: str, local_fp) -> str:
        """What to do with a record: `local_fp` is a callable giving our row's fingerprint now
        (None when our row is gone)."""
        if row is None:
            return Decision.CREATE
        current = local_fp()
        if current is None:  # deleted here by an editor
            return Decision.UPDATE if self.options.overwrite else Decision.KEPT
        changed_here = row.local_fingerprint and current != row.local_fingerprint
        if row.source_fingerprint == source_fp and not changed_here:
            return Decision.UNCHANGED
        if changed_here and not self.options.overwrite:
            return Decision.KEPT
        return Decision.UPDATE

    # -- One record ----------------------------------------------------------------------------

    def each(self, kind: str, source_id, work: Callable[[], str | None]) -> str | None:
        """Run `work` for one record in its own transaction; a failure is reported, rolled back
        and the import goes on. `work` returns the state to count (or None: counted by it)."""
        try:
            with transaction.atomic():
                state = work()
        except RecordSkipped as skipped:
            self.report.count(kind, "skipped")
            self.report.note(notes.SKIPPED, kind, source_id, skipped.reason, skipped.detail)
            return "skipped"
        except (DatabaseError, ValueError, TypeError, KeyError, LookupError, OSError) as error:
            self._failed(kind, source_id, error)
            return "failed"
        except Exception as error:  # noqa: BLE001 - one bad record must not stop the import
            if isinstance(error, (SourceError, KeyboardInterrupt)):
                raise
            self._failed(kind, source_id, error)
            return "failed"
        if state:
            self.report.count(kind, state)
        return state

    def _failed(self, kind: str, source_id, error: Exception) -> None:
        log.debug("import of %s %s failed", kind, source_id, exc_info=True)
        detail = getattr(error, "messages", None) or [str(error)]
        self.report.count(kind, "failed")
        self.report.note(
            notes.FAILED,
            kind,
            source_id,
            _("Could not be imported; the rest of the import went on."),
            f"{type(error).__name__}: {'; '.join(map(str, detail))}"[:400],
        )

    def kept(self, kind: str, source_id) -> str:
        self.report.note(
            notes.KEPT,
            kind,
            source_id,
            _("Changed here since the last import: kept as it is (use --overwrite to replace)."),
        )
        return Decision.KEPT

    def old_url(self, path: str) -> str:
        return f"{self.site.base_url.rstrip('/')}/{path.lstrip('/')}"


class RecordSkipped(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def batched(iterable: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
