"""The newsroom's workflow in Wagtail's admin: Italian interface, drafts, revisions, preview,
site settings."""

import pytest
from django.contrib.auth import get_user_model

from edicola.core.models import SiteSettings

from .factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser("redazione", "r@example.org", "pw-12345-x")
    client.force_login(user)
    return client


def test_admin_speaks_italian(editor_client):
    make_site()
    html = editor_client.get("/admin/").content.decode()
    assert '<html lang="it"' in html
    assert "Pagine" in html and "Impostazioni" in html


def test_draft_changes_stay_private_until_published(client, editor_client):
    article = make_article(make_category(make_site()), "Titolo pubblicato")
    article.title = "Titolo in bozza"
    article.save_revision()
    public = client.get(article.url).content.decode()
    assert "Titolo pubblicato" in public and "Titolo in bozza" not in public
    edit = editor_client.get(f"/admin/pages/{article.pk}/edit/").content.decode()
    assert "Titolo in bozza" in edit and "Salva bozza" in edit
    revisions = editor_client.get(f"/admin/pages/{article.pk}/history/")
    assert revisions.status_code == 200
    assert article.revisions.count() == 2


def test_preview_renders_the_draft_with_the_article_template(editor_client):
    article = make_article(make_category(make_site()), "Titolo pubblicato")
    article.title = "Anteprima del titolo"
    response = article.make_preview_request()
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Anteprima del titolo</h1>" in html and 'class="author-box"' not in html


def test_site_settings_change_the_banner_on_every_page(client, editor_client):
    home = make_site()
    settings_row = SiteSettings.objects.get()
    settings_row.telegram_url = "https://t.me/nuovo_canale"
    settings_row.banner_text = "Offerte ogni giorno su {telegram}!"
    settings_row.save()
    html = client.get(home.url).content.decode()
    assert (
        'Offerte ogni giorno su <a href="https://t.me/nuovo_canale" rel="noopener">TELEGRAM</a>!'
        in html
    )
    assert "WHATSAPP" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["offerte", "commenti", "en", "feed"])
def test_a_category_cannot_take_a_path_the_site_already_uses(slug):
    from django.core.exceptions import ValidationError

    from edicola.news.models import CategoryPage

    home = make_site()
    category = CategoryPage(title="Sezione", slug=slug)
    with pytest.raises(ValidationError) as refused:
        home.add_child(instance=category)
    assert "slug" in refused.value.message_dict
    assert not CategoryPage.objects.filter(slug=slug).exists()
    assert make_category(home, "Promozioni").url.endswith("/promozioni/")
