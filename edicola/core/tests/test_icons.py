"""The site's icons: every page names one that exists, /favicon.ico answers, a phone finds a web
manifest, and the icon chosen in the site settings replaces the default; the footer names the
site once."""

import json

import pytest
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from PIL import Image

from edicola.core.models import SiteSettings
from edicola.news.tests.factories import make_image, make_site

pytestmark = pytest.mark.django_db


def link(html: str, rel: str) -> str | None:
    marker = f'<link rel="{rel}" href="'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split('"', 1)[0]


def media_file(url: str) -> str:
    from django.conf import settings

    return url.removeprefix(settings.MEDIA_URL)


def test_every_page_names_the_default_icon_which_exists(client):
    make_site()
    html = client.get("/").content.decode()
    icon = link(html, "icon")
    assert icon and icon.endswith(".svg")
    assert finders.find(icon.removeprefix("/static/"))
    assert link(html, "manifest") == "/manifest.webmanifest"
    assert link(html, "apple-touch-icon") is None  # no PNG to offer until one is chosen
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 302 and favicon["Location"] == icon


def test_the_web_manifest_names_the_site_and_its_icons(client):
    home = make_site()
    SiteSettings.objects.update_or_create(site=home.get_site(), defaults={"site_name": "Lumio"})
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Lumio" and manifest["start_url"] == "/"
    assert manifest["icons"] and all(icon["src"] for icon in manifest["icons"])


def test_the_icon_from_site_settings_gives_tab_touch_and_manifest_icons(client):
    home = make_site()
    settings_row, _ = SiteSettings.objects.get_or_create(site=home.get_site())
    settings_row.icon = make_image("Icona", (600, 600))
    settings_row.save()
    from edicola.core import pagecache

    pagecache.invalidate_all()
    html = client.get("/").content.decode()
    sizes = {}
    for rel in ("icon", "apple-touch-icon"):
        with default_storage.open(media_file(link(html, rel))) as file:
            sizes[rel] = Image.open(file).size
    assert sizes == {"icon": (32, 32), "apple-touch-icon": (180, 180)}
    assert client.get("/favicon.ico")["Location"] == link(html, "icon")
    manifest = json.loads(client.get("/manifest.webmanifest").content)
    assert [icon["sizes"] for icon in manifest["icons"]] == ["192x192", "512x512"]
    assert all(icon["type"] == "image/png" for icon in manifest["icons"])


def test_the_footer_names_the_site_once_beside_its_logo(client):
    home = make_site()
    settings_row, _ = SiteSettings.objects.get_or_create(site=home.get_site())
    settings_row.site_name = "Lumio Italia"
    settings_row.logo = make_image("Logo", (400, 100))
    settings_row.save()
    from edicola.core import pagecache

    pagecache.invalidate_all()
    html = client.get("/").content.decode()
    footer = html.split('<footer class="site-footer">', 1)[1].split("</footer>", 1)[0]
    brand = footer.split('<a class="brand"', 1)[1].split("</a>", 1)[0]
    assert 'alt="Lumio Italia"' in brand
    assert brand.count("Lumio Italia") == 1
