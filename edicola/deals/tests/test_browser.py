"""The deals in Chromium: the /offerte/ list and its filters, and "Copia codice" putting the
coupon on the clipboard (with JavaScript off the code stays plain text and no button shows)."""

import pytest

from edicola.deals.models import Deal, Store
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, NetworkGuard

pytestmark = pytest.mark.browser


@pytest.fixture
def live_deals(
    request, transactional_db, django_db_serialized_rollback, django_db_blocker, make_deal
):
    """Two committed live deals in two stores (the live server thread sees them)."""
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    other = Store.objects.create(name="ElettroCasa")
    coupon = make_deal(status=Deal.Status.LIVE, coupon_code="REDMI20")
    plain = make_deal(
        status=Deal.Status.LIVE, title="Caricatore USB-C 65 W", coupon_code="", store=other
    )
    return coupon, plain, other


def test_deal_list_filters_and_copy_code(live_deals, home, open_page, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    coupon, plain, other = live_deals
    page, guard = open_page("/offerte/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    cards = page.locator("article.deal-card")
    assert cards.count() == 2
    link = page.locator(f"article[data-deal='{coupon.pk}'] a.deal-go")
    assert set(link.get_attribute("rel").split()) == {"sponsored", "nofollow", "noopener"}
    assert link.get_attribute("href") == f"/go/{coupon.pk}/"
    assert page.locator(".affiliate-disclosure").first.is_visible()

    button = page.locator(f"article[data-deal='{coupon.pk}'] button.copy-code")
    assert button.is_visible()
    assert page.locator(f"article[data-deal='{plain.pk}'] button.copy-code").count() == 0
    copied = button.get_attribute("data-copied")
    button.click()
    page.wait_for_function(
        "([el, text]) => el.textContent === text", arg=[button.element_handle(), copied]
    )
    assert page.evaluate("navigator.clipboard.readText()") == "REDMI20"

    page.select_option("#f-store", str(other.pk))
    page.locator("form.deal-filters button[type=submit]").click()
    page.wait_for_url(f"**/offerte/?negozio={other.pk}*")
    assert page.locator("article.deal-card").count() == 1
    assert page.locator(f"article[data-deal='{plain.pk}']").count() == 1
    assert guard.refused == []


def test_without_javascript_the_code_is_plain_text(live_deals, chromium, live_server):
    coupon = live_deals[0]
    context = chromium.new_context(java_script_enabled=False, locale="it-IT")
    try:
        context.route("**/*", NetworkGuard("/nonexistent"))
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/offerte/{coupon.pk}/")
        assert page.locator("code", has_text="REDMI20").is_visible()
        assert not page.locator("button.copy-code").is_visible()
    finally:
        context.close()
