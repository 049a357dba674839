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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from . import content as content_pass
from . import discussion, engagement, media, people, sitetree, terms
from . import report as notes
from .indexing import deferred_indexing
from .progress import Progress
from .records import SiteInfo, Source, SourceError
from .report import Report
from .run import (
    ImportFailed,
    Options,
    Run,
    source_key,
)
from .tasks import update_indexes


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
            sitetree.prepare_site(run)
            discussion.load_feedback_forms(run)
            terms.import_terms(run)
            media.import_attachments(run)
            people.import_authors(run)
            content_pass.import_items(run)
            discussion.import_comments(run)
            engagement.import_votes(run)
            engagement.import_subscriptions(run)
            discussion.import_closed_threads(run)
            discussion.recount(run)
            if options.dry_run:
                transaction.set_rollback(True)
            else:
                with run.progress.phase(_("Search index")) as step:
                    step(saved.enqueue(update_indexes))
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
