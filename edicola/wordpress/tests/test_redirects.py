"""Old WordPress addresses answer 301 with where their object lives now: ?p= and its kin,
permalinks and their variants, old slugs, category/tag/author archives with their feeds and
pages, uploads with their resized copies, wpDiscuz's unsubscribe links; unknown or hostile
addresses of those shapes get our 404, never a 500. Built from ImportedObject and LegacyPath
rows made here, against real pages, images and documents."""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory
from django.utils import timezone
from taggit.models import Tag
from wagtail.documents.models import Document

from edicola.comments.models import Subscriber, Subscription
from edicola.news.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_image,
    make_site,
)
from edicola.wordpress import oldurls
from edicola.wordpress.middleware import LegacyRedirectMiddleware
from edicola.wordpress.models import ImportedObject, LegacyPath, LegacySite
from edicola.wordpress.records import Author, SiteInfo, Term

pytestmark = pytest.mark.django_db

OLD = "https://www.lumio.example"
SOURCE = "https://www.lumio.example"


def imported(kind, source_id, target, **fields) -> ImportedObject:
    return ImportedObject.objects.create(
        source=SOURCE,
        kind=kind,
        source_id=str(source_id),
        content_type=ContentType.objects.get_for_model(target),
        object_id=str(target.pk),
        **fields,
    )


@pytest.fixture
def site():
    home = make_site()
    category = make_category(home, "Smartphone", "smartphone")
    author = make_author(home, "Giulia Rossi", slug="giulia-rossi")
    article = make_article(
        category, "Lumio X3 alla prova", slug="lumio-x3-alla-prova", authors=[author]
    )
    article.tags.add("batteria")
    article.save_revision().publish()
    oldurls.remember_site(
        SiteInfo(base_url=OLD, permalink_structure="/%year%/%monthnum%/%postname%/")
    )
    post = imported("post", 12, article)
    oldurls.remember(
        post,
        [
            f"{OLD}/2021/03/lumio-x3-alla-prova/",
            f"{OLD}/2021/03/lumio-x3-recensione/",  # its _wp_old_slug
        ],
    )
    category_row = imported("category", 5, category)
    oldurls.remember_term(category_row, Term("5", "category", "smartphone", "Smartphone"))
    author_row = imported("author", 3, author)
    oldurls.remember_author(author_row, Author("3", "giulia.rossi"))
    return {
        "home": home,
        "category": category,
        "author": author,
        "article": article,
        "post": post,
    }


def assert_redirect(response, url: str):
    assert response.status_code == 301, (response.status_code, response.get("Location"))
    assert response["Location"] == url


# -- Query-string addresses ------------------------------------------------------------------------


def test_post_id_on_the_home_page_redirects_to_the_article(client, site):
    assert_redirect(client.get("/?p=12"), site["article"].url)
    assert_redirect(client.get("/index.php?p=12"), site["article"].url)
    assert_redirect(client.get("/?p=012&utm_source=newsletter"), site["article"].url)


def test_a_cached_home_page_does_not_hide_post_ids(client, site):
    assert client.get("/").status_code == 200
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert_redirect(client.get("/?p=12"), site["article"].url)
    assert_redirect(client.get("/?p=12"), site["article"].url)
    assert client.get("/?p=4040").status_code == 404
    assert client.get("/?p=4040").status_code == 404


def test_page_attachment_category_tag_and_author_ids(client, site):
    image = make_image("Lumio X3 di profilo")
    imported("attachment", 40, image)
    assert_redirect(client.get("/?page_id=12"), site["article"].url)
    assert_redirect(client.get("/?attachment_id=40"), image.file.url)
    assert_redirect(client.get("/?cat=5"), site["category"].url)
    assert_redirect(client.get("/?cat=5&paged=3"), site["category"].url + "?page=3")
    assert_redirect(client.get("/?cat=5&feed=rss2"), "/feed/categoria/smartphone/")
    assert_redirect(client.get("/?tag=batteria"), "/tag/batteria/")
    assert_redirect(client.get("/?author=3"), site["author"].url)
    assert_redirect(client.get("/?feed=rss2"), "/feed/")
    assert_redirect(client.get("/?s=batteria+lumio"), "/cerca/?q=batteria+lumio")
    assert_redirect(client.get("/?paged=2"), "/")


