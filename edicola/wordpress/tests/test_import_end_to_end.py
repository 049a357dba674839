"""`edicola import_wordpress` end to end, as a publisher runs it: the real command on a real
export file, a real MariaDB database loaded from a dump, or both, with a copy of the uploads.
Nothing is stubbed: what is checked is what a reader or an editor would find afterwards."""

import io
import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.translation import gettext
from wagtail.documents import get_document_model

from edicola.comments.models import Comment, Subscription, Vote
from edicola.news.models import ArticlePage, AuthorPage
from edicola.wordpress.models import ImportedObject

from . import mariadb
from .conftest import FIXTURES
from .import_site import write_uploads
from .test_import_behaviour import snapshot

pytestmark = pytest.mark.django_db

EXPORT = FIXTURES / "wxr-1.2.xml"  # the Lumio site of the file tests
DUMP = FIXTURES / "lumio.sql"  # another Lumio site, in its database
DUMP_EXPORT = FIXTURES / "lumio-db-export.xml"  # the export file of the site in DUMP


def command(*args, report: Path) -> tuple[str, dict]:
    """Runs the command as a user would; returns what it printed and the saved report."""
    out = io.StringIO()
    call_command("import_wordpress", *args, "--report", str(report), stdout=out)
    return out.getvalue(), json.loads(report.read_text(encoding="utf-8"))


def ours(kind: str, source_id: str):
    row = ImportedObject.objects.get(kind=kind, source_id=source_id)
    return row.target


def counts(report: dict, kind: str) -> dict:
    return report["counts"].get(kind, {})


@pytest.fixture
def export_uploads(tmp_path) -> Path:
    """The uploads copy of the file's site: the photo and the PDF its attachments name."""
    root = write_uploads(tmp_path / "uploads-file")
    folder = root / "2024" / "03"
    (folder / "foto-telefono.jpg").rename(folder / "lumio-x1.jpg")
    (folder / "listino.pdf").rename(folder / "scheda-lumio-x1.pdf")
    return root


@pytest.fixture
def dump_uploads(tmp_path) -> Path:
    """The uploads copy of the database's site (photo, avatar, PDF)."""
    source = write_uploads(tmp_path / "made")
    root = tmp_path / "uploads-db"
    (root / "2024" / "05").mkdir(parents=True)
    (root / "2023" / "11").mkdir(parents=True)
    photo = source / "2024" / "03" / "foto-telefono.jpg"
    shutil.copy(photo, root / "2024" / "05" / "lumio-x.jpg")
    shutil.copy(photo, root / "2023" / "11" / "marco.png")
    shutil.copy(source / "2024" / "03" / "listino.pdf", root / "2024" / "05" / "scheda-tecnica.pdf")
    return root


def follow(client: Client, path: str):
    response = client.get(path)
    assert response.status_code == 301, path
    return response["Location"], client.get(response["Location"])


def test_an_export_file_alone(tmp_path, export_uploads):
    out, report = command(
        "--wxr", str(EXPORT), "--uploads", str(export_uploads), report=tmp_path / "r.json"
    )
    review = ours("post", "101")
    assert review.live and review.title == "Lumio X1 & X1 Pro: la prova completa"
    assert review.hero_image == ours("attachment", "201")
    assert get_document_model().objects.get() == ours("attachment", "202")
    reply = ours("comment", "1002")
    assert reply.parent == ours("comment", "1001") and reply.article_id == review.pk
    assert counts(report, "post")["created"] == 6 and str(tmp_path / "r.json") in out
    # The thread wpDiscuz closed (comment meta wpdiscuz_closed on 1001) is closed here.
    assert all(ours("comment", c).thread_closed for c in ("1001", "1002", "1003", "1004"))
    assert not ours("comment", "1009").thread_closed
    # A WXR file has no password hashes: the readers' new accounts have none yet, reported.
    assert set(counts(report, "user password")) == {"none"}
    assert not ours("user", "2").has_usable_password()
    # The old address of the review and its old slug answer with the new one.
    client = Client()
    for old in ("/2024/03/12/lumio-x1-prova/", "/2024/03/12/lumio-x1-anteprima/", "/?p=101"):
        location, page = follow(client, old)
        assert location == review.url and page.status_code == 200
        assert "la prova completa" in page.content.decode()
    assert gettext("Thread closed to replies") in page.content.decode()


@pytest.mark.mariadb
def test_a_database_alone(tmp_path, wordpress_db, dump_uploads):
    url = wordpress_db(DUMP)
    _out, report = command(
        "--database", url, "--uploads", str(dump_uploads), report=tmp_path / "r.json"
    )
    review = ours("post", "10")
    assert review.live and review.title == "Lumio X, la prova: due giorni di batteria"
    assert review.hero_image == ours("attachment", "30")
    marco = AuthorPage.objects.get(title="Marco Ferri")
    assert marco.avatar == ours("attachment", "31") and review.authors == [marco]
    # wpDiscuz's own tables, which only the database has: votes, subscriptions with state.
    assert Vote.objects.count() == 4
    liked = ours("comment", "100")
    assert (liked.upvotes, liked.downvotes) == (2, 0)
    # Luca's two (all comments, replies to one comment) are one subscription here, confirmed.
    assert counts(report, "subscription") == {"created": 4}
    assert Subscription.objects.count() == 3
    assert Subscription.objects.filter(confirmed_at__isnull=False).count() == 2
    assert counts(report, "vote") == {"created": 4}
    # Closed threads: 107 by its comment meta, 109 by the karma of wpDiscuz before 7.
    assert ours("comment", "107").thread_closed and ours("comment", "109").thread_closed
    assert not ours("comment", "100").thread_closed
    location, page = follow(Client(), "/?p=10")
    assert location == review.url and page.status_code == 200


