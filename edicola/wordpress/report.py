"""The import report: counts per kind and state, and every skip, repair, degradation or failure
with its reason. Notes are spooled to a temporary file as they come, so a site with a million
notes keeps memory flat; the JSON file and the printed summary are written from that spool."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# What happened to a source record (a note's action).
SKIPPED = "skipped"
REPAIRED = "repaired"
DEGRADED = "degraded"
FAILED = "failed"
KEPT = "kept"  # changed here by an editor: the import left it alone

EXAMPLES_PRINTED = 5

# What the printed summary calls the kinds, states and actions the JSON file keeps as codes.
KIND_LABELS = {
    "post": gettext_lazy("articles"),
    "page": gettext_lazy("pages"),
    "attachment": gettext_lazy("media files"),
    "author": gettext_lazy("authors"),
    "category": gettext_lazy("categories"),
    "tag": gettext_lazy("tags"),
    "term": gettext_lazy("other terms"),
    "comment": gettext_lazy("comments"),
    "vote": gettext_lazy("votes"),
    "subscription": gettext_lazy("subscriptions"),
    "feedback": gettext_lazy("questions for readers"),
    "feedback answer": gettext_lazy("answers to questions"),
    "user": gettext_lazy("reader accounts"),
    "user password": gettext_lazy("passwords of new reader accounts"),
    "closed thread": gettext_lazy("closed threads"),
    "post status": gettext_lazy("articles by WordPress status"),
    "page status": gettext_lazy("pages by WordPress status"),
    "comment status": gettext_lazy("comments by state here"),
    "subscription state": gettext_lazy("subscriptions by state"),
    "revision": gettext_lazy("revisions"),
    "nav_menu_item": gettext_lazy("menu items"),
    "source": gettext_lazy("source"),
    "item": gettext_lazy("other items"),
}
STATE_LABELS = {
    "created": pgettext_lazy("import state", "created"),
    "updated": pgettext_lazy("import state", "updated"),
    "unchanged": pgettext_lazy("import state", "unchanged"),
    "kept": pgettext_lazy("import state", "kept as edited here"),
    "skipped": pgettext_lazy("import state", "skipped"),
    "failed": pgettext_lazy("import state", "failed"),
    "placeholder": pgettext_lazy("import state", "placeholders"),
    "matched": pgettext_lazy("import state", "matched to an existing account"),
    "degraded": pgettext_lazy("import state", "simplified"),
    "closed": pgettext_lazy("import state", "closed"),
    "linked": pgettext_lazy("import state", "linked"),
    "approved": pgettext_lazy("import state", "published"),
    "pending": pgettext_lazy("import state", "awaiting review"),
    "removed": pgettext_lazy("import state", "removed"),
    "spam": pgettext_lazy("import state", "spam"),
    "confirmed": pgettext_lazy("import state", "confirmed"),
    "unconfirmed": pgettext_lazy("import state", "not confirmed"),
    "publish": pgettext_lazy("import state", "published"),
    "draft": pgettext_lazy("import state", "draft"),
    "future": pgettext_lazy("import state", "scheduled"),
    "private": pgettext_lazy("import state", "private"),
    "password": pgettext_lazy("import state", "password-protected"),
    "trash": pgettext_lazy("import state", "trashed"),
    "auto-draft": pgettext_lazy("import state", "automatic draft"),
    "inherit": pgettext_lazy("import state", "attached"),
    "unknown": pgettext_lazy("import state", "unknown"),
    "from wordpress": pgettext_lazy("import state", "the WordPress one, still valid"),
    "none": pgettext_lazy("import state", "none yet"),
}
ACTION_LABELS = {
    SKIPPED: pgettext_lazy("import note", "skipped"),
    REPAIRED: pgettext_lazy("import note", "repaired"),
    DEGRADED: pgettext_lazy("import note", "simplified"),
    FAILED: pgettext_lazy("import note", "failed"),
    KEPT: pgettext_lazy("import note", "kept"),
}


def label(labels: dict, code: str) -> str:
    """The translated name of a code; an unknown code (a plugin's post type) as it is."""
    return str(labels.get(code, code))


class Report:
    def __init__(self, *, dry_run: bool = False):
        self.dry_run = dry_run
        self.counts: Counter[tuple[str, str]] = Counter()  # (kind, state) → n
        self.reasons: Counter[tuple[str, str, str]] = Counter()  # (action, kind, reason) → n
        self.examples: dict[tuple[str, str, str], list[str]] = {}
        self.source: dict = {}
        self.aborted = ""
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8")

    def count(self, kind: str, state: str, n: int = 1) -> None:
        self.counts[(kind, state)] += n

    def note(self, action: str, kind: str, source_id: str, reason: str, detail: str = "") -> None:
        """One line of the report; `reason` is a translated sentence shared by similar cases,
        `detail` what is particular to this record."""
        key = (action, kind, str(reason))
        self.reasons[key] += 1
        where = f"{kind} {source_id}".strip()
        examples = self.examples.setdefault(key, [])
        if len(examples) < EXAMPLES_PRINTED:
            examples.append(f"{where}: {detail}" if detail else where)
        line = {"action": action, "kind": kind, "id": str(source_id), "reason": str(reason)}
        if detail:
            line["detail"] = str(detail)[:500]
        self._spool.write(json.dumps(line, ensure_ascii=False) + "\n")

    def notes(self):
        """Every note, in the order they were made (streamed back from the spool)."""
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            yield json.loads(line)
        self._spool.seek(0, 2)

    def count_of(self, kind: str, state: str) -> int:
        return self.counts.get((kind, state), 0)

    def notes_of(self, action: str | None = None, kind: str | None = None) -> list[dict]:
        return [
            note
            for note in self.notes()
            if (action is None or note["action"] == action)
            and (kind is None or note["kind"] == kind)
        ]

    # -- Output ------------------------------------------------------------------------------

    def summary_lines(self) -> list[str]:
        lines = []
        if self.dry_run:
            lines.append(_("Dry run: nothing was written. This is what the import would do."))
        if self.aborted:
            lines.append(_("Import stopped: %(reason)s") % {"reason": self.aborted})
        lines.append(_("Imported records, per kind and state:"))
        kinds: dict[str, list[str]] = {}
        for (kind, state), n in sorted(self.counts.items()):
            kinds.setdefault(kind, []).append(f"{label(STATE_LABELS, state)} {n}")
        for kind, states in kinds.items():
            lines.append(f"  {label(KIND_LABELS, kind)}: " + ", ".join(states))
        if self.reasons:
            lines.append(_("Skipped, repaired, degraded or failed, with the reason:"))
            for (action, kind, reason), n in sorted(self.reasons.items()):
                what = f"[{label(ACTION_LABELS, action)}] {label(KIND_LABELS, kind)}"
                lines.append(f"  {what} ×{n}: {reason}")
                for example in self.examples[(action, kind, reason)]:
                    lines.append(f"      {example}")
        return lines

    def write_json(self, path: Path) -> None:
        """The whole report as one JSON document, notes streamed from the spool."""
        path.parent.mkdir(parents=True, exist_ok=True)
        counts: dict[str, dict[str, int]] = {}
        for (kind, state), n in sorted(self.counts.items()):
            counts.setdefault(kind, {})[state] = n
        head = {
            "dry_run": self.dry_run,
            "aborted": self.aborted,
            "source": self.source,
            "counts": counts,
            "reasons": [
                {"action": action, "kind": kind, "reason": reason, "count": n}
                for (action, kind, reason), n in sorted(self.reasons.items())
            ],
        }
        with path.open("w", encoding="utf-8") as out:
            text = json.dumps(head, ensure_ascii=False, indent=1)
            out.write(text[: text.rindex("}")].rstrip() + ',\n "notes": [\n')
            for number, note in enumerate(self.notes()):
                out.write(("," if number else "") + json.dumps(note, ensure_ascii=False) + "\n")
            out.write("]}\n")

    def close(self) -> None:
        self._spool.close()