def test_post_ids_are_also_accepted_on_old_paths(client, site):
    assert_redirect(client.get("/blog/?p=12"), site["article"].url)
    assert_redirect(client.get("/2021/03/?p=12"), site["article"].url)


@pytest.mark.parametrize(
    "query",
    [
        "p=4040",
        "p=0",
        "p=",
        "p=abc",
        "p=12abc",
        "p=-12",
        "p=1e3",
        "p=%D9%A1%D9%A2",  # Arabic-Indic digits: isdigit() says yes, WordPress says no
        "p=9223372036854775808",  # 2**63
        "p=" + "9" * 400,
        "p=%00",
        "page_id=%F0%9F%93%B1",
        "attachment_id=12%27%20OR%201=1--",
        "cat=-5",
        "cat=abc",
        "tag=",
        "tag=%3Cscript%3E",
        "tag=" + "x" * 5000,
        "author=99999999999999999999999",
    ],
)
def test_unknown_and_hostile_ids_get_our_404(client, site, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 404
    assert "Location" not in response


def test_keys_wordpress_would_not_read_leave_the_home_page_alone(client, site):
    assert client.get("/?p[]=12").status_code == 200
    assert client.get("/?utm_source=x&P=12").status_code == 200


def test_the_admin_keeps_its_own_p_parameter(admin_client, site):
    response = admin_client.get("/admin/?p=12")
    assert response.status_code != 301


# -- Permalinks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/2021/03/lumio-x3-alla-prova/",
        "/2021/03/lumio-x3-alla-prova",
        "/2021/03/Lumio-X3-Alla-Prova/",
        "/2021//03/lumio-x3-alla-prova/",
        "/2021/03/lumio-x3-alla-prova/amp/",
        "/2021/03/lumio-x3-alla-prova/embed/",
        "/2021/03/lumio-x3-alla-prova/2/",
        "/2021/03/lumio-x3-recensione/",  # the old slug, remembered
        "/2019/11/lumio-x3-recensione/",  # the old slug under another date
        "/2021/04/lumio-x3-alla-prova/",  # WordPress answers any date for a slug
    ],
)
def test_permalink_variants_and_old_slugs_redirect_to_the_article(client, site, path):
    assert_redirect(client.get(path), site["article"].url)


def test_comment_pages_and_the_post_feed_go_to_the_discussion(client, site):
    url = site["article"].url + "#commenti"
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/comment-page-2/"), url)
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/feed/"), url)
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/feed/atom/"), url)
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/?cpage=2&p=12"), url)


def test_percent_encoded_slugs_match_however_they_are_written(client, site):
    home = site["home"]
    category = make_category(home, "Tablet", "tablet")
    article = make_article(category, "Perché il Lumio Pad", slug="perche-il-lumio-pad")
    row = imported("post", 30, article)
    oldurls.remember(row, [f"{OLD}/2022/01/perch%c3%a9-il-lumio-pad/"])  # as WordPress prints
    assert_redirect(client.get("/2022/01/perch%C3%A9-il-lumio-pad/"), article.url)
    assert_redirect(client.get("/2022/01/perché-il-lumio-pad"), article.url)
    assert_redirect(client.get("/2022/01/PERCH%C3%89-IL-LUMIO-PAD/"), article.url)


def test_the_redirect_follows_the_article_to_its_current_address(client, site):
    article = site["article"]
    article.slug = "lumio-x3-prova-completa"
    article.save_revision().publish()
    article.refresh_from_db()
    assert article.url.endswith("/lumio-x3-prova-completa/")
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/"), article.url)
    assert_redirect(client.get("/?p=12"), article.url)


