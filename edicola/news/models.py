"""Page types of a news site and the one "published articles" queryset every listing starts from.

Tree: HomePage → CategoryPage → ArticlePage, HomePage → AuthorIndexPage → AuthorPage, and
HomePage → StandardPage (→ StandardPage): pages outside the news flow ("Chi siamo", imported
WordPress pages). Categories stay one level deep in the tree; a category may name a parent
category (kept from an imported site), and its page lists its subcategories.
Tag listings (/tag/<slug>/) and search live in views.py.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, Paginator
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page, PageManager, PageQuerySet
from wagtail.search import index
from wagtail.url_routing import RouteResult

from .blocks import ArticleBodyBlock
from .search import index_query, stem_text

LISTING_PAGE_SIZE = 12


def page_of(request, items, per_page: int = LISTING_PAGE_SIZE):
    """The page of `items` asked for by ?page=; a non-number means the first, past the end 404."""
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    try:
        return Paginator(items, per_page).page(number)
    except EmptyPage as error:
        raise Http404 from error


class ArticleQuerySet(PageQuerySet):
    def published(self):
        """Articles readers may see, newest first, with what listings show already joined.

        The one rule of visibility: every listing, feed, sitemap, search and the discussion's
        endpoints start from here (live, not expired, no view restriction)."""
        return self.live().public().select_related("hero_image").order_by("-date_published", "-pk")

    def visible(self, article_id):
        """The published article with this id, or None (a malformed id is no article)."""
        try:
            pk = int(article_id)
        except (TypeError, ValueError):
            return None
        return self.published().filter(pk=pk).first()

    def is_visible(self, article) -> bool:
        """Whether readers may see `article` now (one query; False for an unsaved page)."""
        if getattr(article, "pk", None) is None or not getattr(article, "live", False):
            return False
        return self.published().filter(pk=article.pk).exists()

    def matching(self, query: str):
        """Published articles matching every word of `query` (stemmed), best match first."""
        terms = index_query(query)
        if not terms:
            return []
        return self.published().search(terms, operator="and")

    def with_listing_data(self):
        return self.select_related("discussion").prefetch_related(
            models.Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            )
        )


ArticleManager = PageManager.from_queryset(ArticleQuerySet)


def site_sections(site) -> list[tuple[str, str]]:
    """The site's category pages as navigation sections (registered with core.chrome)."""
    return [
        (page.title, page.get_url())
        for page in CategoryPage.objects.live()
        .public()
        .descendant_of(site.root_page)
        .order_by("path")
    ]


