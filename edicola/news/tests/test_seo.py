"""Search and social metadata as crawlers read it: head tags parsed from the served HTML, and
JSON-LD and OpenGraph extracted by extruct, checked field by field."""

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import extruct
import lxml.html
import pytest
from django.core.paginator import Paginator
from django.test import RequestFactory
from PIL import Image as PILImage

from edicola.core.chrome import chrome_for
from edicola.core.models import SiteSettings
from edicola.news.models import ArticlePage
from edicola.news.seo import build_page_meta
from edicola.news.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_image,
    make_site,
)

BASE_URL = "https://www.edicola.test"
HOSTILE_HEADLINE = 'Titolo </script><script>alert(1)</script> & "virgolette"'


@pytest.fixture
def news(db, settings):
    settings.BASE_URL = BASE_URL
    home = make_site("Edicola Prova")
    SiteSettings.objects.filter(site__root_page=home).update(
        logo=make_image("Logo", (600, 200)), tagline="Notizie sui telefoni, ogni giorno"
    )
    category = make_category(home, "Smartphone")
    author = make_author(
        home,
        "Giulia Rossi",
        avatar=make_image("Giulia", (400, 400)),
        role="Caporedattrice",
        bio="Scrivo di telefoni da dieci anni.",
        x_url="https://x.com/giuliarossi",
        linkedin_url="https://www.linkedin.com/in/giuliarossi",
    )
    second_author = make_author(home, "Marco Bianchi")
    article = make_article(
        category,
        "Il nuovo telefono «costerà meno del precedente»",
        authors=[author, second_author],
        hero_image=make_image("Il telefono di fronte", (2000, 1500)),
        hero_caption="Il telefono presentato a Milano.",
        standfirst="La casa conferma prezzo e data di uscita del nuovo modello.",
        tags=["prezzi"],
    )
    return SimpleNamespace(
        home=home, category=category, author=author, second_author=second_author, article=article
    )


def get_html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def head_tags(html: str) -> SimpleNamespace:
    """<title>, <meta name/property> and <link rel> of a page's head, as plain values."""
    head = lxml.html.fromstring(html).find("head")
    meta: dict[str, list[str]] = {}
    for element in head.iter("meta"):
        key = element.get("name") or element.get("property")
        if key:
            meta.setdefault(key, []).append(element.get("content"))
    links = [(el.get("rel"), el.get("hreflang"), el.get("href")) for el in head.iter("link")]
    titles = [element.text_content() for element in head.iter("title")]
    return SimpleNamespace(titles=titles, meta=meta, links=links)


def json_ld(html: str, schema_type: str) -> list[dict]:
    data = extruct.extract(html, base_url=BASE_URL, syntaxes=["json-ld"])["json-ld"]
    return [item for item in data if item.get("@type") == schema_type]


def opengraph(html: str) -> dict[str, str]:
    data = extruct.extract(html, base_url=BASE_URL, syntaxes=["opengraph"])["opengraph"]
    assert len(data) == 1
    return dict(data[0]["properties"])


def media_file(url: str, settings) -> Path:
    path = urlsplit(url).path.removeprefix(settings.MEDIA_URL)
    return Path(settings.MEDIA_ROOT) / path


def test_article_head_has_title_description_canonical_and_robots(client, news):
    head = head_tags(get_html(client, news.article.url))

    assert head.titles == [f"{news.article.title} · Edicola Prova"]
    assert head.meta["description"] == [news.article.standfirst]
    assert head.meta["robots"] == ["index, follow, max-image-preview:large"]
    canonical = [href for rel, _lang, href in head.links if rel == "canonical"]
    assert canonical == [BASE_URL + news.article.url]


