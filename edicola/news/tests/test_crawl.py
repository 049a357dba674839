"""The demo site has no broken internal link: every page, feed, image and stylesheet reachable
from the home page answers, and none with a server error.

The crawl follows <a href>, <link href> (feeds, stylesheets, canonical), img/source src and
srcset, and script src, with Django's test client; it is bounded to MAX_URLS. Uploaded media and
static files, which the test server does not serve, are checked on disk (storage and finders).
"""

import io
import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.core.management import call_command

from edicola.news.tests.conftest import build_news_site

MAX_URLS = 500
# The home page, and where its search form leads for a word every demo article shares.
START_URLS = ("/", "/cerca/?q=telefono")
SEED_DEMO = Path(__file__).resolve().parents[1] / "management" / "commands" / "seed_demo.py"
LINK_ATTRIBUTES = {
    "a": ["href"],
    "link": ["href"],
    "img": ["src", "srcset"],
    "source": ["src", "srcset"],
    "script": ["src"],
    "iframe": ["src"],
}


class LinkCollector(HTMLParser):
    """Every URL a page points at, with the tag it came from."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and name in LINK_ATTRIBUTES.get(tag, []):
                if name == "srcset":
                    for candidate in value.split(","):
                        if candidate.strip():
                            self.links.append((tag, candidate.split()[0]))
                else:
                    self.links.append((tag, value))


def internal_hosts() -> set[str]:
    hosts = {"", "testserver", "localhost", "127.0.0.1"}
    hosts.add(urlsplit(settings.BASE_URL).hostname or "")
    return hosts


@dataclass
class CrawlReport:
    statuses: dict[str, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    html_pages: dict[str, str] = field(default_factory=dict)
    files_checked: int = 0


def crawl(client, starts: tuple[str, ...] = START_URLS, limit: int = MAX_URLS) -> CrawlReport:
    """Breadth-first over internal links from `starts`; at most `limit` URLs are requested."""
    report = CrawlReport()
    hosts = internal_hosts()
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in starts)
    seen = set(starts)
    while queue and len(report.statuses) < limit:
        path, referrer = queue.popleft()
        if path.startswith(settings.STATIC_URL):
            name = path.removeprefix(settings.STATIC_URL).split("?")[0]
            report.files_checked += 1
            if not finders.find(name):
                report.broken.append(f"{path} (static file missing) linked from {referrer}")
            continue
        if path.startswith(settings.MEDIA_URL):
            name = path.removeprefix(settings.MEDIA_URL).split("?")[0]
            report.files_checked += 1
            if not default_storage.exists(name):
                report.broken.append(f"{path} (media file missing) linked from {referrer}")
            continue
        response = client.get(path)
        report.statuses[path] = response.status_code
        if response.status_code >= 500:
            report.server_errors.append(f"{path} answered {response.status_code} ({referrer})")
            continue
        if response.status_code in {301, 302, 303, 307, 308}:
            links = [("redirect", response["Location"])]
        elif response.status_code >= 400:
            report.broken.append(f"{path} answered {response.status_code}, linked from {referrer}")
            continue
        elif response["Content-Type"].startswith("text/html"):
            html = response.content.decode(response.charset or "utf-8")
            report.html_pages[path] = html
            collector = LinkCollector()
            collector.feed(html)
            links = collector.links
        else:
            links = []
        for _tag, link in links:
            parts = urlsplit(urljoin(f"http://testserver{path}", link.strip()))
            if parts.scheme not in {"http", "https"} or parts.hostname not in hosts:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and len(seen) < limit * 4:
                seen.add(target)
                queue.append((target, path))
    return report


def build_demo_site() -> str:
    """The demo site of `edicola seed_demo` when that command exists, else the factory site."""
    if SEED_DEMO.exists():
        call_command("seed_demo", "--no-warm", stdout=io.StringIO(), stderr=io.StringIO())
        return "seed_demo"
    build_news_site()
    return "factories"


@pytest.mark.django_db
def test_every_internal_link_from_the_home_page_works(client, demo_pages):
    source = build_demo_site()

    report = crawl(client)
    demo_pages.update(report.html_pages)

    assert not report.server_errors, "\n".join(report.server_errors)
    assert not report.broken, "\n".join(report.broken)
    assert len(report.statuses) < MAX_URLS, "the crawl hit its bound; raise MAX_URLS"
    # The crawl really went through the site: articles, listings, feeds and files.
    pages = report.html_pages
    assert len(pages) >= 12 + 3 + 3, f"only {len(pages)} HTML pages reached from {source}"
    assert any("/feed/" in path for path in report.statuses), "no feed linked from the pages"
    assert report.files_checked >= 10, "no images or stylesheets were linked"
    assert any("/tag/" in path for path in pages), "no tag listing linked"
    assert any(path.startswith("/en/") for path in pages), "the English version is not linked"
    search = pages[START_URLS[1]]
    assert re.search(r'class="search-results">\s*<li', search), "the search found no article"
