"""Comments and feedback answers of WordPress + wpDiscuz → our discussion (votes and
subscriptions: engagement.py; comment HTML → Markdown: commentmarkdown.py).

Comments keep their thread at any depth: a reply deeper than COMMENTS["MAX_DEPTH"] is attached
to its deepest allowed ancestor (as a reader's reply would be); a reply whose parent is missing,
skipped or on another post goes to the nearest surviving ancestor or to the top level. All of
it is reported. approved → published, pending → awaiting review, spam → spam, trash → removed.
Pingbacks and trackbacks are skipped unless asked for. Comment HTML becomes our Markdown subset
and is rendered by our own sanitiser (comments.markup), so hostile markup is inert. Only the
network of an address is kept (comments.services.ip_network).

Nothing here goes through the reader-facing services: no moderation policy, no rate limit, no
notification, no confirmation mail. An import never mails anyone. Counters (a discussion's
published comments and last comment, a comment's votes) are recounted from the rows at the end.
"""

from __future__ import annotations

import hashlib

from django.db import DatabaseError, models, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from edicola.comments import markup
from edicola.comments.conf import conf
from edicola.comments.models import Comment, Discussion
from edicola.comments.services import ip_network
from edicola.passages.models import PassageAnchor

from . import people
from . import report as notes
from .commentmarkdown import comment_markdown
from .models import ImportedObject
from .records import Comment as SourceComment
from .run import Decision, Kind, RecordSkipped, Run, batched, compact_id, fingerprint