def both_sources(url: str, uploads: Path) -> tuple[str, ...]:
    """The export file of the site in DUMP, its database (loaded at `url`) and its uploads."""
    return ("--wxr", str(DUMP_EXPORT), "--database", url, "--uploads", str(uploads))


@pytest.mark.mariadb
def test_an_export_file_and_its_database_together(tmp_path, wordpress_db, dump_uploads):
    url = wordpress_db(DUMP)
    _out, report = command(*both_sources(url, dump_uploads), report=tmp_path / "r.json")
    # Content comes from the file (its title differs from the database's on purpose; the
    # database's drafts and pages, absent from the file, do not come over) ...
    assert ours("post", "10").title == "Lumio X, la prova: due giorni di batteria (dal file)"
    assert ArticlePage.objects.count() == 2
    # ... and wpDiscuz's tables from the database, attached to the file's comments.
    liked = ours("comment", "100")
    assert liked.article_id == ours("post", "15").pk
    assert (liked.upvotes, liked.downvotes) == (2, 0)
    assert Vote.objects.count() == 4 and Subscription.objects.count() == 3
    assert counts(report, "comment")["created"] == 6


@pytest.mark.mariadb
def test_a_dry_run_writes_nothing(tmp_path, wordpress_db, dump_uploads, settings):
    url = wordpress_db(DUMP)
    before = snapshot()
    out, report = command(*both_sources(url, dump_uploads), "--dry-run", report=tmp_path / "r.json")
    assert snapshot() == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    # What would happen is reported all the same.
    assert report["dry_run"] and counts(report, "post")["created"] == 2
    assert counts(report, "vote")["created"] == 4
    assert report_first_line(dry_run=True) in out.splitlines()


def report_first_line(*, dry_run: bool) -> str:
    from edicola.wordpress.report import Report

    report = Report(dry_run=dry_run)
    try:
        return report.summary_lines()[0]
    finally:
        report.close()


@pytest.mark.mariadb
def test_running_it_again_adds_nothing(tmp_path, wordpress_db, dump_uploads):
    url = wordpress_db(DUMP)
    args = ("--database", url, "--uploads", str(dump_uploads))
    command(*args, report=tmp_path / "first.json")
    before = snapshot()
    _out, again = command(*args, report=tmp_path / "second.json")
    assert snapshot() == before
    for kind in ("post", "page", "attachment", "comment", "vote", "subscription", "author"):
        assert set(counts(again, kind)) <= {"unchanged", "skipped", "placeholder"}, kind


@pytest.mark.mariadb
def test_a_later_database_updates_what_changed_there(tmp_path, wordpress_db, dump_uploads):
    url = wordpress_db(DUMP)
    args = ("--database", url, "--uploads", str(dump_uploads))
    command(*args, report=tmp_path / "first.json")
    mariadb.execute(
        url.rsplit("/", 1)[1],
        "UPDATE wp_posts SET post_title = 'Lumio X, la prova aggiornata' WHERE ID = 10",
        "UPDATE wp_comments SET comment_approved = '1' WHERE comment_ID = 103",
    )
    _out, later = command(*args, report=tmp_path / "later.json")
    assert ours("post", "10").title == "Lumio X, la prova aggiornata"
    assert ours("comment", "103").status == Comment.Status.APPROVED
    assert counts(later, "post") == {"updated": 1, "unchanged": 6}


def later_export(tmp_path: Path) -> Path:
    """The same site exported again: the review retitled in WordPress, and so the post an
    editor here retitled too."""
    text = EXPORT.read_text(encoding="utf-8")
    text = text.replace(
        "Lumio X1 & X1 Pro: la prova completa]]", "Lumio X1 & X1 Pro: la prova definitiva]]", 1
    )
    text = text.replace("Lumio Mini: solo per gli abbonati", "Lumio Mini, per gli abbonati")
    path = tmp_path / "later.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_later_export_updates_it_and_keeps_an_editors_change(tmp_path, export_uploads):
    args = ("--uploads", str(export_uploads))
    command("--wxr", str(EXPORT), *args, report=tmp_path / "first.json")
    edited = ours("post", "105")
    edited.title = "Lumio Mini: il titolo della redazione"
    edited.save_revision().publish()
    before = snapshot()

    _out, later = command("--wxr", str(later_export(tmp_path)), *args, report=tmp_path / "2.json")
    assert ours("post", "101").title == "Lumio X1 & X1 Pro: la prova definitiva"
    assert ours("post", "105").title == "Lumio Mini: il titolo della redazione"
    kept = [note for note in later["notes"] if note["action"] == "kept"]
    assert [(note["kind"], note["id"]) for note in kept] == [("post", "105")]
    assert snapshot()["Page"] == before["Page"]

    command(
        "--wxr",
        str(later_export(tmp_path)),
        *args,
        "--overwrite",
        report=tmp_path / "3.json",
    )
    assert ours("post", "105").title == "Lumio Mini, per gli abbonati"
