"""What crawlers are told: sitemap.xml (every public page), the Google News sitemap (articles of
the last 48 hours, at most 1000) and robots.txt pointing at both.

Articles come from the one published queryset; every URL is the absolute Italian one, on
settings.BASE_URL, whatever language the crawler asks for.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.db.models import DateTimeField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.xmlutils import SimplerXMLGenerator
from wagtail.models import Page, Site

from edicola.core.chrome import chrome_for

from .models import ArticleAuthor, ArticlePage, AuthorIndexPage, AuthorPage, CategoryPage, HomePage
from .seo import absolute_url, content_language, iso_datetime, page_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
NEWS_SITEMAP_WINDOW = timedelta(hours=48)
NEWS_SITEMAP_LIMIT = 1000


class _BaseUrlSitemap(Sitemap):
    """A sitemap of one Wagtail site whose locations are paths on settings.BASE_URL."""

    def __init__(self, site: Site, request=None):
        self.site = site
        self.request = request  # shares its cached site lookups between page URLs

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(settings.BASE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        base = urlsplit(settings.BASE_URL)
        return base.netloc + base.path.rstrip("/")

    def location(self, page) -> str:
        return urlsplit(page_url(page, self.request)).path


def _newest_article(articles) -> Subquery:
    return Subquery(
        articles.annotate(modified=Coalesce("date_updated", "date_published"))
        .order_by("-modified")
        .values("modified")[:1],
        output_field=DateTimeField(),
    )


class SectionSitemap(_BaseUrlSitemap):
    """Home, categories, the authors index and author pages, dated by their newest article."""

    changefreq = "hourly"

    def items(self):
        published = ArticlePage.objects.published().order_by()
        return (
            Page.objects.live()
            .public()
            .descendant_of(self.site.root_page, inclusive=True)
            .type(HomePage, CategoryPage, AuthorIndexPage, AuthorPage)
            .annotate(
                newest_below=_newest_article(published.filter(path__startswith=OuterRef("path"))),
                newest_by=_newest_article(
                    published.filter(
                        pk__in=ArticleAuthor.objects.filter(author=OuterRef(OuterRef("pk"))).values(
                            "article"
                        )
                    )
                ),
            )
            .order_by("path")
        )

    def lastmod(self, page):
        dates = [page.last_published_at, page.newest_below, page.newest_by]
        return max((date for date in dates if date is not None), default=None)


class ArticleSitemap(_BaseUrlSitemap):
    changefreq = "daily"

    def items(self):
        return (
            ArticlePage.objects.published()
            .descendant_of(self.site.root_page)
            .defer_streamfields()
            .select_related(None)
        )

    def lastmod(self, article):
        return article.date_modified


def _site_or_404(request) -> Site:
    site = Site.find_for_request(request)
    if site is None:
        raise Http404
    return site


def sitemap_view(request):
    """/sitemap.xml: every public page of the site, with its last modification."""
    site = _site_or_404(request)
    with translation.override(content_language()):
        response = sitemap(
            request,
            {"sections": SectionSitemap(site, request), "articles": ArticleSitemap(site, request)},
        )
        response.render()
    return response


def news_articles(site: Site, now=None):
    """Articles for the News sitemap: published in the last 48 hours, newest first, capped."""
    now = now or timezone.now()
    return (
        ArticlePage.objects.published()
        .descendant_of(site.root_page)
        .filter(date_published__gt=now - NEWS_SITEMAP_WINDOW, date_published__lte=now)
        .defer_streamfields()
        .select_related(None)[:NEWS_SITEMAP_LIMIT]
    )


def news_sitemap_view(request):
    """/news-sitemap.xml in Google News format: publication name and language, date, title."""
    site = _site_or_404(request)
    chrome = chrome_for(request)
    response = HttpResponse(content_type="application/xml; charset=utf-8")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    xml = SimplerXMLGenerator(response, "utf-8", short_empty_elements=True)
    xml.startDocument()
    xml.startElement("urlset", {"xmlns": SITEMAP_NS, "xmlns:news": NEWS_NS})
    for article in news_articles(site):
        xml.startElement("url", {})
        xml.addQuickElement("loc", page_url(article, request))
        xml.addQuickElement("lastmod", iso_datetime(article.date_modified))
        xml.startElement("news:news", {})
        xml.startElement("news:publication", {})
        xml.addQuickElement("news:name", chrome.site_name)
        xml.addQuickElement("news:language", content_language())
        xml.endElement("news:publication")
        xml.addQuickElement("news:publication_date", iso_datetime(article.date_published))
        xml.addQuickElement("news:title", article.title)
        xml.endElement("news:news")
        xml.endElement("url")
    xml.endElement("urlset")
    return response


def robots_txt(request):
    """/robots.txt: everything but the admin may be crawled; where the sitemaps are."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "",
        f"Sitemap: {absolute_url('/sitemap.xml')}",
        f"Sitemap: {absolute_url('/news-sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
