"""Fixtures for the whole-site tests: a reference-like news site, Chromium through Playwright
with a loopback-only network guard, and the Nu HTML checker.

Whether Chromium and the checker are present (skip, or fail when EDICOLA_REQUIRE makes them
mandatory) is decided once, by the `browser` and `validator` markers in the root conftest.
"""

import json
import mimetypes
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import translation

from edicola.news.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_image,
    make_site,
)

REPO_DIR = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = REPO_DIR / "node_modules" / "axe-core" / "axe.min.js"
VNU_JAR = REPO_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS_DIR = REPO_DIR / "test-artifacts"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
EMBED_URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

REFERENCE_BODY_TEXT = [
    "<p>La casa ha confermato ieri sera che il nuovo modello arriverà nei negozi italiani "
    "entro la fine del mese, con un prezzo più basso rispetto alla generazione precedente.</p>",
    "<p>Il <b>pannello</b> è più luminoso e la batteria, secondo le prime prove, regge "
    "un'intera giornata di uso intenso senza bisogno di ricarica.</p>",
]


@dataclass
class NewsSite:
    """The pages of a small site built for whole-page tests, by URL path."""

    home: str
    article: str
    category: str
    author: str
    search: str
    tag: str
    extra: dict[str, str] = field(default_factory=dict)

    def reader_pages(self) -> dict[str, str]:
        """The pages the issue names for validity and accessibility checks."""
        return {
            "home": self.home,
            "article": self.article,
            "category": self.category,
            "author": self.author,
            "search": self.search,
        }


def build_news_site() -> NewsSite:
    """Three categories, three authors with avatars and bios, a dozen articles, and one article
    shaped like the reference page: quote, two captioned images, a capitalised H2, author box,
    plus a click-to-load video and related articles. Paths are the Italian (default) ones."""
    with translation.override("it"):
        return _build_news_site()


def _build_news_site() -> NewsSite:
    home = make_site("Edicola Prova")
    categories = [
        make_category(home, "Smartphone"),
        make_category(home, "Mercato"),
        make_category(home, "Promozioni"),
    ]
    authors = [
        make_author(
            home,
            name,
            avatar=make_image(f"Ritratto di {name}", (192, 192), color),
            bio=f"Sono {name} e scrivo di telefoni, reti e prezzi dal 2015.",
        )
        for name, color in [
            ("Giulia Rossi", (180, 60, 60)),
            ("Marco Bianchi", (60, 140, 60)),
            ("Sara Conti", (60, 60, 160)),
        ]
    ]
    others = []
    for number in range(12):
        others.append(
            make_article(
                categories[number % 3],
                f"Notizia numero {number + 1} sul mercato dei telefoni",
                authors=[authors[number % 3]],
                published_ago=timedelta(hours=2 + number),
                hero_image=make_image(f"Immagine {number + 1}", (960, 540)) if number < 4 else None,
                tags=["telefoni"] if number % 2 else ["prezzi"],
            )
        )
    first_image = make_image("Il telefono visto di fronte", (1200, 900), (30, 30, 30))
    second_image = make_image("Il retro del telefono", (1200, 900), (200, 200, 200))
    reference = make_article(
        categories[0],
        "Il nuovo telefono «costerà meno del precedente», annuncia la casa",
        slug="nuovo-telefono-costera-meno",
        authors=[authors[0]],
        published_ago=timedelta(minutes=30),
        hero_image=make_image("Il nuovo telefono", (1280, 720), (20, 70, 140)),
        hero_caption="Il nuovo telefono presentato a Milano.",
        tags=["telefoni", "prezzi"],
        body=[
            ("paragraph", REFERENCE_BODY_TEXT[0]),
            (
                "quote",
                {
                    "quote": "Abbiamo voluto un telefono che tutti possano permettersi.",
                    "attribution": "L'amministratore delegato",
                },
            ),
            (
                "image",
                {
                    "image": first_image,
                    "alt": "Telefono",
                    "caption": "Telefono",
                    "credit": "Foto redazione",
                },
            ),
            ("heading", {"text": "PREZZO E DISPONIBILITÀ", "level": "h2"}),
            ("paragraph", REFERENCE_BODY_TEXT[1]),
            (
                "image",
                {"image": second_image, "alt": "Il retro", "caption": "Il retro", "credit": ""},
            ),
            ("embed", {"url": EMBED_URL, "title": "La presentazione in video", "caption": ""}),
            (
                "related",
                {"title": "Leggi anche", "articles": [others[0], others[3]]},
            ),
            ("paragraph", "<p>Torneremo sull'argomento appena avremo il telefono in prova.</p>"),
        ],
    )
    return NewsSite(
        home=home.url,
        article=reference.url,
        category=categories[0].url,
        author=authors[0].url,
        search="/cerca/?q=telefono",
        tag="/tag/telefoni/",
        extra={"second_category": categories[1].url, "other_article": others[5].url},
    )


@pytest.fixture
def news_site(db) -> NewsSite:
    return build_news_site()


@pytest.fixture
def live_news_site(
    request, transactional_db, django_db_serialized_rollback, django_db_blocker, live_server
) -> NewsSite:
    """The same site, committed so that the live server thread sees it.

    A transactional test empties every table when it ends. The serialized rollback brings back
    what migrations created (Wagtail's root page and collection, locale, content types) before
    the test; pytest_runtest_teardown below brings it back afterwards for the tests that follow,
    which pytest-django runs after the transactional ones when they ask for no database fixture.
    """
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    return build_news_site()


