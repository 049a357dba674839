"""Italian dates as an Italian reader writes them: lower-case month and weekday, no zero padding."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, translation

from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def test_an_article_is_dated_in_lower_case_without_padding(client):
    published = datetime(2026, 12, 2, 7, 5, tzinfo=ROME)
    article = make_article(make_category(make_site()), "Uscita di dicembre")
    article.date_published = published
    article.save_revision().publish()
    html = client.get(article.url).content.decode()
    assert "2 dicembre 2026, 07:05" in html
    assert "Dicembre" not in html and "02 dicembre" not in html


def test_weekdays_and_formats_are_italian_and_english_stays_english():
    moment = datetime(2026, 12, 8, 9, 30, tzinfo=ROME)
    with translation.override("it"):
        assert formats.date_format(moment, "l j F") == "martedì 8 dicembre"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "8 dicembre 2026, 09:30"
        assert formats.date_format(moment, "DATE_FORMAT") == "8 dicembre 2026"
    with translation.override("en"):
        assert formats.date_format(moment, "l j F") == "Tuesday 8 December"