def test_an_unpublished_target_is_not_found(client, site):
    site["article"].unpublish()
    assert client.get("/2021/03/lumio-x3-alla-prova/").status_code == 404
    assert client.get("/?p=12").status_code == 404


def test_structure_is_inferred_from_the_links_when_the_source_does_not_say_it(client, site):
    LegacySite.objects.all().delete()
    oldurls.remember_site(SiteInfo(base_url=OLD, wxr_version="1.2"))
    home = site["home"]
    tablet = make_category(home, "Tablet", "tablet")
    first = make_article(tablet, "Lumio Pad 2", slug="lumio-pad-2")
    second = make_article(site["category"], "Lumio X4", slug="lumio-x4")
    oldurls.remember(imported("post", 31, first), [f"{OLD}/tablet/lumio-pad-2/"])
    oldurls.remember(
        imported("post", 32, second), [f"{OLD}/smartphone/lumio-x4/", f"{OLD}/smartphone/x4/"]
    )
    legacy = LegacySite.objects.get()
    assert legacy.permalink_structure == "/%category%/%postname%/"
    assert legacy.structure_inferred
    assert_redirect(client.get("/tablet/lumio-pad-2/feed/"), first.url + "#commenti")
    assert_redirect(client.get("/notizie/x4/"), second.url)  # old slug, another category


def test_numeric_permalinks_resolve_by_post_id(client, site):
    LegacySite.objects.update(permalink_structure="/archives/%post_id%")
    assert_redirect(client.get("/archives/12"), site["article"].url)
    assert_redirect(client.get("/archives/12/comment-page-1/"), site["article"].url + "#commenti")
    assert client.get("/archives/4040/").status_code == 404
    assert client.get("/archives/" + "9" * 30 + "/").status_code == 404


def test_a_site_that_lived_in_a_subdirectory(client, site):
    LegacySite.objects.all().delete()
    oldurls.remember_site(
        SiteInfo(base_url=f"{OLD}/blog", permalink_structure="/%postname%/", category_base="sez")
    )
    home = site["home"]
    article = make_article(site["category"], "Lumio Buds", slug="lumio-buds")
    oldurls.remember(imported("post", 50, article), [f"{OLD}/blog/lumio-buds/"])
    assert_redirect(client.get("/blog/lumio-buds/"), article.url)
    assert_redirect(client.get("/blog/sez/smartphone/"), site["category"].url)
    assert_redirect(client.get("/blog/feed/"), "/feed/")
    assert_redirect(client.get("/blog/"), "/")
    assert home.url == "/"


# -- Archives, feeds, paging -----------------------------------------------------------------------


def test_category_archives_nested_paged_and_fed(client, site):
    url = site["category"].url
    assert_redirect(client.get("/category/smartphone/"), url)
    assert_redirect(client.get("/category/mobile/smartphone/"), url)
    assert_redirect(client.get("/category/smartphone/page/2/"), url + "?page=2")
    assert_redirect(client.get("/category/smartphone/page/1/"), url)
    assert_redirect(client.get("/category/smartphone/feed/"), "/feed/categoria/smartphone/")
    assert_redirect(client.get("/category/smartphone/feed/rss2/"), "/feed/categoria/smartphone/")
    assert client.get("/category/non-esiste/").status_code == 404
    assert client.get("/category/non-esiste/feed/").status_code == 404


def test_custom_bases_for_categories_and_tags(client, site):
    oldurls.remember_site(SiteInfo(base_url=OLD, category_base="argomento", tag_base="/etichetta/"))
    assert_redirect(client.get("/argomento/smartphone/"), site["category"].url)
    assert_redirect(client.get("/etichetta/batteria/"), "/tag/batteria/")
    assert_redirect(client.get("/etichetta/batteria/page/3/"), "/tag/batteria/?page=3")


