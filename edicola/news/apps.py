from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsConfig(AppConfig):
    name = "edicola.news"
    label = "news"
    verbose_name = _("News")

    def ready(self) -> None:
        from edicola.core import chrome, pagecache

        from .models import site_sections

        chrome.register_sections(site_sections)
        pagecache.exclude_paths("/cerca/", "/en/cerca/")