RESTORE_MIGRATED_DATA = pytest.StashKey[object]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    blocker = item.stash.get(RESTORE_MIGRATED_DATA, None)
    if blocker is not None and nextitem is not None:  # last test: the test database is gone
        from django.db import connections

        with blocker.unblock():
            for connection in connections.all():
                if contents := getattr(connection, "_test_serialized_contents", None):
                    connection.creation.deserialize_db_from_string(contents)
    return result


@pytest.fixture(scope="session")
def demo_pages() -> dict[str, str]:
    """HTML of every page the demo-site crawl reached, by path, filled by the crawl test.

    The validity test checks these pages and crawls again itself only when the crawl test did
    not run first in this session; the demo site takes a minute to build and render.
    """
    return {}


# -- Chromium ----------------------------------------------------------------------------------


class NetworkGuard:
    """Lets the page reach the live server only; media comes from MEDIA_ROOT on disk.

    Every other request is refused and remembered, so a test can assert that the page tried
    to contact no third party.
    """

    def __init__(self, media_root: Path):
        self.media_root = Path(media_root)
        self.refused: list[str] = []
        self.requested: list[str] = []
        # What the page's console reported as errors, and uncaught exceptions (open_page).
        self.console_errors: list[str] = []

    def __call__(self, route):
        url = route.request.url
        parts = urlsplit(url)
        self.requested.append(url)
        if parts.scheme in {"data", "blob", "about"}:
            return route.continue_()
        if (parts.hostname or "") not in LOOPBACK_HOSTS:
            self.refused.append(url)
            return route.abort("blockedbyclient")
        if parts.path.startswith(settings.MEDIA_URL):
            # The test server does not serve uploads; production does, from the same files.
            path = (self.media_root / parts.path.removeprefix(settings.MEDIA_URL)).resolve()
            if self.media_root.resolve() in path.parents and path.is_file():
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return route.fulfill(status=200, body=path.read_bytes(), content_type=content_type)
            return route.fulfill(status=404, body="not found")
        return route.continue_()


@pytest.fixture(scope="session")
def live_server():
    """pytest-django's live server, on 127.0.0.1 and over plain HTTP.

    The server thread builds its middleware when it starts, before any test's settings apply,
    so the HTTPS redirect of the default settings is turned off here for its whole life.
    """
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def chromium():
    """A headless Debian Chromium driven by Playwright; closed after the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def open_page(chromium, live_server, settings):
    """Open a path of the live server in a fresh context: (page, network guard)."""
    contexts = []

    def open_(
        path: str, *, width: int = 1366, height: int = 900, mobile: bool = False, cookies=None
    ):
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
            device_scale_factor=1,
            locale="it-IT",
            timezone_id="Europe/Rome",
        )
        contexts.append(context)
        if cookies:
            context.add_cookies(
                [{"name": k, "value": v, "url": live_server.url} for k, v in cookies.items()]
            )
        guard = NetworkGuard(settings.MEDIA_ROOT)
        context.route("**/*", guard)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on(
            "console",
            lambda message: message.type == "error" and guard.console_errors.append(message.text),
        )
        page.on("pageerror", lambda error: guard.console_errors.append(str(error)))
        # Content-Security-Policy refusals, read back with csp_violations(page). Added through
        # the DevTools protocol, so the page's own policy does not apply to this script.
        page.add_init_script(CSP_WATCH_JS)
        response = page.goto(live_server.url + path, wait_until="load")
        assert response is not None and response.status == 200, (path, response and response.status)
        return page, guard

    yield open_
    for context in contexts:
        context.close()


CSP_WATCH_JS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`);
});
"""


def csp_violations(page) -> list[str]:
    """What the page's Content-Security-Policy refused since it loaded."""
    return page.evaluate("window.__cspViolations || []")


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page, as plain dicts (id, impact, help, nodes).

    axe is evaluated through the DevTools protocol rather than added as an inline <script>,
    which the pages' Content-Security-Policy refuses (as it should)."""
    page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(
                    n => ({target: n.target, html: n.html, summary: n.failureSummary})
                ),
            }));
        }"""
    )
    return result


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            lines.append(f"      {(node['summary'] or '').replace(chr(10), ' / ')}")
    return "\n".join(lines)


# -- Nu HTML checker -------------------------------------------------------------------------------


def nu_check(documents: dict[str, str | bytes], workdir: Path) -> dict[str, list[dict]]:
    """Errors the Nu HTML checker finds, by document name; all documents in one Java run."""
    workdir.mkdir(parents=True, exist_ok=True)
    names = {}
    for number, (name, html) in enumerate(documents.items()):
        path = (workdir / f"page-{number:04d}.html").resolve()
        path.write_bytes(html if isinstance(html, bytes) else html.encode("utf-8"))
        names[path] = name
    completed = subprocess.run(
        [
            shutil.which("java") or "java",
            "-Xss8m",
            "-jar",
            str(VNU_JAR),
            "--format",
            "json",
            "--stdout",
            *map(str, names),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(completed.stdout or "{}")
    assert "messages" in report, f"the checker gave no report: {completed.stderr[-2000:]}"
    errors: dict[str, list[dict]] = {name: [] for name in documents}
    for message in report["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            url = message.get("url", "")
            name = names.get(Path(url.removeprefix("file:")), url)
            errors.setdefault(name, []).append(message)
    return errors


def describe_nu_errors(errors: dict[str, list[dict]]) -> str:
    lines = []
    for name, messages in errors.items():
        for message in messages:
            line = message.get("lastLine") or message.get("firstLine")
            lines.append(f"{name} line {line}: {message.get('message')}")
            if message.get("extract"):
                lines.append(f"    {message['extract'].strip()[:200]}")
    return "\n".join(lines)
