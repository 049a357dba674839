"""`edicola backup` and `edicola restore` as an operator runs them: real processes, a site being
written to while the backup runs, a restore into a new data directory (SQLite) or a new
database (PostgreSQL), and the same articles, comments and media afterwards."""

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from .test_serve import _env, edicola, python_in_site

pytestmark = pytest.mark.serve

SEED = """
from edicola.news.tests.factories import make_article, make_category, make_image, make_site

home = make_site("Edicola Backup")
category = make_category(home, "Smartphone")
article = make_article(category, "Il telefono che si ricarica in dieci minuti", slug="ricarica")
article.hero_image = make_image("Foto della ricarica", size=(400, 300))
article.save_revision().publish()
"""

# Writes comments one by one while the backup runs; bounded, and it says when it has begun.
WRITER = """
import sys
from pathlib import Path
from edicola.comments.models import Comment, Discussion
from edicola.news.models import ArticlePage

article = ArticlePage.objects.get(slug="ricarica")
Discussion.objects.get_or_create(article=article)
for number in range(1, 401):
    Comment.objects.create(
        article=article, author_name=f"Lettore {number}", body=f"Commento numero {number}",
        body_html=f"<p>Commento numero {number}</p>", status="published",
    )
    if number == 25:
        Path(sys.argv[1]).touch()
"""

STATE = """
import json
from edicola.comments.models import Comment
from edicola.news.models import ArticlePage
from wagtail.images.models import Image
from django.core.files.storage import default_storage

article = ArticlePage.objects.get(slug="ricarica")
bodies = list(Comment.objects.values_list("body", flat=True))
image = Image.objects.get()
print(json.dumps({
    "article": article.title,
    "url": article.url,
    "hero": article.hero_image.title,
    "image_file": default_storage.exists(image.file.name),
    "comments": len(bodies),
    "intact": all(body.startswith("Commento numero ") for body in bodies),
}))
"""


def _writer(data_dir: Path, started: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import django, sys; django.setup(); exec(sys.stdin.read())",
            str(started),
        ],
        env=_env(data_dir, **env),
        stdin=subprocess.PIPE,
        text=True,
    )


def _back_up_while_writing(data_dir: Path, backup_dir: Path, tmp_path: Path, **env) -> dict:
    started = tmp_path / "writer-started"
    writer = _writer(data_dir, started, env)
    writer.stdin.write(WRITER)
    writer.stdin.close()
    deadline = time.monotonic() + 120
    while not started.exists():
        assert writer.poll() is None, "the writer stopped before writing"
        assert time.monotonic() < deadline, "the writer did not start"
        time.sleep(0.05)
    edicola(data_dir, "backup", str(backup_dir), **env)
    assert writer.wait(timeout=300) == 0
    return json.loads((backup_dir / "backup.json").read_text())


def _check_restored(state: dict, manifest: dict) -> None:
    assert state["article"] == "Il telefono che si ricarica in dieci minuti"
    assert state["url"].endswith("/smartphone/ricarica/")
    assert state["hero"] == "Foto della ricarica"
    assert state["image_file"] is True
    # The backup is one snapshot: exactly the comments it counted, taken mid-write.
    assert state["comments"] == manifest["counts"]["comments_comment"]
    assert 25 <= state["comments"] <= 400
    assert state["intact"] is True
    assert manifest["media_files"] >= 1


def test_sqlite_backup_under_write_load_restores_into_a_new_data_directory(tmp_path):
    source = tmp_path / "site"
    edicola(source, "migrate", "--no-input", "-v0", timeout=300)
    edicola(source, "shell", "--no-imports", "-c", SEED)
    (source / "secret_key").write_text("the-site-secret\n")

    manifest = _back_up_while_writing(source, tmp_path / "backup", tmp_path)
    assert manifest["engine"] == "sqlite"
    assert (tmp_path / "backup" / "database.sqlite3").is_file()

    restored = tmp_path / "restored"
    output = edicola(restored, "restore", str(tmp_path / "backup"))
    assert "Restored" in output or "Ripristinat" in output
    _check_restored(python_in_site(restored, STATE), manifest)
    assert (restored / "secret_key").read_text() == "the-site-secret\n"

    # A second restore over content is refused, and changes nothing.
    again = subprocess.run(
        [sys.executable, "-m", "edicola.cli", "restore", str(tmp_path / "backup")],
        env=_env(restored),
        capture_output=True,
        text=True,
    )
    assert again.returncode == 1
    assert "--force" in again.stderr
    assert "Traceback" not in again.stderr


def test_backup_refuses_a_non_empty_directory_and_restore_a_non_backup(tmp_path):
    # Both refusals come before the database is touched, so the site needs no migrated database.
    site = tmp_path / "site"
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("appunti")
    for argv, expected in [
        (["backup", str(full)], "not empty"),
        (["restore", str(tmp_path / "nowhere")], "backup.json"),
    ]:
        result = subprocess.run(
            [sys.executable, "-m", "edicola.cli", *argv],
            env=_env(site, LANGUAGE_CODE="en"),
            capture_output=True,
            text=True,
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert expected in result.stderr or "backup" in result.stderr.lower()
    assert (full / "notes.txt").read_text() == "appunti"
    assert sorted(path.name for path in full.iterdir()) == ["notes.txt"]


@pytest.mark.postgres
def test_postgres_backup_under_write_load_restores_into_a_new_database(tmp_path):
    server = settings.DATABASES["default"]
    base = f"postgres://{server.get('USER') or 'postgres'}@{server.get('HOST') or '127.0.0.1'}"
    base += f":{server.get('PORT') or 5432}"
    names = [f"edicola_backup_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("source", "restored")]
    admin = psycopg.connect(f"{base}/postgres", autocommit=True)
    try:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
        source_env = {"DATABASE_URL": f"{base}/{names[0]}"}
        restored_env = {"DATABASE_URL": f"{base}/{names[1]}"}
        source = tmp_path / "site"
        edicola(source, "migrate", "--no-input", "-v0", timeout=300, **source_env)
        edicola(source, "shell", "--no-imports", "-c", SEED, **source_env)

        manifest = _back_up_while_writing(source, tmp_path / "backup", tmp_path, **source_env)
        assert manifest["engine"] == "postgresql"

        restored = tmp_path / "restored"
        edicola(restored, "restore", str(tmp_path / "backup"), **restored_env)
        _check_restored(python_in_site(restored, STATE, **restored_env), manifest)
    finally:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
