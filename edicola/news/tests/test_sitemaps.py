"""sitemap.xml, the Google News sitemap and robots.txt, parsed as crawlers parse them."""

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from edicola.news import sitemaps
from edicola.news.models import AuthorIndexPage
from edicola.news.tests.factories import make_article, make_author, make_category, make_site

BASE_URL = "https://www.edicola.test"
NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


@pytest.fixture
def news(db, settings):
    settings.BASE_URL = BASE_URL
    home = make_site("Edicola Prova")
    phones = make_category(home, "Smartphone")
    market = make_category(home, "Mercato")
    giulia = make_author(home, "Giulia Rossi")
    fresh = make_article(
        phones, "Esce il nuovo telefono", authors=[giulia], published_ago=timedelta(hours=3)
    )
    yesterday = make_article(
        market, "Il mercato rallenta", authors=[giulia], published_ago=timedelta(hours=40)
    )
    old = make_article(
        market, "Un'analisi di tre giorni fa", authors=[giulia], published_ago=timedelta(hours=50)
    )
    draft = make_article(phones, "Bozza da non mostrare", authors=[giulia])
    draft.unpublish()
    return SimpleNamespace(
        home=home, phones=phones, market=market, giulia=giulia,
        authors=AuthorIndexPage.objects.get(), fresh=fresh, yesterday=yesterday, old=old,
        draft=draft,
    )  # fmt: skip


def local_day(value: datetime) -> str:
    return timezone.localtime(value).date().isoformat()


def fetch_xml(client, path: str, **headers) -> ET.Element:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{{{NS['sm']}}}urlset"
    return root


def test_sitemap_lists_every_public_page_with_lastmod(client, news):
    root = fetch_xml(client, "/sitemap.xml")
    entries = {
        url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
        for url in root.findall("sm:url", NS)
    }

    expected = [news.home, news.phones, news.market, news.authors, news.giulia]
    expected += [news.fresh, news.yesterday, news.old]
    assert set(entries) == {BASE_URL + page.url for page in expected}
    assert entries[BASE_URL + news.fresh.url] == local_day(news.fresh.date_published)
    # A section is as fresh as its newest article.
    assert entries[BASE_URL + news.market.url] == local_day(news.yesterday.date_published)
    assert entries[BASE_URL + news.phones.url] == local_day(news.fresh.date_published)
    assert entries[BASE_URL + news.giulia.url] is not None


def test_sitemap_leaves_out_drafts_and_uses_italian_urls(client, news):
    root = fetch_xml(client, "/sitemap.xml", HTTP_ACCEPT_LANGUAGE="en")
    locations = [url.findtext("sm:loc", namespaces=NS) for url in root.findall("sm:url", NS)]

    assert BASE_URL + news.draft.url not in locations
    assert not [location for location in locations if "/en/" in location]


def test_news_sitemap_lists_articles_of_the_last_two_days(client, news):
    root = fetch_xml(client, "/news-sitemap.xml")
    urls = root.findall("sm:url", NS)

    assert [url.findtext("sm:loc", namespaces=NS) for url in urls] == [
        BASE_URL + news.fresh.url,
        BASE_URL + news.yesterday.url,
    ]
    item = urls[0].find("news:news", NS)
    assert item.findtext("news:publication/news:name", namespaces=NS) == "Edicola Prova"
    assert item.findtext("news:publication/news:language", namespaces=NS) == "it"
    assert item.findtext("news:title", namespaces=NS) == "Esce il nuovo telefono"
    published = datetime.fromisoformat(item.findtext("news:publication_date", namespaces=NS))
    assert published.utcoffset() is not None
    assert published == news.fresh.date_published.replace(microsecond=0)


def test_news_sitemap_respects_its_cap_keeping_the_newest(client, news, monkeypatch):
    monkeypatch.setattr(sitemaps, "NEWS_SITEMAP_LIMIT", 1)

    root = fetch_xml(client, "/news-sitemap.xml")

    assert [url.findtext("sm:loc", namespaces=NS) for url in root.findall("sm:url", NS)] == [
        BASE_URL + news.fresh.url
    ]


def test_news_sitemap_cap_is_a_thousand():
    assert sitemaps.NEWS_SITEMAP_LIMIT == 1000
    assert sitemaps.NEWS_SITEMAP_WINDOW == timedelta(hours=48)


def test_robots_txt_points_to_both_sitemaps(client, news):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in lines
    assert f"Sitemap: {BASE_URL}/news-sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