def test_tag_archives(client, site):
    assert client.get("/tag/batteria/").status_code == 200  # the same address here
    assert_redirect(client.get("/tag/batteria/page/2/"), "/tag/batteria/?page=2")
    assert_redirect(client.get("/tag/batteria/feed/"), "/tag/batteria/")
    renamed = Tag.objects.create(name="Autonomia", slug="autonomia")
    row = imported("tag", 9, renamed)
    oldurls.remember_term(row, Term("9", "post_tag", "durata-batteria", "Durata batteria"))
    assert_redirect(client.get("/tag/durata-batteria/"), "/tag/autonomia/")
    assert_redirect(client.get("/?tag=durata-batteria"), "/tag/autonomia/")
    assert client.get("/tag/mai-esistito/page/2/").status_code == 404


def test_author_archives(client, site):
    url = site["author"].url
    assert_redirect(client.get("/author/giulia-rossi/"), url)
    assert_redirect(client.get("/author/giulia-rossi/page/2/"), url + "?page=2")
    assert_redirect(client.get("/author/giulia-rossi/feed/"), "/feed/autore/giulia-rossi/")
    assert client.get("/author/nessuno/").status_code == 404


def test_author_archives_remembered_by_login_answer_by_nicename(client, site):
    other = make_author(site["home"], "Marco Bianchi", slug="marco-b")
    oldurls.remember(imported("author", 4, other), [f"{OLD}/author/Marco.Bianchi/"])
    assert_redirect(client.get("/author/marco-bianchi/"), other.url)
    assert_redirect(client.get("/author/marco.bianchi/"), other.url)


def test_site_feeds_and_home_pages(client, site):
    assert client.get("/feed/").status_code == 200
    assert client.get("/feed/atom/").status_code == 200
    assert_redirect(client.get("/feed/rss2/"), "/feed/")
    assert_redirect(client.get("/feed/rdf/"), "/feed/")
    assert_redirect(client.get("/comments/feed/"), "/feed/")
    assert_redirect(client.get("/page/7/"), "/")


# -- Uploads ---------------------------------------------------------------------------------------


def test_uploads_and_their_resized_copies(client, site):
    image = make_image("Lumio X3", size=(2560, 1920))
    row = imported("attachment", 41, image)
    oldurls.remember(
        row,
        [
            f"{OLD}/wp-content/uploads/2021/03/lumio-x3-scaled.jpg",  # _wp_attached_file
            f"{OLD}/2021/03/lumio-x3-alla-prova/lumio-x3/",  # its attachment page
        ],
    )
    original = image.file.url
    assert_redirect(client.get("/wp-content/uploads/2021/03/lumio-x3-scaled.jpg"), original)
    assert_redirect(client.get("/wp-content/uploads/2021/03/lumio-x3.jpg"), original)
    assert_redirect(client.get("/wp-content/uploads/2021/03/Lumio-X3.JPG"), original)
    assert_redirect(client.get("/2021/03/lumio-x3-alla-prova/lumio-x3/"), original)

    medium = client.get("/wp-content/uploads/2021/03/lumio-x3-300x225.jpg")
    assert medium.status_code == 301
    rendition = image.renditions.get(file=medium["Location"].removeprefix("/media/"))
    assert (rendition.width, rendition.height) == (300, 225)
    thumbnail = client.get("/wp-content/uploads/2021/03/lumio-x3-150x150.jpg")
    rendition = image.renditions.get(file=thumbnail["Location"].removeprefix("/media/"))
    assert (rendition.width, rendition.height) == (150, 150)
    # Any size asked for is one of a few renditions: a hostile list of sizes fills no disk.
    for size in ("299x224", "280x210", "200x150", "151x113"):
        client.get(f"/wp-content/uploads/2021/03/lumio-x3-{size}.jpg")
    assert image.renditions.count() == 2
    assert_redirect(client.get("/wp-content/uploads/2021/03/lumio-x3-99999x99999.jpg"), original)
    assert client.get("/wp-content/uploads/2021/03/altro-300x225.jpg").status_code == 404


