"""The page cache and the deals: deleting a deal or renaming a store retires the cached deals
list, the deal's page and the articles that showed it, so no reader follows a dead link."""

import pytest

from edicola.news.tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the change queued for after its commit, as a real transaction would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def on_air(make_deal, category):
    deal = make_deal(title="Lumio X3 a 399 euro", status="live", category=category)
    article = make_article(category, "Il Lumio X3 alla prova")
    return deal, article


def cached_html(client, url) -> str:
    client.get(url)
    response = client.get(url)
    assert response["X-Page-Cache"] == "hit", url
    return response.content.decode()


def test_deleted_deal_leaves_no_cached_page_linking_to_it(client, on_air, commit):
    deal, article = on_air
    pages = ["/offerte/", f"/offerte/{deal.pk}/", article.url]
    for url in pages:
        assert "Lumio X3 a 399 euro" in cached_html(client, url)
    with commit():
        deal.delete()
    listing = client.get("/offerte/")
    assert listing["X-Page-Cache"] != "hit"
    assert "Lumio X3 a 399 euro" not in listing.content.decode()
    assert f'href="/go/{deal.pk}/"' not in listing.content.decode()
    assert client.get(f"/offerte/{deal.pk}/").status_code == 404
    assert "Lumio X3 a 399 euro" not in client.get(article.url).content.decode()


def test_renamed_store_shows_its_new_name_at_once(client, on_air, store, commit):
    deal, article = on_air
    assert "Amazon" in cached_html(client, "/offerte/")
    assert "Amazon" in cached_html(client, f"/offerte/{deal.pk}/")
    with commit():
        store.name = "Negozio Lumio"
        store.save()
    for url in ["/offerte/", f"/offerte/{deal.pk}/"]:
        html = client.get(url).content.decode()
        assert "Negozio Lumio" in html, url


def test_a_change_rolled_back_keeps_the_cache(client, on_air, store):
    from django.db import transaction

    assert "Amazon" in cached_html(client, "/offerte/")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            store.name = "Mai salvato"
            store.save()
            raise RuntimeError("abort")
    assert client.get("/offerte/")["X-Page-Cache"] == "hit"
