"""Demo content for a fresh Edicola: the Lumio Italia site, its authors, articles and pictures.

`seed()` builds what is missing and leaves everything that exists alone, so it can run on every
start: pages are found by slug, site settings are filled only where still empty or default, and
an editor's changes survive. `warm()` renders every public page once so the image renditions the
templates ask for exist before the first reader arrives. `ensure_admin()` creates the `admin`
login on first run and remembers its generated password in the data directory.
"""

import io
import os
import secrets
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.files.images import ImageFile
from django.db import transaction
from django.http.request import validate_host
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from wagtail.images.models import Image
from wagtail.models import Collection, Page, Site
from wagtail.rich_text import RichText

from edicola.core.models import SiteSettings
from edicola.news.models import (
    ArticleAuthor,
    ArticlePage,
    ArticleTag,
    AuthorIndexPage,
    AuthorPage,
    CategoryPage,
    HomePage,
)

from . import content, images
from .content import REFERENCE_ARTICLE_SLUG

__all__ = ["REFERENCE_ARTICLE_SLUG", "SeedReport", "ensure_admin", "seed", "warm"]

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_FILE = "admin-password.txt"
COLLECTION_NAME = "Demo"


@dataclass
class SeedReport:
    """What a seed run created (by kind) and the home page it worked on."""

    home: HomePage
    created: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class AdminLogin:
    username: str
    password: str | None
    created: bool
    password_file: Path


@dataclass(frozen=True)
class WarmReport:
    pages: int
    failures: tuple[tuple[str, int], ...]
    seconds: float


def seed() -> SeedReport:
    """Create whatever part of the demo site is missing, in one transaction."""
    with transaction.atomic():
        builder = _Builder()
        builder.build()
    return builder.report


class _Builder:
    def __init__(self):
        self.now = timezone.now()
        self.created: Counter = Counter()
        self._collection: Collection | None = None

    @property
    def report(self) -> SeedReport:
        return SeedReport(home=self.home, created=self.created)

    def build(self) -> None:
        self.home, site = self._home_and_site()
        self._site_settings(site)
        categories = {c.slug: self._category(c) for c in content.CATEGORIES}
        index = self._author_index()
        authors = {a.slug: self._author(index, a) for a in content.AUTHORS}
        for article in content.ARTICLES:
            if not ArticlePage.objects.filter(slug=article.slug).exists():
                self._article(article, categories[article.category], authors)

    # Pages ------------------------------------------------------------------------------------

    def _publish(self, parent: Page, page: Page, kind: str) -> Page:
        parent.add_child(instance=page)
        page.save_revision().publish()
        self.created[kind] += 1
        return page

    def _home_and_site(self) -> tuple[HomePage, Site]:
        """The home page at the root of the default site, replacing Wagtail's welcome page."""
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
        home = None
        if site is not None and isinstance(site.root_page.specific, HomePage):
            home = site.root_page.specific
        home = home or HomePage.objects.first()
        if home is None:
            root = Page.get_first_root_node()
            taken = Page.objects.child_of(root).filter(slug="home").exists()
            home = HomePage(
                title="Home",
                slug="lumio-italia" if taken else "home",
                intro=content.TAGLINE,
            )
            self._publish(root, home, "home page")
        if site is None:
            site = Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name=content.SITE_NAME,
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.site_name = site.site_name or content.SITE_NAME
            site.save()
        self._remove_welcome_page()
        return home, site

    def _remove_welcome_page(self) -> None:
        """Delete the placeholder page Wagtail's first migration makes, once nothing uses it."""
        plain_page = ContentType.objects.get_for_model(Page)
        for page in Page.objects.filter(depth=2, content_type=plain_page, numchild=0):
            if not Site.objects.filter(root_page=page).exists():
                page.delete()

    def _site_settings(self, site: Site) -> None:
        """Fill the site settings still empty or at their default; never overwrite an edit."""
        site_settings = SiteSettings.for_site(site)
        default_name = SiteSettings._meta.get_field("site_name").default
        changed = False
        for name, value in (
            ("site_name", content.SITE_NAME),
            ("tagline", content.TAGLINE),
            ("whatsapp_url", content.WHATSAPP_URL),
            ("telegram_url", content.TELEGRAM_URL),
        ):
            current = getattr(site_settings, name)
            if not current or (name == "site_name" and current == default_name):
                setattr(site_settings, name, value)
                changed = True
        if site_settings.logo_id is None:
            site_settings.logo = self._image(
                f"Logo {content.SITE_NAME}",
                content.SITE_NAME,
                images.logo(content.SITE_NAME),
                "logo.png",
            )
            changed = True
        if changed:
            site_settings.save()
            self.created["site settings"] += 1

    def _category(self, category: content.Category) -> CategoryPage:
        page = CategoryPage.objects.child_of(self.home).filter(slug=category.slug).first()
        if page is None:
            page = CategoryPage(title=category.title, slug=category.slug, intro=category.intro)
            self._publish(self.home, page, "categories")
        return page

    def _author_index(self) -> AuthorIndexPage:
        page = AuthorIndexPage.objects.child_of(self.home).first()
        if page is None:
            page = AuthorIndexPage(title="Autori", slug="autori")
            self._publish(self.home, page, "author index")
        return page

    def _author(self, index: AuthorIndexPage, author: content.Author) -> AuthorPage:
        page = AuthorPage.objects.filter(slug=author.slug).first()
        if page is None:
            avatar = self._image(
                author.name,
                author.name,
                images.avatar(author.initials, *author.colors),
                f"avatar-{author.slug}.jpg",
            )
            page = AuthorPage(
                title=author.name,
                slug=author.slug,
                role=author.role,
                bio=author.bio,
                avatar=avatar,
                **author.links,
            )
            self._publish(index, page, "authors")
        return page

    def _article(self, article: content.Article, category: CategoryPage, authors) -> None:
        hero = self._picture(article.hero, f"{article.slug}.jpg")
        updated = article.updated_hours_ago
        page = ArticlePage(
            title=article.title,
            slug=article.slug,
            standfirst=article.standfirst,
            date_published=self.now - timedelta(hours=article.hours_ago),
            date_updated=None if updated is None else self.now - timedelta(hours=updated),
            hero_image=hero,
            hero_caption=article.hero_caption,
            body=[
                self._block(kind, value, f"{article.slug}-{number}")
                for number, (kind, value) in enumerate(article.body, start=1)
            ],
        )
        for slug in article.authors:
            page.article_authors.add(ArticleAuthor(author=authors[slug]))
        page.tags.add(*article.tags)
        self._publish(category, page, "articles")

    def _block(self, kind: str, value, name: str):
        if kind == "paragraph":
            return ("paragraph", RichText(f"<p>{escape(value)}</p>"))
        if kind == "image":
            value = dict(value)
            value["image"] = self._picture(value.pop("picture"), f"{name}.jpg")
            return ("image", value)
        if kind == "related":
            pages = ArticlePage.objects.filter(slug__in=value["slugs"])
            by_slug = {page.slug: page for page in pages}
            related = [by_slug[slug] for slug in value["slugs"] if slug in by_slug]
            return ("related", {"title": value["title"], "articles": related})
        return (kind, value)

    # Images -----------------------------------------------------------------------------------

    def _picture(self, picture: images.Picture, filename: str) -> Image:
        return self._image(
            picture.description, picture.description, images.photo(picture), filename
        )

    def _image(self, title: str, description: str, data: bytes, filename: str) -> Image:
        width, height = images.size_of(data)
        image = Image(
            title=title[:255],
            description=description[:255],
            collection=self.collection,
            width=width,  # known up front, so saving does not decode the whole picture again
            height=height,
        )
        image.file = ImageFile(io.BytesIO(data), name=filename)
        image.save()
        self.created["images"] += 1
        return image

    @property
    def collection(self) -> Collection:
        if self._collection is None:
            root = Collection.get_first_root_node()
            found = root.get_children().filter(name=COLLECTION_NAME).first()
            self._collection = found or root.add_child(name=COLLECTION_NAME)
        return self._collection


