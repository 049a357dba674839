"""Security headers: an enforced Content-Security-Policy on every page (the same on a page served
from the cache), the admin's own policy, Permissions-Policy, and Secure on every cookie while
HTTPS is on."""

import base64
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.template import loader
from django.test import RequestFactory

from edicola.core.headers import SecurityHeadersMiddleware
from edicola.news.tests.conftest import build_news_site

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)([^>]*)>", re.IGNORECASE)
DATA_BLOCK = re.compile(r'type="application/(ld\+)?json"')


def policy(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy-Report-Only" not in response
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def site(db):
    return build_news_site()


def test_the_article_page_is_served_under_an_enforced_policy(client, site):
    response = client.get(site.article)
    assert response.status_code == 200
    rules = policy(response)
    assert rules["default-src"] == ["'self'"]
    assert rules["script-src"] == ["'self'"]
    assert rules["object-src"] == ["'none'"]
    assert rules["base-uri"] == ["'self'"]
    assert rules["frame-ancestors"] == ["'none'"]
    assert "data:" in rules["img-src"] and "'self'" in rules["style-src"]
    assert "https://www.youtube-nocookie.com" in rules["frame-src"]
    assert not any("unsafe" in value for values in rules.values() for value in values)


def test_no_page_of_ours_has_an_inline_script_or_style_the_policy_would_block(client, site):
    for path in [*site.reader_pages().values(), site.tag, "/offerte/", "/account/accedi/"]:
        html = client.get(path).content.decode()
        for attributes in INLINE_SCRIPT.findall(html):
            assert DATA_BLOCK.search(attributes), (path, attributes)  # JSON-LD: data, not code
        assert "<style" not in html and " style=" not in html, path


def test_a_page_from_the_cache_carries_the_same_policy(client, site):
    first = client.get(site.article)
    again = client.get(site.article)
    assert again.get("X-Page-Cache", "").lower().startswith("hit")
    assert again["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_the_error_page_style_is_allowed_by_its_hash(client, settings):
    html = loader.get_template("500.html").render()
    css = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in settings.SECURE_CSP["style-src"]


def test_the_admin_has_its_own_enforced_policy(client, site):
    user = get_user_model().objects.create_superuser("capo", "capo@example.org", "password")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    rules = policy(response)
    assert rules["frame-ancestors"] == ["'self'"] and rules["object-src"] == ["'none'"]
    assert "'unsafe-inline'" in rules["script-src"]


def test_pages_say_which_browser_features_are_off(client, site):
    header = client.get(site.article)["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in header


def _cookie_setting_view(request):
    response = HttpResponse("ok")
    response.set_cookie("una_preferenza", "1")
    return response


@pytest.mark.parametrize(("https", "secure"), [(True, True), (False, "")])
def test_every_cookie_is_secure_while_https_is_on(settings, https, secure):
    settings.HTTPS = https
    response = SecurityHeadersMiddleware(_cookie_setting_view)(RequestFactory().get("/"))
    assert response.cookies["una_preferenza"]["secure"] == secure