BATCH = 500
COMMENT_VALUES = (
    "pk",
    "depth",
    "thread_id",
    "article_id",
    "parent_id",
    "status",
    "is_pinned",
    "body",
)
STATUSES = {
    "1": Comment.Status.APPROVED,
    "approve": Comment.Status.APPROVED,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
COMMENT_TYPES = {"", "comment", "wpdiscuz_sticky"}
LINKBACK_TYPES = {"pingback", "trackback"}


# -- Feedback forms --------------------------------------------------------------------------------


def load_feedback_forms(run: Run) -> None:
    """wpDiscuz's inline feedback forms (few per site), needed by the body converter."""
    for source in run.extras:
        for form in source.feedback_forms():
            run.feedback_forms[compact_id(form.source_id)] = form


# -- Comments --------------------------------------------------------------------------------------


def import_comments(run: Run) -> None:
    deferred: set = set()
    with run.progress.phase(_("Comments"), run.comment_total or None) as step:
        for batch in batched(run.content.comments(), BATCH):
            _batch(run, batch, deferred, first=True)
            step(len(batch))
        # Replies met before their parent: one more pass per level of such nesting.
        while deferred:
            before = len(deferred)
            waiting = (c for c in run.content.comments() if compact_id(c.source_id) in deferred)
            for batch in batched(waiting, BATCH):
                for comment in batch:
                    deferred.discard(compact_id(comment.source_id))
                _batch(run, batch, deferred, first=False, last=False)
            if len(deferred) >= before:  # parents that point at each other
                waiting = (c for c in run.content.comments() if compact_id(c.source_id) in deferred)
                for batch in batched(waiting, BATCH):
                    _batch(run, batch, set(), first=False, last=True)
                break


def _batch(run: Run, batch: list[SourceComment], deferred: set, *, first: bool, last=False):
    rows = run.imported_many(Kind.COMMENT, (c.source_id for c in batch))
    ours = {
        values["pk"]: values
        for values in Comment.objects.filter(
            pk__in=[int(row.object_id) for row in rows.values() if row.object_id.isdigit()]
        ).values(
            "pk", "depth", "thread_id", "article_id", "parent_id", "status", "is_pinned", "body"
        )
    }
    created = _Created(run)
    with transaction.atomic():
        for comment in batch:
            row = rows.get(str(comment.source_id))
            existing = ours.get(int(row.object_id)) if row and row.object_id.isdigit() else None
            if existing is not None or row is not None:
                created.flush()  # an update may hang under a comment not yet written
            run.each(
                Kind.COMMENT,
                comment.source_id,
                lambda c=comment, row=row, existing=existing: _comment(
                    run, c, row, existing, deferred, created, first=first, last=last
                ),
            )
        created.flush()


class _Pending:
    """A new comment of the batch, not written yet: where its map entry points until then."""

    __slots__ = ("comment", "source", "source_fp", "parent", "key", "row", "info")

    def __init__(self, comment, source, source_fp, parent, key, row):
        self.comment, self.source, self.source_fp = comment, source, source_fp
        self.parent, self.key, self.row, self.info = parent, key, row, None


def _pk(value):
    return value.comment.pk if isinstance(value, _Pending) else value


class _Created:
    """New comments of a batch, written together: one INSERT per depth level (a reply after
    its parent), then their threads, ImportedObject rows and feedback answers."""

    def __init__(self, run: Run):
        self.run = run
        self.pending: list[_Pending] = []

    def add(self, pending: _Pending) -> None:
        self.pending.append(pending)

    def flush(self) -> None:
        if not self.pending:
            return
        pending, self.pending = self.pending, []
        levels: dict[int, list[_Pending]] = {}
        for each in pending:
            levels.setdefault(each.comment.depth, []).append(each)
        written: list[_Pending] = []
        for depth in sorted(levels):
            level = []
            for each in levels[depth]:
                ours = each.comment
                ours.parent_id, ours.thread_id = _pk(ours.parent_id), _pk(ours.thread_id)
                if ours.depth and ours.parent_id is None:  # its parent could not be written
                    self._lost(each, _("Its parent could not be written."))
                    continue
                level.append(each)
            written += self._write(level)
        top_level = [each.comment.pk for each in written if each.comment.thread_id is None]
        if top_level:
            Comment.objects.filter(pk__in=top_level).update(thread_id=F("pk"))
        rows = []
        for each in written:
            ours = each.comment
            if ours.thread_id is None:
                ours.thread_id = ours.pk
            local_fp = _local(_values(ours))
            if each.row is not None:  # ours was deleted here and is made again (--overwrite)
                self.run.keep(
                    Kind.COMMENT,
                    each.source.source_id,
                    ours,
                    source_fp=each.source_fp,
                    local_fp=local_fp,
                    row=each.row,
                )
            else:
                row = self.run.new_imported(Kind.COMMENT, each.source.source_id, ours)
                row.source_fingerprint, row.local_fingerprint = each.source_fp, local_fp
                rows.append(row)
            self.run.comments[each.key] = (
                ours.pk,
                ours.depth,
                ours.thread_id,
                ours.article_id,
                ours.parent_id,
            )
        ImportedObject.objects.bulk_create(rows)
        for each in written:
            _answer(self.run, each.source, each.comment, each.parent)

    def _write(self, level: list[_Pending]) -> list[_Pending]:
        """INSERT a level at once; if that fails, one by one, each failure reported."""
        try:
            with transaction.atomic():
                Comment.objects.bulk_create([each.comment for each in level])
            return level
        except DatabaseError:
            for each in level:
                each.comment.pk = None
        written = []
        for each in level:
            try:
                with transaction.atomic():
                    models.Model.save(each.comment)
                written.append(each)
            except DatabaseError as error:
                each.comment.pk = None
                self._lost(each, error)
        return written

    def _lost(self, each: _Pending, error) -> None:
        self.run.comments.pop(each.key, None)
        state = Decision.CREATE if each.row is None else Decision.UPDATE
        self.run.report.count(Kind.COMMENT, state, -1)
        self.run.report.count("comment status", each.comment.status, -1)
        self.run._failed(Kind.COMMENT, each.source.source_id, _error(error))


def _error(error):
    return error if isinstance(error, Exception) else DatabaseError(str(error))


def _local(values: dict | None) -> str | None:
    if values is None:
        return None
    text = f"{values['status']}|{values['is_pinned']}|{values['body']}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _skip(run: Run, comment: SourceComment, reason: str, detail: str = ""):
    run.skipped_comments[compact_id(comment.source_id)] = compact_id(comment.parent_id)
    raise RecordSkipped(reason, detail)


def _parent(run: Run, comment: SourceComment, article_pk: int, deferred: set, first, last):
    """(parent's map entry or None, repair reason or "") — or "defer"."""
    wanted = compact_id(comment.parent_id)
    current, reason, hops = wanted, "", 0
    while current and current != 0 and hops < 1000:
        hops += 1
        if current in run.comments:
            info = run.comments[current]
            if info[3] != article_pk:
                return None, _("Its parent is on another post: made a top-level comment.")
            return info, reason
        if current in run.skipped_comments:
            current = run.skipped_comments[current]
            reason = _("Its parent was not imported: attached to the nearest surviving ancestor.")
            continue
        if first or (current in deferred and not last):
            return "defer", ""
        return None, _("Its parent is missing from the source: made a top-level comment.")
    if wanted and wanted != 0 and not reason:
        reason = _("Its parent is missing from the source: made a top-level comment.")
    return None, reason


def _comment(run, comment: SourceComment, row, existing, deferred, created, *, first, last):
    key = compact_id(comment.source_id)
    kind = (comment.type or "").strip()
    if kind in LINKBACK_TYPES and not run.options.pingbacks:
        _skip(run, comment, _("Pingbacks and trackbacks are skipped (use --pingbacks to keep)."))
    if kind not in COMMENT_TYPES | LINKBACK_TYPES:
        _skip(run, comment, _("Comments of this type are not imported."), kind)
    article_pk = run.articles.get(compact_id(comment.post_id))
    if article_pk is None:
        _skip(
            run,
            comment,
            _("Its post was not imported (a page, an attachment, a skipped post): not imported."),
            f"post {comment.post_id}",
        )
    status = STATUSES.get(str(comment.approved).strip().lower())
    if status is None:
        _skip(run, comment, _("Unknown comment status."), str(comment.approved))

    # Whether linkbacks are kept changes where replies to them go.
    source_fp = fingerprint(comment, run.options.pingbacks)
    decision = run.decide(row, source_fp, lambda: _local(existing))
    if decision in (Decision.UNCHANGED, Decision.KEPT):
        if existing is not None:
            run.comments[key] = (
                existing["pk"],
                existing["depth"],
                existing["thread_id"],
                existing["article_id"],
                existing["parent_id"],
            )
        return run.kept(Kind.COMMENT, comment.source_id) if decision == Decision.KEPT else decision

    parent, reason = _parent(run, comment, article_pk, deferred, first, last)
    if parent == "defer":
        deferred.add(key)
        return None
    if reason:
        run.report.note(notes.REPAIRED, Kind.COMMENT, comment.source_id, reason)
    parent = _within_depth(run, comment, parent)

    body = comment_markdown(comment.content)
    user_pk = people.account_for(run, comment.user_id, comment.author_email, comment.author_name)
    name = people._plain(comment.author_name, 80) or _("Anonymous")
    fields = {
        "article_id": article_pk,
        "parent_id": parent[0] if parent else None,
        "thread_id": parent[2] if parent else None,
        "depth": parent[1] + 1 if parent else 0,
        "user_id": user_pk,
        "author_name": name,
        "author_email": people.clean_email(comment.author_email),
        "author_url": people.clean_url(comment.author_url),
        "body": body,
        "body_html": markup.render(body),
        "status": status,
        "is_pinned": kind == "wpdiscuz_sticky" and parent is None,
        "ip_network": ip_network(comment.author_ip),
        "reader_id": f"u:{user_pk}" if user_pk else "",
        "created_at": run.when(comment.date) or timezone.now(),
    }
    if existing is None:
        # Written with the rest of the batch (_Created.flush): until then its map entry points
        # at the pending comment, so that replies in the same batch can hang under it.
        ours = Comment(**fields)
        pending = _Pending(ours, comment, source_fp, parent, key, row)
        created.add(pending)
        thread = fields["thread_id"] if parent else pending
        pending.info = (pending, ours.depth, thread, article_pk, fields["parent_id"])
        run.comments[key] = pending.info
        if kind == "wpdiscuz_sticky" and parent is not None:
            run.report.note(
                notes.DEGRADED,
                Kind.COMMENT,
                comment.source_id,
                _("A sticky reply: only top-level comments can be pinned here."),
            )
        run.touched_articles.add(article_pk)
        run.report.count("comment status", status)
        return decision
    else:
        ours = Comment.objects.get(pk=existing["pk"])
        for name_, value in fields.items():
            setattr(ours, name_, value)
        if ours.thread_id is None:
            ours.thread_id = ours.pk
        ours.save()
    if kind == "wpdiscuz_sticky" and parent is not None:
        run.report.note(
            notes.DEGRADED,
            Kind.COMMENT,
            comment.source_id,
            _("A sticky reply: only top-level comments can be pinned here."),
        )
    _answer(run, comment, ours, parent)
    if row is None:
        row = run.new_imported(Kind.COMMENT, comment.source_id, ours)
        row.source_fingerprint, row.local_fingerprint = source_fp, _local(_values(ours))
        row.save()
    else:
        run.keep(
            Kind.COMMENT,
            comment.source_id,
            ours,
            source_fp=source_fp,
            local_fp=_local(_values(ours)),
            row=row,
        )
    run.comments[key] = (ours.pk, ours.depth, ours.thread_id, article_pk, ours.parent_id)
    run.touched_articles.add(article_pk)
    run.report.count("comment status", status)
    return decision


def _values(comment: Comment) -> dict:
    return {"status": comment.status, "is_pinned": comment.is_pinned, "body": comment.body}


def _within_depth(run: Run, comment: SourceComment, parent):
    """The parent a reply gets here: its own, or the deepest ancestor our depth limit allows."""
    max_depth = max(1, conf("MAX_DEPTH"))
    moved = False
    while parent is not None and parent[1] + 1 >= max_depth:
        moved = True
        up = parent[4]
        if up is None:
            parent = None
            break
        if isinstance(up, _Pending):  # not written yet: its entry is at hand
            parent = up.info
            continue
        values = (
            Comment.objects.filter(pk=up)
            .values_list("pk", "depth", "thread_id", "article_id", "parent_id")
            .first()
        )
        parent = tuple(values) if values else None
    if moved:
        run.report.note(
            notes.REPAIRED,
            Kind.COMMENT,
            comment.source_id,
            _("Deeper than replies go here: attached to the deepest allowed ancestor."),
            f"max depth {max_depth}",
        )
    return parent


def _answer(run: Run, comment: SourceComment, ours: Comment, parent) -> None:
    """An answer to a wpDiscuz feedback form → an answer to our "question for readers"."""
    form_id = comment.meta_value("wpdiscuz_feedback_form_id")
    if not form_id or form_id == "0":
        return
    form = run.feedback_forms.get(compact_id(form_id))
    questions = run.questions.get(compact_id(comment.post_id), {})
    question = questions.get(form.unique_id) if form else None
    if question is None or parent is not None or not question[0]:
        run.report.note(
            notes.DEGRADED,
            Kind.COMMENT,
            comment.source_id,
            _("An answer to an inline question that is not in the article: kept as a comment."),
            f"form {form_id}",
        )
        return
    question_id, passage = question
    passage = (passage or "")[:1000]
    PassageAnchor.objects.update_or_create(
        comment=ours,
        defaults={
            "article_id": ours.article_id,
            "kind": PassageAnchor.Kind.QUESTION,
            "question_id": question_id[:40],
            "quote": passage,
            "exact": passage,
        },
    )
    run.report.count("feedback answer", "linked")


# -- Closed threads, counters ----------------------------------------------------------------------


def import_closed_threads(run: Run) -> None:
    """wpDiscuz closes a thread from its top comment (and marks every reply): here the whole
    thread is closed to replies, whichever of its comments the source names."""
    threads: set[int] = set()
    for source in run.extras:
        for comment_id in source.closed_comment_ids():
            info = run.comments.get(compact_id(comment_id))
            if info is None:
                run.report.count("closed thread", "skipped")
                run.report.note(
                    notes.SKIPPED,
                    Kind.COMMENT,
                    comment_id,
                    _("A closed thread whose comment was not imported."),
                )
                continue
            thread = _pk(info[2]) or _pk(info[0])
            if thread in threads:
                continue
            threads.add(thread)
            Comment.objects.filter(thread_id=thread).update(thread_closed=True)
            run.report.count("closed thread", "closed")
            run.touched_articles.add(info[3])


def recount(run: Run) -> None:
    """Every touched discussion's published count and last comment, from the rows."""
    for chunk in batched(sorted(run.touched_articles), BATCH):
        Discussion.objects.bulk_create(
            [Discussion(article_id=pk) for pk in chunk], ignore_conflicts=True
        )
        stats = {
            row["article_id"]: row
            for row in Comment.objects.filter(article_id__in=chunk, status=Comment.Status.APPROVED)
            .values("article_id")
            .annotate(n=Count("pk"), last=Max("created_at"))
        }
        with transaction.atomic():
            for pk in chunk:
                found = stats.get(pk, {})
                Discussion.objects.filter(pk=pk).update(
                    comment_count=found.get("n", 0),
                    last_comment_at=found.get("last"),
                    version=F("version") + 1,
                )
    run.touched_articles.clear()
