"""The site chrome every page shares: name, logo, icons, deals banner, navigation.

Read once per cache generation and kept in the cache, so a page render spends no query on it.
The navigation's sections come from the providers the apps register (`register_sections`, in
their AppConfig.ready(): news lists its category pages), so core names no page type.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.templatetags.static import static
from django.utils.translation import get_language
from wagtail.models import Site

from . import pagecache
from .models import SiteSettings


@dataclass(frozen=True)
class BannerPart:
    text: str
    url: str = ""


@dataclass(frozen=True)
class Chrome:
    site_name: str
    tagline: str
    root_url: str
    logo_url: str = ""
    logo_width: int = 0
    logo_height: int = 0
    # Browser tab icon and the phone's home-screen icon; the static default when none is set.
    icon_url: str = ""
    icon_type: str = "image/svg+xml"
    touch_icon_url: str = ""
    banner: tuple[BannerPart, ...] = ()
    privacy_url: str = ""
    sections: tuple[tuple[str, str], ...] = field(default_factory=tuple)


# Each provider maps a Wagtail Site to (title, url) pairs, in navigation order.
_SECTION_PROVIDERS: list[Callable[[Site], Iterable[tuple[str, str]]]] = []


def register_sections(provider: Callable[[Site], Iterable[tuple[str, str]]]) -> None:
    """Add a provider of navigation sections (called once per cache generation and site)."""
    if provider not in _SECTION_PROVIDERS:
        _SECTION_PROVIDERS.append(provider)


def banner_parts(text: str, whatsapp_url: str, telegram_url: str) -> tuple[BannerPart, ...]:
    """Split the banner text at {whatsapp} and {telegram} into plain text and channel links."""
    links = {"{whatsapp}": ("WHATSAPP", whatsapp_url), "{telegram}": ("TELEGRAM", telegram_url)}
    parts: list[BannerPart] = []
    rest = text
    while rest:
        found = [(rest.find(token), token) for token in links if token in rest]
        if not found:
            parts.append(BannerPart(rest))
            break
        position, token = min(found)
        if position:
            parts.append(BannerPart(rest[:position]))
        label, url = links[token]
        parts.append(BannerPart(label, url))
        rest = rest[position + len(token) :]
    return tuple(parts)


def site_icon(image, size: int) -> str:
    """The URL of the site icon as a square PNG of `size` pixels."""
    return image.get_rendition(f"fill-{size}x{size}|format-png").url


def _build(site: Site) -> Chrome:
    site_settings = SiteSettings.for_site(site)
    logo_url, logo_width, logo_height = "", 0, 0
    if site_settings.logo_id:
        rendition = site_settings.logo.get_rendition("height-96|format-png")
        logo_url, logo_width, logo_height = rendition.url, rendition.width, rendition.height
    icon_url, icon_type, touch_icon_url = static("core/icon.svg"), "image/svg+xml", ""
    if site_settings.icon_id:
        icon_url, icon_type = site_icon(site_settings.icon, 32), "image/png"
        touch_icon_url = site_icon(site_settings.icon, 180)
    sections = tuple(
        (title, url) for provider in _SECTION_PROVIDERS for title, url in provider(site)
    )
    return Chrome(
        site_name=site_settings.site_name,
        tagline=site_settings.tagline,
        root_url=site.root_page.get_url() or "/",
        logo_url=logo_url,
        logo_width=logo_width,
        logo_height=logo_height,
        icon_url=icon_url,
        icon_type=icon_type,
        touch_icon_url=touch_icon_url,
        banner=banner_parts(
            site_settings.banner_text, site_settings.whatsapp_url, site_settings.telegram_url
        ),
        privacy_url=site_settings.privacy_url,
        sections=sections,
    )


def chrome_for(request) -> Chrome | None:
    site = Site.find_for_request(request)
    if site is None:
        return None
    key = f"chrome:{pagecache.generation()}:{site.pk}:{get_language()}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = _build(site)
        cache.set(key, chrome, 3600)
    return chrome