class HomePage(Page):
    intro = models.CharField(_("intro"), max_length=250, blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["news.CategoryPage", "news.AuthorIndexPage", "news.StandardPage"]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find an article (/<category>/<slug>/) in one query; other paths route as usual."""
        if len(path_components) == 2:
            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            article = (
                ArticlePage.objects.live()
                .select_related("hero_image")
                .filter(url_path=url_path)
                .first()
            )
            if article is not None:
                return RouteResult(article)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        published = ArticlePage.objects.published().descendant_of(self).with_listing_data()
        # Featured articles (sticky posts of an imported site) come first, newest first.
        featured = list(published.filter(is_featured=True)[:7])
        latest = featured + list(published.exclude(is_featured=True)[: 7 - len(featured)])
        context["lead"] = latest[:1]
        context["latest"] = latest[1:]
        shown = {article.pk for article in latest}
        sections = []
        for category in CategoryPage.objects.live().public().child_of(self):
            articles = [
                article
                for article in ArticlePage.objects.published()
                .child_of(category)
                .exclude(pk__in=shown)
                .with_listing_data()[:4]
            ]
            if articles:
                sections.append((category, articles))
        context["sections"] = sections
        return context


def reserved_slugs() -> set[str]:
    """First path segments the site's own URLs use (/offerte/, /commenti/, /en/, …): a category
    with one of these slugs would be unreachable."""
    from django.urls import URLResolver, get_resolver

    taken = {code for code, _name in settings.LANGUAGES}

    def walk(patterns):
        for pattern in patterns:
            prefix = str(pattern.pattern).lstrip("^")
            if isinstance(pattern, URLResolver) and prefix in ("", "en/", "it/"):
                if not getattr(pattern, "app_name", None) == "wagtail_serve":
                    walk(pattern.url_patterns)
                continue
            segment = prefix.split("/", 1)[0]
            if segment and "<" not in segment and "(" not in segment:
                taken.add(segment)

    walk(get_resolver().url_patterns)
    return taken


class CategoryPage(Page):
    intro = models.TextField(_("intro"), max_length=500, blank=True)
    parent_category = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subcategories",
        help_text=_("Shown as a section of that category; the address stays its own."),
    )

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("parent_category")]
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.ArticlePage"]
    search_fields = Page.search_fields + [index.SearchField("intro")]

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def clean(self):
        super().clean()
        if self.slug in reserved_slugs():
            raise ValidationError(
                {
                    "slug": _("“%(slug)s” is already a section of the site; choose another slug.")
                    % {"slug": self.slug}
                }
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.published().child_of(self).with_listing_data()
        context["articles"] = page_of(request, articles)
        context["subcategories"] = (
            CategoryPage.objects.live().public().filter(parent_category=self).order_by("title")
        )
        return context


class FirstPublicationDate(models.Model):
    """The date readers see as "published": the editor's, or else the first publication's.

    It stays empty while a page is a draft (a scheduled page is dated when it goes live, not when
    its form was opened); the first save as live fills it from `first_published_at`."""

    date_published = models.DateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        help_text=_("Empty: the date of the first publication."),
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # A partial save (a draft revision of a live page) leaves the live date alone.
        if self.live and self.date_published is None and kwargs.get("update_fields") is None:
            self.date_published = self.first_published_at or timezone.now()
        return super().save(*args, **kwargs)

    @property
    def shown_date(self):
        """The publication date to print: a draft's preview shows when it would go out (now)."""
        return self.date_published or self.first_published_at or timezone.now()


class StandardPage(FirstPublicationDate, Page):  # noqa: DJ008 - Page gives __str__
    """A page outside the news flow: about us, contacts, an imported WordPress page."""

    standfirst = models.TextField(_("standfirst"), max_length=320, blank=True)
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"), blank=True)
    date_updated = models.DateTimeField(_("last update"), null=True, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("standfirst"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("date_published"), FieldPanel("date_updated")], _("Dates")),
    ]
    parent_page_types = ["news.HomePage", "news.StandardPage"]
    subpage_types = ["news.StandardPage"]
    search_fields = Page.search_fields + [
        index.SearchField("standfirst"),
        index.SearchField("body"),
    ]

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")


class AuthorIndexPage(Page):
    parent_page_types = ["news.HomePage"]
    subpage_types = ["news.AuthorPage"]
    max_count = 1

    class Meta:
        verbose_name = _("authors index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["authors"] = (
            AuthorPage.objects.live().public().child_of(self).select_related("avatar")
        )
        return context


