"""How the import behaves: idempotent, updates what changed in WordPress, keeps what an editor
changed here, writes nothing on a dry run, reports failures and goes on, refuses an unreadable
source with nothing imported, mails no one and retires the page cache once."""

import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision

from edicola.comments.models import Comment, Subscription, Vote
from edicola.comments.moderation import moderate
from edicola.wordpress import bodies
from edicola.wordpress.importer import ImportFailed, Options, run_import
from edicola.wordpress.models import ImportedObject, LegacyPath
from edicola.wordpress.progress import Progress
from edicola.wordpress.report import Report

from .import_site import build_site, comment, post
from .test_import_content import article, run
from .test_import_discussion import ours

pytestmark = pytest.mark.django_db

MODELS = [
    Page,
    Revision,
    Comment,
    Vote,
    Subscription,
    ImportedObject,
    LegacyPath,
    Tag,
    get_user_model(),
]


def snapshot():
    rows = {model.__name__: model.objects.count() for model in MODELS}
    rows["images"] = get_image_model().objects.count()
    rows["documents"] = get_document_model().objects.count()
    return rows


def test_running_again_changes_nothing(tmp_path):
    run(build_site(), tmp_path)
    before = snapshot()
    again = run(build_site(), tmp_path)
    assert snapshot() == before
    states = {state for (kind, state) in again.counts if kind in ("post", "comment", "page")}
    assert states <= {"unchanged", "skipped"}


def test_a_later_export_adds_new_and_updates_changed_items(tmp_path):
    run(build_site(), tmp_path)
    later = build_site()
    later.item_rows[4].title = "Primo, aggiornato"
    later.item_rows.append(post("23", "Nuovo arrivo"))
    later.comment_rows.append(comment("119", parent="100"))
    report = run(later, tmp_path)
    assert article("10").title == "Primo, aggiornato"
    assert article("23").live
    assert ours("119").parent == ours("100")
    assert report.count_of("post", "updated") == 1 and report.count_of("post", "created") == 1
    assert report.count_of("comment", "created") == 1
    assert report.count_of("post", "unchanged") == 8
    first = article("10")
    first.discussion.refresh_from_db()
    assert (
        first.discussion.comment_count
        == Comment.objects.filter(article=first, status=Comment.Status.APPROVED).count()
    )


def test_editor_changes_are_kept_unless_overwrite(tmp_path):
    run(build_site(), tmp_path)
    edited = article("10")
    edited.title = "Titolo della redazione"
    edited.save_revision().publish()
    moderate([ours("105")], "approve", actor=None)
    later = build_site()
    later.item_rows[4].title = "Primo, aggiornato"
    later.comment_rows[5].content = "Testo cambiato in WordPress."
    report = run(later, tmp_path)
    assert article("10").title == "Titolo della redazione"
    assert ours("105").status == Comment.Status.APPROVED
    kept = {(note["kind"], note["id"]) for note in report.notes_of("kept")}
    assert {("post", "10"), ("comment", "105")} <= kept
    run(later, tmp_path, overwrite=True)
    assert article("10").title == "Primo, aggiornato"
    assert ours("105").status == Comment.Status.PENDING
    assert ours("105").body == "Testo cambiato in WordPress."


def test_dry_run_writes_nothing_and_reports_what_would_happen(tmp_path, settings):
    before = snapshot()
    report = run(build_site(), tmp_path, dry_run=True)
    assert snapshot() == before
    assert report.count_of("post", "created") == 9
    assert report.count_of("comment", "created") > 10
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    assert not (Path(settings.DATA_DIR) / "pagecache.stamp").exists()
    assert "Prova a vuoto" in report.summary_lines()[0]


def test_a_failing_item_is_reported_and_the_rest_goes_on(tmp_path, monkeypatch):
    stub = bodies.convert_body

    def convert(content, context):
        if context.post_id == "11":
            raise ValueError("un blocco illeggibile")
        return stub(content, context)

    monkeypatch.setattr(bodies, "convert_body", convert)
    report = run(build_site(), tmp_path)
    failed = report.notes_of("failed", "post")
    assert [note["id"] for note in failed] == ["11"]
    assert "un blocco illeggibile" in failed[0]["detail"]
    assert not Page.objects.filter(title="In evidenza").exists()
    assert article("10").live and report.count_of("post", "created") == 8
    # Its comment has nowhere to go: skipped with the reason, not a crash.
    assert any(note["id"] == "200" for note in report.notes_of("skipped", "comment"))


def test_an_unreadable_source_is_refused_with_nothing_imported(tmp_path):
    source = build_site()
    source.fail_items_after = 6
    before = snapshot()
    report = Report()
    with pytest.raises(ImportFailed, match="line 812"):
        run_import(source, [source], Options(), report, Progress(lambda line: None))
    assert snapshot() == before
    assert "line 812" in report.aborted


def test_no_mail_no_signal_storm_and_one_cache_retirement(tmp_path, monkeypatch, mailoutbox):
    from edicola.core import pagecache
    from edicola.passages import services as passages

    calls = {"invalidate": 0, "reanchor": 0}

    def count(name):
        def counter(*args, **kwargs):
            calls[name] += 1

        return counter

    monkeypatch.setattr(pagecache, "invalidate_all", count("invalidate"))
    monkeypatch.setattr(passages, "reanchor_article", count("reanchor"))
    run(build_site(), tmp_path)
    assert calls == {"invalidate": 1, "reanchor": 0}
    assert mailoutbox == []
    # The receivers are back once the import is over.
    edited = article("10")
    edited.save_revision().publish()
    assert calls["reanchor"] == 1


def test_plain_progress_lines_with_counts_and_time_left():
    clock = iter(range(0, 1000, 4))
    lines = []
    progress = Progress(lines.append, terminal=False, interval=10, clock=lambda: next(clock))
    with progress.phase("Articoli", total=10) as step:
        for _number in range(10):
            step()
    assert lines[-1].startswith("Articoli: 10 di 10 (100%)")
    assert any("mancano" in line and "di 10" in line for line in lines[:-1])


def test_rich_progress_bar_on_a_terminal():
    out = io.StringIO()
    progress = Progress(print, terminal=True, console_file=out)
    with progress.phase("Commenti", total=3) as step:
        for _number in range(3):
            step()
    assert "Commenti" in out.getvalue() and "3/3" in out.getvalue()


def test_report_json_has_counts_and_every_note(tmp_path):
    import json

    report = run(build_site(), tmp_path)
    path = tmp_path / "rapporto" / "import.json"
    report.write_json(path)
    data = json.loads(path.read_text())
    assert data["counts"]["post"]["created"] == 9
    assert data["source"]["site"] == "https://lumio.example"
    assert len(data["notes"]) == sum(row["count"] for row in data["reasons"])
    assert {"action", "kind", "id", "reason"} <= set(data["notes"][0])
