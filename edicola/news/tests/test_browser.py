"""What a reader sees in a real browser: accessibility (axe-core), the article at phone and
desktop widths, and embeds that contact nobody before the reader's click.

Debian's Chromium driven by Playwright against the live test server; the network guard in
conftest.py refuses every request that leaves 127.0.0.1. Each test builds the site once (in a
transactional database, so the server thread sees it) and looks at several pages of it.
"""

import pytest

from edicola.news.tests.conftest import (
    ARTIFACTS_DIR,
    csp_violations,
    describe_violations,
    run_axe,
)

pytestmark = pytest.mark.browser

DEVICES = {"phone": (390, 844), "desktop": (1366, 900)}


def test_reader_pages_have_no_accessibility_violations(live_news_site, open_page):
    found = {}
    for name, path in live_news_site.reader_pages().items():
        page, guard = open_page(path)
        if violations := run_axe(page):
            found[f"{name} ({path})"] = describe_violations(violations)
        assert guard.refused == [], f"{name} contacted a third party: {guard.refused}"

    assert not found, "axe-core violations:\n" + "\n".join(
        f"-- {page}:\n{report}" for page, report in found.items()
    )


def wait_for_image(page, image) -> None:
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=image.element_handle())


def test_reference_article_reads_well_at_phone_and_desktop_widths(live_news_site, open_page):
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    for device, (width, height) in DEVICES.items():
        page, guard = open_page(
            live_news_site.article, width=width, height=height, mobile=device == "phone"
        )
        hero = page.locator("figure.hero img")
        wait_for_image(page, hero)

        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        assert scroll_width <= width, f"{device}: scrolls sideways ({scroll_width}px > {width}px)"
        headline = page.locator("h1")
        assert headline.is_visible()
        assert "costerà meno del precedente" in headline.inner_text()
        assert hero.evaluate("img => img.naturalWidth > 0"), f"{device}: hero image not loaded"
        box = hero.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{device}: hero {box}"

        author_box = page.locator(".author-box").first
        author_box.scroll_into_view_if_needed()
        assert author_box.get_by_role("link", name="Giulia Rossi").is_visible()
        avatar = author_box.locator("img")
        wait_for_image(page, avatar)
        assert avatar.get_attribute("alt") == "Giulia Rossi"
        assert avatar.evaluate("img => img.naturalWidth > 0"), f"{device}: avatar not loaded"

        images = page.locator(".article-body figure img").all()
        assert len(images) == 2
        for image in images:
            wait_for_image(page, image)
            assert image.evaluate("img => img.naturalWidth > 0"), f"{device}: image not loaded"
            assert image.bounding_box()["width"] <= width

        footer = page.locator("footer.site-footer")
        footer.scroll_into_view_if_needed()
        assert footer.get_by_text("Edicola Prova").is_visible()
        assert guard.refused == [], f"{device}: contacted a third party: {guard.refused}"
        # Taken last, once every lazy image has been scrolled to and has loaded.
        page.screenshot(path=ARTIFACTS_DIR / f"article-{device}.png", full_page=True)


def test_embed_contacts_the_provider_only_after_the_click(live_news_site, open_page):
    page, guard = open_page(live_news_site.article)
    embed = page.locator(".block-embed")
    embed.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")

    assert page.locator("iframe").count() == 0
    assert guard.refused == [], "a third party was contacted before the reader's consent"
    assert embed.get_by_role("link").get_attribute("href").startswith("https://www.youtube.com/")

    embed.get_by_role("button").click()

    frame = embed.locator("iframe")
    frame.wait_for(state="attached")
    assert frame.get_attribute("src").startswith("https://www.youtube-nocookie.com/embed/")
    assert frame.get_attribute("title") == "La presentazione in video"
    page.wait_for_function(
        "() => performance.getEntriesByType('resource').some(r => r.name.includes('youtube'))"
        " || document.querySelector('.block-embed iframe') !== null"
    )
    page.wait_for_timeout(500)
    assert any("youtube-nocookie.com" in url for url in guard.refused), guard.requested[-5:]


def test_reader_pages_run_under_the_enforced_policy_without_console_errors(
    live_news_site, open_page
):
    """Our scripts (comments, passages, embeds, deals) load and run under the CSP header; the
    page's console shows no error and the policy refuses nothing."""
    for name, path in {**live_news_site.reader_pages(), "deals": "/offerte/"}.items():
        page, guard = open_page(path)
        assert page.evaluate("() => document.readyState") == "complete"
        page.wait_for_load_state("networkidle")
        assert "script-src 'self'" in page.evaluate(
            "async () => (await fetch(location.href)).headers.get('content-security-policy')"
        )
        assert csp_violations(page) == [], name
        assert guard.console_errors == [], name
    article, guard = open_page(live_news_site.article)
    article.wait_for_load_state("networkidle")
    # comments.js ran: it filled in the form stamp and reader state from /stato/.
    assert any("/stato/" in url for url in guard.requested)


@pytest.fixture
def admin_session(live_news_site) -> dict[str, str]:
    """A superuser's session cookie, made before Chromium starts (the ORM refuses to run
    inside Playwright's event loop), and the id of the reference article."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from edicola.news.models import ArticlePage

    user = get_user_model().objects.create_superuser("capo", "capo@example.org", "password")
    session = Client()
    session.force_login(user)
    slug = live_news_site.article.rstrip("/").split("/")[-1]
    return {
        "cookies": {
            settings.SESSION_COOKIE_NAME: session.cookies[settings.SESSION_COOKIE_NAME].value
        },
        "article": ArticlePage.objects.get(slug=slug).pk,
    }


def test_the_wagtail_admin_editor_works_under_its_enforced_policy(admin_session, open_page):
    article = admin_session["article"]
    for path in ["/admin/", f"/admin/pages/{article}/edit/", "/admin/comments/"]:
        page, guard = open_page(path, cookies=admin_session["cookies"])
        page.wait_for_load_state("networkidle")
        assert "'unsafe-inline'" in page.evaluate(
            "async () => (await fetch(location.href)).headers.get('content-security-policy')"
        )
        assert page.locator("main, #main").count() >= 1, path
        assert csp_violations(page) == [], path
