"""The publication date readers see: set when a page first goes live, unless an editor chose one.

A scheduled article is written at T0 and goes live at T1 through Wagtail's `publish_scheduled`;
the page, its JSON-LD, the RSS feed and the News sitemap must all say T1. Time is injected with
freezegun, so nothing depends on how fast the test runs.
"""

import calendar
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from edicola.news.models import ArticleAuthor, ArticlePage, StandardPage
from edicola.news.seo import iso_datetime

from .factories import make_author, make_category, make_site

pytestmark = pytest.mark.django_db

NEWS = {"news": "http://www.google.com/schemas/sitemap-news/0.9"}


@pytest.fixture
def times():
    now = timezone.now().replace(microsecond=0)
    # Written five hours ago, went live two hours ago: both inside the News sitemap's window.
    return now - timedelta(hours=5), now - timedelta(hours=2)


@pytest.fixture
def site():
    home = make_site("Edicola Prova")
    return make_category(home, "Smartphone"), make_author(home, "Giulia Rossi")


def schedule_draft(site, written_at, go_live_at, **fields) -> ArticlePage:
    """An editor writes a draft at `written_at` and schedules it for `go_live_at`."""
    category, author = site
    with freeze_time(written_at):
        article = ArticlePage(
            title="Il telefono pieghevole arriva in Italia",
            slug="pieghevole",
            standfirst="Prezzo e data di uscita confermati.",
            body=[("paragraph", "<p>Sarà nei negozi da lunedì.</p>")],
            live=False,
            go_live_at=go_live_at,
            **fields,
        )
        article.article_authors.add(ArticleAuthor(author=author))
        category.add_child(instance=article)
        article.save_revision().publish()
    article.refresh_from_db()
    assert not article.live
    return article


def go_live(at):
    with freeze_time(at):
        call_command("publish_scheduled", verbosity=0)


def shown_dates(client, article: ArticlePage) -> dict[str, str]:
    """The publication date as the page, its JSON-LD, the RSS feed and the News sitemap say it."""
    article.refresh_from_db()
    html = client.get(article.url).content.decode()
    time_tag = re.search(r'<p class="byline">.*?<time datetime="([^"]+)"', html).group(1)
    ld = [
        json.loads(block)
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    ]
    (news_article,) = [item for item in ld if item.get("@type") == "NewsArticle"]
    feed = feedparser.parse(client.get("/feed/").content)
    (entry,) = feed.entries
    sitemap = ET.fromstring(client.get("/news-sitemap.xml").content)
    return {
        "page": time_tag,
        "json-ld": news_article["datePublished"],
        "rss": calendar.timegm(entry.published_parsed),
        "sitemap": sitemap.findtext(".//news:publication_date", namespaces=NEWS),
    }


def everywhere(moment) -> dict[str, str]:
    """`moment` as shown_dates() reads it from each place."""
    shown = iso_datetime(moment)
    return {"page": shown, "json-ld": shown, "rss": int(moment.timestamp()), "sitemap": shown}


def test_scheduled_article_is_dated_when_it_goes_live(client, site, times):
    written_at, went_live_at = times
    article = schedule_draft(site, written_at, go_live_at=went_live_at - timedelta(minutes=1))
    assert article.date_published is None

    go_live(went_live_at)

    assert shown_dates(client, article) == everywhere(went_live_at)


def test_a_date_the_editor_set_is_kept(client, site, times):
    written_at, went_live_at = times
    chosen = written_at - timedelta(hours=1)
    article = schedule_draft(
        site, written_at, go_live_at=went_live_at - timedelta(minutes=1), date_published=chosen
    )

    go_live(went_live_at)

    assert shown_dates(client, article) == everywhere(chosen)


def test_republishing_keeps_the_first_publication_date(client, site, times):
    written_at, went_live_at = times
    article = schedule_draft(site, written_at, go_live_at=went_live_at - timedelta(minutes=1))
    go_live(went_live_at)
    with freeze_time(went_live_at + timedelta(hours=1)):
        draft = article.get_latest_revision_as_object()
        draft.title = "Il telefono pieghevole arriva in Italia, con il prezzo"
        draft.save_revision().publish()
    assert shown_dates(client, article)["page"] == iso_datetime(went_live_at)


def test_standard_page_is_dated_on_first_publication(site, times):
    written_at, went_live_at = times
    home = site[0].get_parent()
    with freeze_time(written_at):
        page = StandardPage(title="Chi siamo", slug="chi-siamo", live=False)
        home.add_child(instance=page)
    assert StandardPage.objects.get(pk=page.pk).date_published is None
    with freeze_time(went_live_at):
        page.save_revision().publish()
    assert StandardPage.objects.get(pk=page.pk).date_published == went_live_at


def test_new_article_form_leaves_the_date_empty_and_explains_it(client, site):
    editor = get_user_model().objects.create_superuser("redazione", "r@example.org", "pw-1234-x")
    client.force_login(editor)
    category = site[0]
    html = client.get(f"/admin/pages/add/news/articlepage/{category.pk}/").content.decode()
    field = re.search(r'<input[^>]*name="date_published"[^>]*>', html).group(0)
    assert 'value=""' in field or "value=" not in field
    assert "Vuoto: la data della prima pubblicazione" in html


def test_draft_preview_shows_a_date(site, times):
    written_at, went_live_at = times
    article = schedule_draft(site, written_at, go_live_at=went_live_at + timedelta(days=1))
    response = article.get_latest_revision_as_object().make_preview_request()
    assert response.status_code == 200
    assert re.search(r'<p class="byline">.*?<time datetime="\d{4}-', response.content.decode())