def test_uploaded_documents(client, site):
    document = Document.objects.create(
        title="Scheda tecnica", file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="scheda.pdf")
    )
    row = imported("attachment", 42, document)
    oldurls.remember(row, [f"{OLD}/wp-content/uploads/2021/03/scheda-lumio.pdf"])
    assert_redirect(client.get("/wp-content/uploads/2021/03/scheda-lumio.pdf"), document.url)
    assert_redirect(client.get("/?attachment_id=42"), document.url)


# -- wpDiscuz subscriptions ------------------------------------------------------------------------


@pytest.fixture
def subscription(site):
    subscriber = Subscriber.objects.create(email="lettrice@example.test", language="it")
    subscription = Subscription.objects.create(
        subscriber=subscriber,
        article=site["article"],
        kind=Subscription.Kind.ARTICLE,
        confirmed_at=timezone.now() - timedelta(days=400),
    )
    imported("subscription", 77, subscription, legacy_key="5f2b9c0d1e8a4b7c9d3e6f1a2b4c8d0e")
    return subscription


KEY = "5f2b9c0d1e8a4b7c9d3e6f1a2b4c8d0e"


@pytest.mark.parametrize(
    "url",
    [
        f"/wpdiscuzsubscription/unsubscribe/?wpdiscuzSubscribeID=77&key={KEY}",
        f"/?wpdiscuzsubscription=unsubscribe&wpdiscuzSubscribeID=77&key={KEY}",
        f"/2021/03/lumio-x3-alla-prova/?subscribeAnchor&wpdiscuzSubscribeID=77&key={KEY}",
        f"/2021/03/lumio-x3-alla-prova/?wpdiscuzUrlAnchor&wpdiscuzSubscribeID=77&key={KEY}",
    ],
)
def test_old_unsubscribe_links_lead_to_our_unsubscribe_page(client, subscription, url):
    response = client.get(url)
    assert response.status_code == 301
    assert "/commenti/iscrizioni/annulla/" in response["Location"]
    assert response["Cache-Control"] == "private, no-store"
    location = re.sub(r"^https?://[^/]+", "", response["Location"])
    page = client.get(location)
    assert page.status_code == 200
    assert "Lumio X3 alla prova" in page.content.decode()
    assert Subscription.objects.filter(pk=subscription.pk).exists()  # a GET removes nothing
    client.post(location)
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_unsubscribe_link_of_an_article_served_here_at_the_same_address(client, subscription):
    article = subscription.article
    response = client.get(f"{article.url}?wpdiscuzUrlAnchor&wpdiscuzSubscribeID=77&key={KEY}")
    assert response.status_code == 301
    assert "/commenti/iscrizioni/annulla/" in response["Location"]


def test_old_confirmation_links_lead_to_our_confirmation(client, subscription):
    Subscription.objects.filter(pk=subscription.pk).update(confirmed_at=None)
    url = (
        "/wpdiscuzsubscription/confirm/?wpdiscuzConfirmID=77"
        f"&wpdiscuzConfirmKey={KEY}&wpDiscuzComfirm=yes"
    )
    response = client.get(url)
    assert response.status_code == 301
    assert response["Location"].startswith("/commenti/iscrizioni/conferma/")


@pytest.mark.parametrize(
    "query",
    [
        "wpdiscuzSubscribeID=77&key=wrong",
        "wpdiscuzSubscribeID=78&key=" + KEY,
        "wpdiscuzSubscribeID=77",
        "wpdiscuzSubscribeID=77&key=",
        "wpdiscuzSubscribeID=77&key=" + "a" * 5000,
        "wpdiscuzSubscribeID=77&key=%27%3B--",
        "wpdiscuzSubscribeID=1e9&key=" + KEY,
    ],
)
def test_forged_unsubscribe_links_get_our_404(client, subscription, query):
    assert client.get(f"/wpdiscuzsubscription/unsubscribe/?{query}").status_code == 404