def warm(site: Site | None = None) -> WarmReport:
    """Render every public page (and the listings and feeds) once, creating image renditions.

    Uses Django's test client in-process, so it needs no running server. Returns the number of
    pages rendered and any that did not answer 200.
    """
    site = site or Site.objects.get(is_default_site=True)
    host = _client_host(site)
    home = site.root_page
    paths = []
    for page in Page.objects.live().public().descendant_of(home, inclusive=True).specific():
        parts = page.get_url_parts()
        if parts:
            paths.append(parts[2])
    tag_slugs = ArticleTag.objects.values_list("tag__slug", flat=True).distinct().order_by()
    paths += [reverse("tag", args=[slug]) for slug in sorted(set(tag_slugs))]
    paths += [reverse("feed"), reverse("sitemap"), reverse("news-sitemap")]
    client = Client(raise_request_exception=False)
    # A session cookie keeps these renders out of the anonymous page cache: they exist only for
    # their side effect (renditions), and their host differs from what readers will send.
    client.cookies[settings.SESSION_COOKIE_NAME] = "warm-up"
    secure = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    started = time.monotonic()
    failures = []
    with _static_urls_without_manifest():
        for path in paths:
            response = client.get(path, HTTP_HOST=host, secure=secure)
            if response.status_code != 200:
                failures.append((path, response.status_code))
    return WarmReport(len(paths), tuple(failures), time.monotonic() - started)


def _static_urls_without_manifest():
    """Plain static URLs while warming if `collectstatic` has not written its manifest yet.

    The pages rendered here are thrown away, so their static links need not be hashed; without
    this, a manifest storage would fail every render before `collectstatic` has run.
    """
    if isinstance(staticfiles_storage, ManifestFilesMixin) and not (
        staticfiles_storage.hashed_files
    ):
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        return override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain})
    return nullcontext()


def _client_host(site: Site) -> str:
    candidates = [site.hostname, "localhost", "127.0.0.1"]
    candidates += [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    for host in candidates:
        if validate_host(host, settings.ALLOWED_HOSTS):
            return host
    return site.hostname


def ensure_admin() -> AdminLogin:
    """The `admin` superuser: created with a random password on first run, never reset.

    The password is written to DATA_DIR/admin-password.txt (mode 600) so later runs can show it.
    """
    password_file = Path(settings.DATA_DIR) / ADMIN_PASSWORD_FILE
    User = get_user_model()
    if User.objects.filter(username=ADMIN_USERNAME).exists():
        password = None
        if password_file.exists():
            password = password_file.read_text().strip() or None
        return AdminLogin(ADMIN_USERNAME, password, False, password_file)
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser(ADMIN_USERNAME, "admin@example.org", password)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
    os.chmod(password_file, 0o600)
    return AdminLogin(ADMIN_USERNAME, password, True, password_file)
