"""Reader pages are valid HTML according to the Nu HTML checker (vnu-jar, run with Java).

Pages are rendered with Django's test client and checked together in one Java run; any error
fails the test and every message is printed with its page and line.
"""

import pytest

from edicola.news.tests.conftest import describe_nu_errors, nu_check
from edicola.news.tests.test_crawl import build_demo_site, crawl

pytestmark = pytest.mark.validator


def render(client, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.content.decode()


def test_reader_pages_are_valid_html(client, news_site, tmp_path):
    documents = {
        name: render(client, path)
        for name, path in {
            **news_site.reader_pages(),
            "tag": news_site.tag,
            "article in English": "/en" + news_site.article,
            "empty search": "/cerca/",
            "search without results": "/cerca/?q=zzzzqqqq",
        }.items()
    }
    documents["not found"] = render(client, "/non-esiste/", status=404)

    errors = nu_check(documents, tmp_path / "html")

    assert not any(errors.values()), "Nu HTML checker errors:\n" + describe_nu_errors(errors)


@pytest.mark.django_db
def test_every_page_of_the_demo_site_is_valid_html(client, demo_pages, tmp_path):
    if not demo_pages:
        build_demo_site()
        demo_pages.update(crawl(client).html_pages)
    assert len(demo_pages) >= 12

    errors = nu_check(demo_pages, tmp_path / "html")

    assert not any(errors.values()), "Nu HTML checker errors:\n" + describe_nu_errors(errors)