class AuthorPage(Page):
    avatar = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("avatar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=80, blank=True)
    bio = models.TextField(_("biography"), max_length=1000, blank=True)
    website_url = models.URLField(_("website"), blank=True)
    x_url = models.URLField(_("X (Twitter)"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_page",
        help_text=_(
            "The account this author comments with; their comments carry the Author badge."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("avatar"),
        FieldPanel("role"),
        FieldPanel("bio"),
        MultiFieldPanel(
            [
                FieldPanel("website_url"),
                FieldPanel("x_url"),
                FieldPanel("instagram_url"),
                FieldPanel("linkedin_url"),
            ],
            _("Social links"),
        ),
        FieldPanel("user"),
    ]
    parent_page_types = ["news.AuthorIndexPage"]
    subpage_types: list[str] = []
    search_fields = Page.search_fields + [index.SearchField("bio")]

    class Meta:
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    @property
    def name(self) -> str:
        return self.title

    @property
    def social_links(self) -> list[tuple[str, str]]:
        links = [
            (_("Website"), self.website_url),
            ("X", self.x_url),
            ("Instagram", self.instagram_url),
            ("LinkedIn", self.linkedin_url),
        ]
        return [(label, url) for label, url in links if url]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        articles = ArticlePage.objects.published().filter(article_authors__author=self)
        context["articles"] = page_of(request, articles.with_listing_data())
        return context


class ArticleTag(TaggedItemBase):
    content_object = ParentalKey(
        "news.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticleAuthor(Orderable):
    article = ParentalKey(
        "news.ArticlePage", related_name="article_authors", on_delete=models.CASCADE
    )
    author = models.ForeignKey(
        AuthorPage, verbose_name=_("author"), related_name="+", on_delete=models.CASCADE
    )

    panels = [PageChooserPanel("author")]

    class Meta(Orderable.Meta):
        verbose_name = _("author")
        verbose_name_plural = _("authors")


class ArticlePage(FirstPublicationDate, Page):  # noqa: DJ008 - Page gives __str__
    standfirst = models.TextField(
        _("standfirst"),
        max_length=320,
        help_text=_("One or two sentences under the headline; also the search-engine summary."),
    )
    date_updated = models.DateTimeField(_("last update"), null=True, blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("main image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hero_caption = models.CharField(_("main image caption"), max_length=250, blank=True)
    is_featured = models.BooleanField(
        _("featured on the home page"),
        default=False,
        help_text=_("Featured articles lead the home page, newest first."),
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticleTag, blank=True, verbose_name=_("tags"))

    objects = ArticleManager()

    content_panels = Page.content_panels + [
        FieldPanel("standfirst"),
        InlinePanel("article_authors", label=_("Authors"), min_num=1),
        MultiFieldPanel([FieldPanel("date_published"), FieldPanel("date_updated")], _("Dates")),
        MultiFieldPanel([FieldPanel("hero_image"), FieldPanel("hero_caption")], _("Main image")),
        FieldPanel("is_featured"),
        FieldPanel("body"),
        FieldPanel("tags"),
    ]
    parent_page_types = ["news.CategoryPage"]
    subpage_types: list[str] = []
    search_fields = Page.search_fields + [
        index.SearchField("standfirst"),
        index.SearchField("body"),
        index.SearchField("stemmed_text"),
        index.FilterField("date_published"),
    ]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @cached_property
    def authors(self) -> list[AuthorPage]:
        links = self.article_authors.all()
        if "article_authors" not in getattr(self, "_prefetched_objects_cache", {}):
            links = links.select_related("author__avatar")
        return [link.author for link in links]

    @cached_property
    def category(self) -> "CategoryPage | None":
        return CategoryPage.objects.filter(path=self.path[: -self.steplen]).first()

    @property
    def comment_count(self) -> int:
        """Published comments, from the discussion row (joined by with_listing_data)."""
        try:
            return self.discussion.comment_count
        except ObjectDoesNotExist:
            return 0

    @property
    def has_embeds(self) -> bool:
        return any(block.block_type == "embed" for block in self.body)

    @property
    def date_modified(self):
        return self.date_updated or self.shown_date

    def plain_text(self) -> str:
        """The body as plain text (entities decoded: "dall'acquisto", not "dall&#x27;acquisto"),
        for search and for readers of summaries; whoever puts it in HTML escapes it, once."""
        from html import unescape

        from django.utils.html import strip_tags

        from .blocks import clean_body_html

        def words(html: str) -> str:
            return " ".join(unescape(strip_tags(html.replace("<", " <"))).split())

        parts = []
        for block in self.body:
            value = block.value
            if block.block_type == "paragraph":
                parts.append(unescape(strip_tags(value.source)))
            elif block.block_type == "list":
                parts.append(words(value.source))
            elif block.block_type == "heading":
                parts.append(value["text"])
            elif block.block_type == "quote":
                parts.append(value["quote"])
            elif block.block_type == "image":
                parts.append(value["caption"])
            elif block.block_type == "gallery":
                parts.extend(item["caption"] for item in value["images"])
                parts.append(value["caption"])
            elif block.block_type == "media":
                parts.append(value["caption"])
            elif block.block_type == "document":
                parts.append(value["title"] or getattr(value["document"], "title", ""))
            elif block.block_type == "html":
                parts.append(words(clean_body_html(str(value))))
            elif block.block_type == "feedback":
                parts.append(value["passage"])
        return "\n".join(part for part in parts if part)

    def stemmed_text(self) -> str:
        return stem_text(f"{self.title}\n{self.standfirst}\n{self.plain_text()}")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["category"] = self.category
        return context
