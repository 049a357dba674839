"""Sitemaps (placeholder, replaced by the sitemaps work)."""

from django.http import HttpResponse


def sitemap_view(request):
    return HttpResponse("", content_type="application/xml")


news_sitemap_view = sitemap_view
