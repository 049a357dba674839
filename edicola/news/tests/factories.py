"""Builders for a small news site: a home page with categories, authors and articles."""

import io
import itertools
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Page, Site

from edicola.core.models import SiteSettings
from edicola.news.models import (
    ArticleAuthor,
    ArticlePage,
    AuthorIndexPage,
    AuthorPage,
    CategoryPage,
    HomePage,
)

_counter = itertools.count(1)


def make_image(title: str = "Foto", size: tuple[int, int] = (2000, 1500), color=(40, 90, 160)):
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "JPEG", quality=70)
    image = Image(title=title, description=title)
    image.file = ImageFile(io.BytesIO(buffer.getvalue()), name=f"img-{next(_counter)}.jpg")
    image.save()
    return image


def make_site(site_name: str = "Edicola Test") -> HomePage:
    """A site whose root is a fresh HomePage, with site settings and an authors index."""
    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Home", slug=f"home-{next(_counter)}"))
    Site.objects.all().delete()
    site = Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    SiteSettings.objects.update_or_create(
        site=site,
        defaults={
            "site_name": site_name,
            "whatsapp_url": "https://whatsapp.com/channel/test",
            "telegram_url": "https://t.me/test",
        },
    )
    home.add_child(instance=AuthorIndexPage(title="Autori", slug="autori"))
    return home


def make_category(home: HomePage, title: str = "Smartphone", slug: str | None = None):
    return home.add_child(instance=CategoryPage(title=title, slug=slug or title.lower()))


def make_author(home: HomePage, name: str = "Giulia Rossi", **fields) -> AuthorPage:
    index = AuthorIndexPage.objects.child_of(home).first()
    fields.setdefault("bio", "Scrivo di telefoni da dieci anni.")
    return index.add_child(instance=AuthorPage(title=name, **fields))


def make_article(
    category: CategoryPage,
    title: str = "Un nuovo telefono",
    *,
    authors: list[AuthorPage] = (),
    body=None,
    published_ago: timedelta = timedelta(hours=1),
    hero_image=None,
    tags: list[str] = (),
    **fields,
) -> ArticlePage:
    fields.setdefault("standfirst", "Una breve sintesi dell'articolo.")
    fields.setdefault("date_published", timezone.now() - published_ago)
    article = ArticlePage(
        title=title,
        slug=fields.pop("slug", f"articolo-{next(_counter)}"),
        hero_image=hero_image,
        body=body or [("paragraph", "<p>Testo del primo paragrafo.</p>")],
        **fields,
    )
    for author in authors:
        article.article_authors.add(ArticleAuthor(author=author))
    for tag in tags:
        article.tags.add(tag)
    category.add_child(instance=article)
    article.save_revision().publish()
    return article