def test_article_social_preview_is_a_large_image_card(client, news, settings):
    html = get_html(client, news.article.url)
    og = opengraph(html)
    meta = head_tags(html).meta

    assert og["og:type"] == "article"
    assert og["og:title"] == news.article.title
    assert og["og:description"] == news.article.standfirst
    assert og["og:url"] == BASE_URL + news.article.url
    assert og["og:site_name"] == "Edicola Prova"
    assert og["og:locale"] == "it_IT"
    assert og["og:image"].startswith(BASE_URL + "/media/")
    assert (og["og:image:width"], og["og:image:height"]) == ("1200", "675")
    assert og["og:image:alt"] == "Il telefono presentato a Milano."
    with PILImage.open(media_file(og["og:image"], settings)) as image:
        assert image.size == (1200, 675)
    assert meta["twitter:card"] == ["summary_large_image"]
    assert meta["twitter:image"] == [og["og:image"]]
    assert meta["article:author"] == [BASE_URL + news.author.url, BASE_URL + news.second_author.url]


def test_english_page_is_canonical_to_the_italian_one_and_lists_both_languages(client, news):
    path = news.article.url
    head = head_tags(get_html(client, "/en" + path))

    canonical = [href for rel, _lang, href in head.links if rel == "canonical"]
    alternates = {lang: href for rel, lang, href in head.links if rel == "alternate" and lang}
    assert canonical == [BASE_URL + path]
    assert alternates == {
        "it": BASE_URL + path,
        "en": BASE_URL + "/en" + path,
        "x-default": BASE_URL + path,
    }


def test_news_article_json_ld_has_every_field_google_asks_for(client, news, settings):
    html = get_html(client, news.article.url)
    [article] = json_ld(html, "NewsArticle")

    assert article["@context"] == "https://schema.org"
    assert article["headline"] == news.article.title
    assert article["description"] == news.article.standfirst
    assert article["mainEntityOfPage"] == {"@type": "WebPage", "@id": BASE_URL + news.article.url}
    ratios = []
    for image in article["image"]:
        assert image["url"].startswith(BASE_URL + "/media/") and image["url"].endswith(".jpg")
        assert image["width"] >= 1200
        with PILImage.open(media_file(image["url"], settings)) as file:
            assert file.size == (image["width"], image["height"])
        ratios.append(round(image["width"] / image["height"], 3))
    assert ratios == [round(16 / 9, 3), round(4 / 3, 3), 1.0]

    published = datetime.fromisoformat(article["datePublished"])
    modified = datetime.fromisoformat(article["dateModified"])
    assert published.utcoffset() is not None and modified.utcoffset() is not None
    assert published == news.article.date_published.replace(microsecond=0)
    assert modified >= published
    assert article["author"] == [
        {"@type": "Person", "name": "Giulia Rossi", "url": BASE_URL + news.author.url},
        {"@type": "Person", "name": "Marco Bianchi", "url": BASE_URL + news.second_author.url},
    ]
    publisher = article["publisher"]
    assert publisher["@type"] == "Organization"
    assert publisher["name"] == "Edicola Prova"
    assert publisher["logo"]["@type"] == "ImageObject"
    assert publisher["logo"]["url"].startswith(BASE_URL + "/media/")
    with PILImage.open(media_file(publisher["logo"]["url"], settings)) as logo:
        assert logo.size == (publisher["logo"]["width"], publisher["logo"]["height"])


def test_article_breadcrumbs_go_home_category_article(client, news):
    [breadcrumbs] = json_ld(get_html(client, news.article.url), "BreadcrumbList")

    assert [
        (item["position"], item["name"], item["item"]) for item in breadcrumbs["itemListElement"]
    ] == [
        (1, "Home", BASE_URL + "/"),
        (2, "Smartphone", BASE_URL + news.category.url),
        (3, news.article.title, BASE_URL + news.article.url),
    ]


def test_hostile_headline_stays_inside_the_json_ld(client, news):
    news.article.title = HOSTILE_HEADLINE
    news.article.save_revision().publish()

    html = get_html(client, news.article.url)

    assert "<script>alert(1)</script>" not in html
    [article] = json_ld(html, "NewsArticle")
    assert article["headline"] == HOSTILE_HEADLINE
    assert json_ld(html, "BreadcrumbList")[0]["itemListElement"][2]["name"] == HOSTILE_HEADLINE


