"""Root URLconf: feeds, sitemaps and admin at fixed paths; reader pages Italian at the root and
English under /en/."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from edicola.comments import urls as comment_urls
from edicola.core import health, metrics
from edicola.core import views as core_views
from edicola.deals import urls as deals_urls
from edicola.news import feeds, sitemaps
from edicola.news import views as news_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("manifest.webmanifest", core_views.web_manifest, name="web-manifest"),
    path("sitemap.xml", sitemaps.sitemap_view, name="sitemap"),
    path("news-sitemap.xml", sitemaps.news_sitemap_view, name="news-sitemap"),
    path("robots.txt", sitemaps.robots_txt, name="robots-txt"),
    path("feed/", feeds.LatestArticlesFeed(), name="feed"),
    path("feed/atom/", feeds.LatestArticlesAtomFeed(), name="feed-atom"),
    path("feed/categoria/<slug:slug>/", feeds.CategoryFeed(), name="feed-category"),
    path("feed/autore/<slug:slug>/", feeds.AuthorFeed(), name="feed-author"),
    path("", include(deals_urls.webhook_urlpatterns)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(
    path("cerca/", news_views.search, name="search"),
    path("tag/<slug:slug>/", news_views.tag, name="tag"),
    path("commenti/privacy/", include(comment_urls.privacy_patterns)),
    path("commenti/iscrizioni/", include(comment_urls.subscription_patterns)),
    path("commenti/", include("edicola.comments.urls")),
    path("api/commenti/", include(comment_urls.api_patterns)),
    path("account/", include("edicola.accounts.urls")),
    path("passaggi/", include("edicola.passages.urls")),
    path("", include("edicola.deals.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=False,
)

handler404 = "edicola.core.views.page_not_found"
handler500 = "edicola.core.views.server_error"
