"""`edicola seed_demo`: the demo site it builds, that running it again changes nothing, the admin
login it prints, and that its pages render.

The demo is built once per module (image generation is the slow part) inside a transaction that
is rolled back at the end, so other test modules never see it.
"""

import io
import stat
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page, Revision, Site

from edicola.core.models import SiteSettings
from edicola.news.demo import REFERENCE_ARTICLE_SLUG, images
from edicola.news.models import ArticlePage, AuthorIndexPage, AuthorPage, CategoryPage, HomePage

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMALL_PHOTO = (800, 600)


def run_seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--no-warm", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo site, seeded once for the module; yields the first run's output.

    Photos are drawn at 800×600 instead of 2000×1500 here: every rendition decodes the whole
    original, and the page tests would otherwise spend most of their time making renditions.
    The real size is checked on its own in test_photos_are_large_jpegs.
    """
    base = tmp_path_factory.mktemp("seed-demo")
    paths = {"DATA_DIR": base / "data", "MEDIA_ROOT": base / "media"}
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, **paths),
        transaction.atomic(),
    ):
        with mock.patch.object(images, "PHOTO_SIZE", SMALL_PHOTO):
            output = run_seed()
        yield {"output": output, **paths}
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _demo_files(demo, _test_settings, settings):
    """Point media and data at the module's directories, where the seeded files live."""
    settings.DATA_DIR = demo["DATA_DIR"]
    settings.MEDIA_ROOT = demo["MEDIA_ROOT"]


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "articles": ArticlePage.objects.published().count(),
        "categories": CategoryPage.objects.count(),
        "authors": AuthorPage.objects.count(),
        "homes": HomePage.objects.count(),
        "images": Image.objects.count(),
        "revisions": Revision.objects.count(),
        "sites": Site.objects.count(),
        "users": get_user_model().objects.count(),
    }


def reference_article() -> ArticlePage:
    return ArticlePage.objects.get(slug=REFERENCE_ARTICLE_SLUG)


@pytest.mark.django_db
def test_demo_site_has_the_promised_shape():
    home = HomePage.objects.get()
    site = Site.objects.get(is_default_site=True)
    assert site.root_page_id == home.pk
    assert not Page.objects.filter(depth=2).exclude(pk=home.pk).exists(), "welcome page left"
    categories = CategoryPage.objects.child_of(home).live()
    assert sorted(c.slug for c in categories) == ["mercato", "promozioni", "smartphone"]
    assert AuthorIndexPage.objects.child_of(home).get().slug == "autori"
    articles = list(ArticlePage.objects.published())
    assert len(articles) >= 12
    assert all(article.live and article.live_revision_id for article in articles)
    for category in categories:
        assert ArticlePage.objects.published().child_of(category).count() >= 3


@pytest.mark.django_db
def test_authors_have_bio_role_avatar_and_links():
    authors = list(AuthorPage.objects.live())
    assert len(authors) == 3
    for author in authors:
        assert author.bio and author.role and author.avatar
        assert (author.avatar.width, author.avatar.height) == (400, 400)
        assert len(author.social_links) >= 2
        assert ArticlePage.objects.published().filter(article_authors__author=author).exists()


@pytest.mark.django_db
def test_articles_are_complete_and_spread_over_ten_days():
    now = timezone.now()
    articles = list(ArticlePage.objects.published().with_listing_data())
    for article in articles:
        assert article.standfirst and article.authors and article.hero_image
        assert article.hero_image.description, "hero image needs alt text"
        assert 2 <= article.tags.count() <= 4
        paragraphs = [b for b in article.body if b.block_type == "paragraph"]
        assert 3 <= len(paragraphs) <= 8
        assert now - timedelta(days=10) <= article.date_published <= now
    assert sum(now - a.date_published < timedelta(hours=24) for a in articles) >= 3
    assert any(a.date_updated for a in articles)
    with articles[0].hero_image.open_file() as handle:
        assert PILImage.open(handle).format == "JPEG"


def test_photos_are_large_jpegs():
    picture = images.Picture("phone", "Lumio", (34, 64, 140), (214, 96, 52), "Un telefono")
    photo = PILImage.open(io.BytesIO(images.photo(picture)))
    assert (photo.format, photo.size) == ("JPEG", (2000, 1500))
    assert len(images.photo(picture)) < 300_000
    logo = PILImage.open(io.BytesIO(images.logo("Lumio Italia")))
    assert (logo.format, logo.size) == ("PNG", (480, 120))


@pytest.mark.django_db
def test_tags_are_shared_so_tag_pages_list_several_articles():
    shared = ArticlePage.objects.published().filter(tags__slug="offerte")
    assert shared.count() >= 3


