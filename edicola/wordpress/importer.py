"""The WordPress import, start to end: which source gives what, the order of the passes, one
transaction per record, idempotent upserts keyed by ImportedObject, and the dry run.

Passes (each streams its source; only id maps are kept, as compact dicts):
  1. site info; feedback forms (few); categories and tags; attachments → images and documents;
     authors → author pages (readers become accounts when a comment, vote or subscription needs
     them);
  2. posts → articles, pages → pages (a page whose parent page comes later is deferred);
  3. comments (a reply whose parent comes later is deferred), votes, subscriptions, wpDiscuz's
     closed threads; then every discussion's counters are recounted once.

With a WXR file and a database together, content (authors, terms, items, comments) is read
from the WXR file and wpDiscuz's own tables (votes, subscriptions, feedback forms, closed
threads) from the database; the database fills what the file lacks in the site info.

Re-running: a record whose source fingerprint did not change is left alone; one that changed in
WordPress is updated, unless an editor changed our row since the last import (its local
fingerprint differs): then it is kept and reported, unless `overwrite`.

No mail is ever sent and no page cache is retired per record: the receivers of Wagtail's
publish signals are held during the import, and the cache is retired once at the end. Wagtail's
search and reference indexes are brought up to date by a few tasks enqueued at the end, each
object once (edicola.wordpress.indexing), not by tasks enqueued on every save.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import report as notes
from .indexing import deferred_indexing
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


def site_timezone(site: SiteInfo):
    if site.timezone:
        try:
            return ZoneInfo(site.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if site.gmt_offset is not None:
        from datetime import timezone as dt_timezone

        return dt_timezone(timedelta(hours=float(site.gmt_offset)))
    return ZoneInfo(settings.TIME_ZONE)


def merged_site(sources: list[Source]) -> SiteInfo:
    """The first source's site info, its blanks filled from the others."""
    infos = [source.site() for source in sources]
    site = dataclasses.replace(infos[0])
    for other in infos[1:]:
        for name in (each.name for each in dataclasses.fields(SiteInfo)):
            if not getattr(site, name) and getattr(other, name):
                setattr(site, name, getattr(other, name))
    return site


@contextmanager
def quiet_signals():
    """Hold the receivers that would retire the page cache or re-anchor passages on every
    page saved or published; the import retires the cache once at the end (not on a dry run)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page, Site
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from edicola.core import signals as core_signals
    from edicola.passages import signals as passages_signals

    retire, retire_on_change = (
        core_signals.retire_cached_pages,
        (core_signals.retire_cached_pages_on_change),
    )
    held = [
        (page_published, retire, None, None),
        (page_unpublished, retire, None, None),
        (post_page_move, retire, None, None),
        (post_save, retire_on_change, Site, None),
        (post_delete, retire_on_change, Page, None),
        (page_published, passages_signals.reanchor_on_publish, None, "passages-reanchor"),
    ]
    for signal, receiver, sender, uid in held:
        signal.disconnect(receiver=receiver, sender=sender, dispatch_uid=uid)
    try:
        yield
    finally:
        for signal, receiver, sender, uid in held:
            signal.connect(receiver, sender=sender, dispatch_uid=uid)


def run_import(
    content: Source, extras: list[Source], options: Options, report: Report, progress: Progress
) -> Report:
    """Import everything `content` and `extras` hold; returns the report (also on failure)."""
    from . import content as content_pass
    from . import discussion, media, people

    run = Run(content=content, extras=extras, options=options, report=report, progress=progress)
    try:
        run.site = merged_site([content, *[s for s in extras if s is not content]])
    except SourceError as error:
        raise ImportFailed(str(error)) from None
    run.key = source_key(run.site.base_url)
    if not run.key:
        raise ImportFailed(_("The source does not say which site it comes from (no base URL)."))
    run.tz = site_timezone(run.site)
    report.source = {
        "site": run.key,
        "title": run.site.title,
        "wxr_version": run.site.wxr_version,
        "timezone": run.site.timezone or str(run.tz),
    }
    try:
        survey(run)
        with (
            transaction.atomic() if options.dry_run else _nothing(),
            quiet_signals(),
            deferred_indexing() as saved,
        ):
            content_pass.prepare_site(run)
            discussion.load_feedback_forms(run)
            content_pass.import_terms(run)
            media.import_attachments(run)
            people.import_authors(run)
            content_pass.import_items(run)
            discussion.import_comments(run)
            discussion.import_votes(run)
            discussion.import_subscriptions(run)
            discussion.import_closed_threads(run)
            discussion.recount(run)
            if options.dry_run:
                transaction.set_rollback(True)
            else:
                with run.progress.phase(_("Search index")) as step:
                    step(saved.enqueue())
    except SourceError as error:
        report.aborted = str(error)
        raise ImportFailed(str(error)) from None
    finally:
        for source in {id(source): source for source in [content, *extras]}.values():
            for repair in list(getattr(source, "repairs", []) or []):
                report.note(
                    notes.REPAIRED if repair.repaired else notes.DEGRADED,
                    "source",
                    repair.where,
                    repair.problem,
                )
            if hasattr(source, "repairs"):
                source.repairs.clear()
    if not options.dry_run:
        from edicola.core import pagecache

        pagecache.invalidate_all()
    return report


def survey(run: Run) -> None:
    """Read the whole source once before writing anything: a source that cannot be read to
    its end is refused with nothing imported, and the passes know their totals (time left)."""
    with run.progress.phase(_("Reading the source")) as step:
        for _item in run.content.items():
            run.item_total += 1
            step()
        for _comment in run.content.comments():
            run.comment_total += 1
            step()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def batched(iterable: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in iterable:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
