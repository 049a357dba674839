"""`edicola import_wordpress` as a user runs it: options, messages, the printed and saved
report; never a traceback."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from edicola.comments.models import Vote
from edicola.news.models import ArticlePage
from edicola.wordpress.management.commands import import_wordpress
from edicola.wordpress.records import SiteInfo, SourceError

from .import_site import BASE, FakeSource, build_site, write_uploads

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(tmp_path, monkeypatch):
    path = tmp_path / "lumio.xml"
    path.write_text("<rss/>")
    opened = {}

    def open_wxr(file):
        opened["wxr"] = file
        return opened.setdefault("source", build_site())

    monkeypatch.setattr(import_wordpress, "open_wxr", open_wxr)
    return path, opened


def command(*args) -> str:
    out = io.StringIO()
    call_command("import_wordpress", *args, stdout=out)
    return out.getvalue()


def test_import_prints_and_saves_the_report(export, tmp_path):
    path, opened = export
    report_path = tmp_path / "rapporto.json"
    uploads = write_uploads(tmp_path / "uploads")
    out = command("--wxr", str(path), "--uploads", str(uploads), "--report", str(report_path))
    assert opened["wxr"] == path
    assert ArticlePage.objects.count() == 9
    # Printed in the site's language (Italian); the JSON file keeps codes for scripts.
    assert "  articoli: creati 9" in out
    assert "[saltato] file multimediali ×" in out
    assert f"Rapporto salvato in {report_path}" in out
    data = json.loads(report_path.read_text())
    assert data["counts"]["post"]["created"] == 9
    assert any(note["id"] == "51" for note in data["notes"])


def test_default_report_goes_to_the_data_directory(export, settings):
    path, _opened = export
    out = command("--wxr", str(path), "--dry-run")
    saved = list((settings.DATA_DIR / "imports").glob("wordpress-*.json"))
    assert len(saved) == 1 and str(saved[0]) in out
    assert "Prova a vuoto: non è stato scritto nulla" in out and ArticlePage.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Indica un file di esportazione di WordPress"),
        (("--wxr", "/nessun/file.xml"), "non esiste"),
        (("--wxr", "{path}", "--uploads", "/nessuna/cartella"), "cartella degli upload"),
    ],
)
def test_bad_options_get_a_clear_message(export, args, message):
    path, _opened = export
    with pytest.raises(CommandError, match=message):
        command(*[arg.format(path=path) for arg in args])


def test_a_database_that_refuses_gets_a_clear_message(monkeypatch):
    def refuse(url, table_prefix):
        raise SourceError("Access denied for user 'wp'@'127.0.0.1': check the password.")

    monkeypatch.setattr(import_wordpress, "open_database", refuse)
    with pytest.raises(CommandError, match="check the password"):
        command("--database", "mysql://wp:sbagliata@127.0.0.1:3306/wp")


def test_a_truncated_source_stops_with_the_line_and_a_saved_report(export, tmp_path):
    path, opened = export
    opened["source"] = build_site()
    opened["source"].fail_items_after = 3
    report_path = tmp_path / "r.json"
    with pytest.raises(CommandError, match="line 812"):
        command("--wxr", str(path), "--report", str(report_path))
    assert json.loads(report_path.read_text())["aborted"]
    assert ArticlePage.objects.count() == 0


def test_wxr_for_content_and_database_for_wpdiscuz_tables(export, monkeypatch):
    path, opened = export
    site = build_site()
    votes_only = FakeSource(info=SiteInfo(base_url=BASE, timezone="Europe/Rome"))
    votes_only.vote_rows = site.vote_rows
    opened["source"] = site.copy()
    opened["source"].vote_rows = []
    monkeypatch.setattr(import_wordpress, "open_database", lambda url, table_prefix: votes_only)
    command("--wxr", str(path), "--database", "mysql://root@127.0.0.1/wp", "--table-prefix", "x_")
    assert ArticlePage.objects.count() == 9
    assert Vote.objects.count() == 4