@pytest.mark.django_db
def test_some_articles_use_embeds_and_related_links():
    articles = list(ArticlePage.objects.published())
    embeds = [b for a in articles for b in a.body if b.block_type == "embed"]
    related = [b for a in articles for b in a.body if b.block_type == "related"]
    assert embeds and all(b.value["url"].startswith("https://www.youtube.com/") for b in embeds)
    assert related and all(b.value["articles"] for b in related)
    linked = {page.slug for block in related for page in block.value["articles"]}
    assert REFERENCE_ARTICLE_SLUG in linked


@pytest.mark.django_db
def test_reference_article_follows_the_reference_page_anatomy():
    article = reference_article()
    assert any(mark in article.title for mark in ("«", "“"))
    kinds = [block.block_type for block in article.body]
    assert kinds[:3] == ["paragraph"] * 3
    assert kinds.index("quote") < kinds.index("image") < kinds.index("heading")
    assert kinds[-1] == "paragraph"
    quote = next(b.value for b in article.body if b.block_type == "quote")
    assert quote["quote"] and quote["attribution"]
    images = [b.value for b in article.body if b.block_type == "image"]
    assert len(images) == 2
    for image in images:
        assert len(image["caption"].split()) == 1
        assert len(image["alt"].split()) == 1
    heading = next(b.value for b in article.body if b.block_type == "heading")
    assert heading["level"] == "h2" and heading["text"] == heading["text"].upper()
    assert len(article.authors) >= 1


@pytest.mark.django_db
def test_site_settings_are_filled_with_logo_and_channels():
    site_settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    assert site_settings.site_name == "Lumio Italia"
    assert site_settings.tagline
    assert "{whatsapp}" in site_settings.banner_text and "{telegram}" in site_settings.banner_text
    assert site_settings.whatsapp_url.startswith("https://")
    assert site_settings.telegram_url.startswith("https://t.me/")
    assert site_settings.logo and site_settings.logo.file.name.endswith(".png")


@pytest.mark.django_db
def test_second_run_adds_nothing(demo):
    before = counts()
    output = run_seed()
    assert counts() == before
    assert "nothing to add" in output
    assert "Demo content created" in demo["output"]


@pytest.mark.django_db
def test_editor_changes_survive_a_second_run():
    article = reference_article()
    article.title = "Titolo scelto dalla redazione"
    article.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site_settings = SiteSettings.for_site(site)
    site_settings.tagline = "Il nostro motto"
    site_settings.save()

    run_seed()

    assert reference_article().title == "Titolo scelto dalla redazione"
    assert SiteSettings.for_site(site).tagline == "Il nostro motto"


@pytest.mark.django_db
def test_a_deleted_category_is_rebuilt_without_duplicating_the_rest():
    CategoryPage.objects.get(slug="promozioni").delete()
    with mock.patch.object(images, "PHOTO_SIZE", SMALL_PHOTO):
        run_seed()
    assert CategoryPage.objects.filter(slug="promozioni").count() == 1
    assert ArticlePage.objects.published().child_of(CategoryPage.objects.get(slug="promozioni"))
    assert CategoryPage.objects.count() == 3


@pytest.mark.django_db
def test_admin_password_is_stored_privately_and_printed(demo, monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("PORT", raising=False)
    password_file = demo["DATA_DIR"] / "admin-password.txt"
    password = password_file.read_text().strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert f"user: admin  password: {password}" in demo["output"]
    assert "http://127.0.0.1:8000/admin/" in demo["output"]
    assert password in run_seed(), "later runs show the same password"


@pytest.mark.django_db
def test_admin_password_is_never_reset_when_its_file_is_gone(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("BASE_URL", raising=False)
    settings.DATA_DIR = tmp_path / "elsewhere"
    admin = get_user_model().objects.get(username="admin")
    hashed = admin.password

    output = run_seed()

    admin.refresh_from_db()
    assert admin.password == hashed
    assert "http://127.0.0.1:8123/admin/" in output
    assert "password was left unchanged" in output


@pytest.mark.django_db
def test_home_reference_article_and_category_render(client):
    article = reference_article()
    for url in ("/", article.url, "/promozioni/", "/offerte/"):
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, url
    html = response.content.decode()
    assert "Lumio Italia" in html
    article_html = client.get(article.url, HTTP_HOST="localhost").content.decode()
    assert "<blockquote>" in article_html
    assert "QUANTO COSTA E QUANDO ARRIVA</h2>" in article_html
    assert article_html.count('class="block-image"') == 2
    assert "author-box" in article_html