def test_unsubscribe_link_of_a_subscription_already_removed(client, subscription):
    subscription.delete()
    response = client.get(f"/wpdiscuzsubscription/unsubscribe/?wpdiscuzSubscribeID=77&key={KEY}")
    assert response.status_code == 410
    assert "Questa iscrizione era già stata rimossa" in response.content.decode()


# -- Hostile paths, and what it costs --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/2021/03/" + "a" * 5000 + "/",
        "/" + "x/" * 600,
        "/2021/03/%00/",
        "/wp-content/uploads/%00.jpg",
        "/wp-content/uploads/../../../etc/passwd",
        "/wp-content/uploads/..%2f..%2fsettings.py",
        "/wp-content/uploads/2021/03/.jpg",
        "/wp-content/uploads/2021/03/lumio-x3-" + "9" * 50 + "x1.jpg",
        "/category/",
        "/category/%F0%9F%93%B1/",
        "/author/%C0%AF/",
        "/archives/99999999999999999999999999/",
        "/9223372036854775808/",
        "/%E2%80%AE%E2%80%AE/page/999999999/",
        "/wpdiscuzsubscription/bulkmanagement/",
        "/wpdiscuzsubscription/deletesubscriptions/?key=abc",
        "/2021/03/lumio-x3-alla-prova/page/" + "9" * 40 + "/",
    ],
)
def test_hostile_paths_get_our_404(client, site, path):
    response = client.get(path)
    assert response.status_code == 404


def test_a_site_without_imports_looks_nothing_up(site, django_assert_num_queries):
    ImportedObject.objects.all().delete()
    cache.clear()
    middleware = LegacyRedirectMiddleware(lambda request: HttpResponseNotFound())
    factory = RequestFactory()
    with django_assert_num_queries(1):  # the flag, once
        assert middleware(factory.get("/2021/03/lumio-x3-alla-prova/")).status_code == 404
    with django_assert_num_queries(0):
        assert middleware(factory.get("/2021/03/lumio-x3-alla-prova/")).status_code == 404
        assert middleware(factory.get("/?p=12")).status_code == 404


def test_ordinary_requests_look_nothing_up(site, django_assert_num_queries):
    middleware = LegacyRedirectMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    with django_assert_num_queries(0):
        middleware(factory.get("/smartphone/?page=2&utm_source=x"))
        middleware(factory.get("/"))


def test_remember_is_idempotent_and_moves_an_address(site):
    post = site["post"]
    count = LegacyPath.objects.count()
    assert oldurls.remember(post, [f"{OLD}/2021/03/lumio-x3-alla-prova/"]) == 0
    assert LegacyPath.objects.count() == count
    other = imported("post", 13, site["category"])
    assert oldurls.remember(other, [f"{OLD}/2021/03/lumio-x3-alla-prova/"]) == 0
    assert LegacyPath.objects.get(path="/2021/03/lumio-x3-alla-prova/").imported == other
    assert oldurls.remember(post, ["", "not a url", "http://[bad", "/", OLD]) == 0


def test_normalise():
    assert oldurls.normalise(f"{OLD}/2021/03/Perch%C3%A9/?p=1#x") == "/2021/03/perch%c3%a9/"
    assert oldurls.normalise("/2021/03/PERCHÉ") == "/2021/03/perch%c3%a9"
    assert oldurls.normalise(f"{OLD}//2021//03/a/") == "/2021/03/a/"
    assert oldurls.normalise("//cdn.lumio.example/wp-content/uploads/a.jpg") == (
        "/wp-content/uploads/a.jpg"
    )
    assert oldurls.normalise("relative/path") == ""
    assert oldurls.normalise("http://[bad") == ""
    assert oldurls.normalise(OLD) == "/"