def test_home_page_describes_the_website_and_its_search(client, news):
    html = get_html(client, news.home.url)
    [website] = json_ld(html, "WebSite")
    head = head_tags(html)

    assert website["name"] == "Edicola Prova"
    assert website["url"] == BASE_URL + "/"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == BASE_URL + "/cerca/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"
    assert head.titles == ["Edicola Prova · Notizie sui telefoni, ogni giorno"]
    assert head.meta["description"] == ["Notizie sui telefoni, ogni giorno"]
    # The lead article's picture is the home page's preview.
    assert head.meta["og:image:width"] == ["1200"]
    assert head.meta["og:type"] == ["website"]
    assert json_ld(html, "NewsArticle") == []


def test_author_page_describes_the_person(client, news):
    html = get_html(client, news.author.url)
    [person] = json_ld(html, "Person")

    assert person["name"] == "Giulia Rossi"
    assert person["url"] == BASE_URL + news.author.url
    assert person["description"] == "Scrivo di telefoni da dieci anni."
    assert person["jobTitle"] == "Caporedattrice"
    assert person["image"]["url"].startswith(BASE_URL + "/media/")
    assert person["sameAs"] == [
        "https://x.com/giuliarossi",
        "https://www.linkedin.com/in/giuliarossi",
    ]
    assert head_tags(html).meta["description"] == ["Scrivo di telefoni da dieci anni."]


def test_category_page_has_its_own_description_and_canonical(client, news):
    head = head_tags(get_html(client, news.category.url))

    assert head.titles == ["Smartphone · Edicola Prova"]
    assert "Smartphone" in head.meta["description"][0]
    assert [h for rel, _l, h in head.links if rel == "canonical"] == [BASE_URL + news.category.url]


def test_search_results_are_not_indexed(client, news):
    head = head_tags(get_html(client, "/cerca/?q=telefono"))

    assert head.meta["robots"] == ["noindex, follow"]
    assert [h for rel, _l, h in head.links if rel == "canonical"] == [BASE_URL + "/cerca/"]
    # The search template's own title (translated) is kept.
    assert "telefono" in head.titles[0] and head.titles[0].endswith(" · Edicola Prova")


def test_tag_listing_keeps_its_title_and_is_indexed(client, news):
    head = head_tags(get_html(client, "/tag/prezzi/"))

    assert "prezzi" in head.titles[0]
    assert head.meta["robots"] == ["index, follow, max-image-preview:large"]
    assert [h for rel, _l, h in head.links if rel == "canonical"] == [BASE_URL + "/tag/prezzi/"]


def test_missing_page_is_not_indexed_and_has_no_canonical(client, news):
    response = client.get("/questa-pagina-non-esiste/")
    head = head_tags(response.content.decode())

    assert response.status_code == 404
    assert head.meta["robots"] == ["noindex, follow"]
    assert [h for rel, _l, h in head.links if rel == "canonical"] == []


def test_article_head_costs_at_most_two_queries_once_renditions_exist(
    news, rf: RequestFactory, django_assert_max_num_queries
):
    def context_for_fresh_article():
        article = ArticlePage.objects.published().get(pk=news.article.pk)
        request = rf.get(news.article.url)
        request.resolver_match = None
        # The article body lists the authors anyway; the head shares what it loads.
        return {
            "request": request,
            "chrome": chrome_for(request),
            "page": article,
            "category": news.category,
        }, article

    context, _ = context_for_fresh_article()
    build_page_meta(context)  # creates the renditions once, as the first reader would
    context, article = context_for_fresh_article()
    article.authors  # noqa: B018 - loaded by the article body in a real render

    with django_assert_max_num_queries(2):
        meta = build_page_meta(context)

    assert meta.image.width == 1200


def test_later_pages_of_a_listing_are_their_own_canonical_url(news, rf: RequestFactory):
    request = rf.get(news.category.url, {"page": "2"})
    request.resolver_match = None
    second_page = Paginator([news.article, news.article], per_page=1).page(2)

    meta = build_page_meta(
        {"request": request, "chrome": chrome_for(request), "page": news.category,
         "articles": second_page}
    )  # fmt: skip

    assert meta.canonical == BASE_URL + news.category.url + "?page=2"
    assert ("en", BASE_URL + "/en" + news.category.url + "?page=2") in meta.alternates
    assert meta.image.width == 1200  # the listing's first picture
