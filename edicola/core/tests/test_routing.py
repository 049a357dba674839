"""Remembered routes never outlive what they point at, and never bypass view restrictions."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    user = get_user_model().objects.create_user("lettore", "l@example.org", "pw-12345-xyz")
    client.force_login(user)
    return client


def test_a_remembered_route_saves_queries(reader):
    article = make_article(make_category(make_site()), "Titolo")
    reader.get(article.url)
    with CaptureQueriesContext(connection) as first:
        reader.get(article.url + "?prima=1")
    with CaptureQueriesContext(connection) as again:
        assert reader.get(article.url).status_code == 200
    assert len(again) <= len(first)


def test_unpublished_page_is_gone_for_everyone_at_once(reader):
    article = make_article(make_category(make_site()), "Da ritirare")
    assert reader.get(article.url).status_code == 200
    article.unpublish()
    assert reader.get(article.url).status_code == 404


def test_moved_article_answers_at_its_new_address_and_the_old_one_redirects(reader):
    home = make_site()
    article = make_article(make_category(home, "Smartphone"), "In viaggio")
    old_url = article.url
    assert reader.get(old_url).status_code == 200
    article.move(make_category(home, "Mercato"), pos="last-child")
    article.refresh_from_db()
    assert reader.get(article.url).status_code == 200
    old = reader.get(old_url)
    assert old.status_code == 301 and old["Location"] == article.url


def test_view_restrictions_apply_even_to_remembered_routes(client):
    article = make_article(make_category(make_site()), "Riservato")
    assert "Riservato" in client.get(article.url).content.decode()
    PageViewRestriction.objects.create(page=article, restriction_type="password", password="x")
    response = client.get(article.url + "?dopo=1")
    assert "<h1>Riservato</h1>" not in response.content.decode()
