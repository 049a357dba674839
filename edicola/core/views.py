"""Styled error pages that never depend on the database; the site's icon and web manifest."""

from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from wagtail.models import Site

from .chrome import chrome_for, site_icon
from .models import SiteSettings

THEME_COLOR = "#b3261e"


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("500.html").render())


@cache_control(public=True, max_age=86400)
def favicon(request):
    """/favicon.ico, asked for by browsers and feed readers that do not read the page's links."""
    chrome = chrome_for(request)
    return HttpResponseRedirect(chrome.icon_url if chrome else static("core/icon.svg"))


@cache_control(public=True, max_age=3600)
def web_manifest(request):
    """The web app manifest: the name and icons a phone uses when the site is added to it."""
    site = Site.find_for_request(request)
    chrome = chrome_for(request)
    name = chrome.site_name if chrome else "Edicola"
    icons = [{"src": static("core/icon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    if site is not None and (settings_row := SiteSettings.for_site(site)).icon_id:
        icons = [
            {
                "src": site_icon(settings_row.icon, size),
                "sizes": f"{size}x{size}",
                "type": "image/png",
            }
            for size in (192, 512)
        ]
    manifest = {
        "name": name,
        "short_name": name[:12],
        "start_url": chrome.root_url if chrome else "/",
        "display": "browser",
        "lang": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "it",
        "theme_color": THEME_COLOR,
        "background_color": "#ffffff",
        "icons": icons,
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
