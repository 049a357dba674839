"""Posts, pages, media, authors, categories and tags: what comes over, in which state."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group, Permission
from taggit.models import Tag
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import PageViewRestriction

from edicola.news.models import ArticlePage, AuthorPage, CategoryPage, HomePage, StandardPage
from edicola.wordpress.importer import Options, run_import
from edicola.wordpress.models import ImportedObject, LegacyPath
from edicola.wordpress.progress import Progress
from edicola.wordpress.report import Report

from .import_site import FUTURE, build_site, write_uploads

pytestmark = pytest.mark.django_db


def run(source, tmp_path=None, **options) -> Report:
    if tmp_path is not None and "uploads" not in options:
        uploads = tmp_path / "uploads"
        options["uploads"] = uploads if uploads.exists() else write_uploads(uploads)
    report = Report(dry_run=options.get("dry_run", False))
    lines = []
    run_import(source, [source], Options(**options), report, Progress(lines.append))
    report.lines = lines
    return report


def article(source_id: str) -> ArticlePage:
    row = ImportedObject.objects.get(kind="post", source_id=source_id)
    return ArticlePage.objects.get(pk=row.object_id)


@pytest.fixture
def imported(tmp_path):
    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    source = build_site()
    return source, run(source, tmp_path), tmp_path


def test_posts_become_articles_in_their_primary_category(imported):
    _source, report, _tmp = imported
    first = article("10")
    category = first.get_parent().specific
    assert isinstance(category, CategoryPage) and category.slug == "telefoni"
    assert first.url_path.endswith("/telefoni/primo/")
    assert first.live and first.standfirst == "Il primo articolo importato."
    # Its other category became a tag, and the report says so.
    assert set(first.tags.values_list("name", flat=True)) == {"Prezzi", "Android"}
    notes = report.notes_of("repaired", "post")
    assert any("In più categorie" in note["reason"] for note in notes)
    assert [author.title for author in first.authors] == ["Giulia Neri"]


def test_categories_keep_their_nesting_as_parent_category(imported):
    android = CategoryPage.objects.get(slug="android")
    telefoni = CategoryPage.objects.get(slug="telefoni")
    assert android.parent_category == telefoni
    assert android.get_parent().specific_class is HomePage  # the tree stays flat
    assert telefoni.intro == "Tutto sui telefoni."
    assert list(telefoni.subcategories.all()) == [android]
    assert Tag.objects.filter(slug="prezzi", name="Prezzi").exists()


def test_statuses(imported):
    _source, report, _tmp = imported
    assert article("10").live
    scheduled = article("12")
    assert not scheduled.live and scheduled.go_live_at == FUTURE
    assert scheduled.get_latest_revision().approved_go_live_at == FUTURE
    assert not article("13").live and not article("14").live
    private = article("15")
    assert private.live
    restriction = PageViewRestriction.objects.get(page=private)
    assert restriction.restriction_type == PageViewRestriction.GROUPS
    groups = set(restriction.groups.values_list("name", flat=True))
    assert "Editors" in groups
    assert groups == set(
        Group.objects.filter(permissions__codename="access_admin").values_list("name", flat=True)
    )
    protected = PageViewRestriction.objects.get(page=article("16"))
    assert protected.restriction_type == PageViewRestriction.PASSWORD
    assert protected.password == "segreto"
    assert not ImportedObject.objects.filter(source_id__in=["17", "18", "19", "20"]).exists()
    assert report.count_of("post status", "trash") == 1
    assert report.count_of("post status", "auto-draft") == 1
    assert report.count_of("revision", "skipped") == 1
    assert report.count_of("nav_menu_item", "skipped") == 1


def test_private_and_password_articles_are_hidden_from_readers(imported, client):
    assert client.get(article("10").url).status_code == 200
    assert client.get(article("15").url).status_code in (302, 403)
    response = client.get(article("16").url)
    assert response.status_code == 200 and "segreto" not in response.content.decode()
    assert "Con password: il testo" not in response.content.decode()


def test_dates_come_from_gmt_and_local_fallback_uses_site_zone(imported):
    assert article("10").date_published == datetime(2024, 3, 11, 10, 0, tzinfo=UTC)
    # 23:30 in Rome on 5 March is 22:30 UTC: the same day in the site's time zone.
    assert article("13").date_published == datetime(2024, 3, 5, 22, 30, tzinfo=UTC)


def test_sticky_post_is_featured_and_leads_the_home_page(imported, client):
    assert article("11").is_featured and not article("10").is_featured
    home = HomePage.objects.get()
    response = client.get(home.url)
    assert [page.pk for page in response.context["lead"]] == [article("11").pk]


def test_media_from_uploads_with_metadata_and_missing_files_reported(imported):
    _source, report, _tmp = imported
    image = get_image_model().objects.get(title="Il telefono di fronte")
    assert image.description == "Un telefono nero su un tavolo"
    assert (image.width, image.height) == (64, 48)
    assert image.file.storage.exists(image.file.name)
    assert image.created_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    first = article("10")
    assert first.hero_image == image
    assert first.hero_caption == "Il nuovo modello visto di fronte."
    assert get_document_model().objects.filter(title="Listino prezzi").exists()
    skipped = {note["id"]: note for note in report.notes_of("skipped", "attachment")}
    assert "manca" in skipped["51"]["reason"]
    assert "non è dentro" in skipped["53"]["reason"]
    assert not get_image_model().objects.filter(title="Fuori strada").exists()


def test_image_credit_and_caption_reach_the_body_converter(imported, tmp_path, monkeypatch):
    from edicola.wordpress import bodies

    seen = {}

    def convert(content, context):
        seen["ref"] = context.resolve_image(
            "", "https://lumio.example/wp-content/uploads/2024/03/foto-telefono-300x200.jpg"
        )
        seen["attached"] = context.attached_image_ids()
        seen["link"] = context.rewrite_url("//www.lumio.example/2024/03/primo/?x=1#c")
        return bodies.BodyResult()

    source = build_site()
    source.item_rows[4].content = "<p>Cambiato.</p>"
    monkeypatch.setattr(bodies, "convert_body", convert)
    run(source, tmp_path)
    assert seen["ref"].alt == "Un telefono nero su un tavolo"
    assert seen["ref"].credit == "Foto Redazione"
    assert seen["ref"].caption == "Il nuovo modello visto di fronte."
    assert seen["attached"] == ["50"]
    assert seen["link"] == "/2024/03/primo/?x=1#c"


def test_no_uploads_directory_skips_files_with_a_reason(db):
    report = run(build_site())
    assert report.count_of("attachment", "skipped") == 4
    assert (
        "Non è stata indicata una cartella --uploads"
        in report.notes_of("skipped", "attachment")[0]["reason"]
    )
    assert ArticlePage.objects.count() == 9


def test_authors_with_bio_avatar_and_a_placeholder_for_a_deleted_one(imported):
    _source, report, _tmp = imported
    giulia = AuthorPage.objects.get(title="Giulia Neri")
    assert giulia.bio == "Scrive di telefoni e di reti mobili."
    assert giulia.avatar.title == "Il telefono di fronte"
    lost = article("21").authors[0]
    assert "cancellato" in lost.title
    assert any(note["id"] == "cancellato" for note in report.notes_of("degraded", "author"))
    # Readers who never wrote get no author page.
    assert not AuthorPage.objects.filter(title__icontains="Marta").exists()


def test_pages_keep_their_nesting_even_when_the_child_comes_first(imported):
    about = StandardPage.objects.get(slug="chi-siamo")
    contacts = StandardPage.objects.get(slug="contatti")
    assert about.get_parent().specific_class is HomePage
    assert contacts.get_parent().pk == about.pk
    assert contacts.live and contacts.body[0].block_type == "paragraph"


def test_closed_comments_close_the_discussion(imported):
    assert article("22").discussion.is_closed
    assert not article("10").discussion.is_closed


def test_old_addresses_are_remembered(imported):
    paths = set(LegacyPath.objects.values_list("path", flat=True))
    assert {"/2024/03/primo/", "/2024/03/vecchio/", "/chi-siamo/contatti/"} <= paths
    assert "/wp-content/uploads/2024/03/foto-telefono.jpg" in paths
    assert {"/category/telefoni/", "/category/telefoni/android/", "/tag/prezzi/"} <= paths
    assert "/author/giulia/" in paths


def test_source_repairs_are_in_the_report(imported):
    _source, report, _tmp = imported
    repairs = report.notes_of("repaired", "source")
    assert repairs[0]["id"] == "line 12" and "control character" in repairs[0]["reason"]
