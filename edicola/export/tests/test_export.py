"""`edicola export_site DIR`: every kind of stored thing in the output with the right counts,
media originals with their checksums, a WordPress file WordPress's reader shape accepts, and
the round trip export → import into an empty Edicola."""

import hashlib
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from lxml import etree
from wagtail.contrib.redirects.models import Redirect
from wagtail.images import get_image_model
from wagtail.models import Page

from edicola.comments.models import Comment, Subscriber, Subscription, Vote
from edicola.comments.tests.factories import make_comment, make_user
from edicola.deals.models import Deal, Store, WhatsAppSubscriber
from edicola.export import wxrbodies, wxrxml
from edicola.news.models import ArticlePage, HomePage
from edicola.news.tests.factories import (
    make_article,
    make_author,
    make_category,
    make_image,
    make_site,
)
from edicola.wordpress.models import ImportedObject, LegacyPath

pytestmark = pytest.mark.django_db

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
HOSTILE_COMMENT = "Chiudo il CDATA ]]> e poi <script>alert(1)</script> \x01fine"


def build_site():
    """A small site holding one of everything: returns the things the tests look at."""
    home = make_site()
    phones = make_category(home, "Smartphone")
    laptops = make_category(home, "Portatili")
    user = make_user("giulia@example.org")
    giulia = make_author(home, "Giulia Rossi", user=user)
    marco = make_author(home, "Marco Bianchi", bio="Prova i portatili.")
    hero = make_image("Il telefono di prova", size=(60, 40))
    body = [
        ("paragraph", "<p>Il nuovo telefono arriva a marzo.</p><ul><li>Schermo</li></ul>"),
        ("heading", {"text": "La scheda tecnica", "level": "h2"}),
        ("quote", {"quote": "Sarà più leggero.", "attribution": "Portavoce"}),
        ("image", {"image": hero, "alt": "Il telefono", "caption": "In mano", "credit": ""}),
        (
            "feedback",
            {
                "passage": "Il prezzo resta lo stesso.",
                "question": "Lo comprereste?",
                "question_id": "prezzo",
            },
        ),
    ]
    lead = make_article(
        phones,
        "Il telefono pieghevole costa meno",
        slug="pieghevole",
        authors=[giulia, marco],
        body=body,
        hero_image=hero,
        tags=["pieghevoli", "prezzi"],
    )
    second = make_article(
        laptops,
        "Un portatile da battaglia",
        slug="portatile",
        authors=[marco],
        tags=["prezzi"],
        published_ago=timedelta(days=2),
    )
    draft = ArticlePage(
        title="Bozza sul tablet",
        slug="bozza-tablet",
        standfirst="Non ancora pubblicato.",
        body=[("paragraph", "<p>Testo in lavorazione.</p>")],
        live=False,
    )
    phones.add_child(instance=draft)
    draft.save_revision()

    top = make_comment(lead, "Prima domanda sul prezzo.", name="Anna")
    reply = make_comment(lead, "Risposta ad Anna.", parent=top, name="Bruno")
    make_comment(lead, "Risposta alla risposta.", parent=reply, name="Carla")
    Comment.objects.filter(thread_id=top.pk).update(thread_closed=True)  # closed to replies
    make_comment(lead, "In attesa di revisione.", status=Comment.Status.PENDING, name="Dario")
    make_comment(lead, "Compra ora!!!", status=Comment.Status.SPAM, name="Spam")
    make_comment(second, "Tolto dal moderatore.", status=Comment.Status.REMOVED, name="Elio")
    hostile = make_comment(second, "x", name="Fabio")
    Comment.objects.filter(pk=hostile.pk).update(body_html=HOSTILE_COMMENT)
    Vote.objects.create(comment=top, voter="g:lettore1", value=1)
    Vote.objects.create(comment=top, voter="g:lettore2", value=-1)
    subscriber = Subscriber.objects.create(email="lettrice@example.org", language="it")
    Subscription.objects.create(
        subscriber=subscriber,
        article=lead,
        kind=Subscription.Kind.ARTICLE,
        confirmed_at=timezone.now(),
    )
    store = Store.objects.create(name="Negozio", affiliate_parameters="tag=edicola-21")
    Deal.objects.create(
        title="Auricolari",
        store=store,
        price=Decimal("19.90"),
        url="https://negozio.example/auricolari",
        status=Deal.Status.LIVE,
    )
    WhatsAppSubscriber.objects.create(
        phone="+393331234567",
        status=WhatsAppSubscriber.Status.CONFIRMED,
        consent_version="2026-01",
        consent_at=timezone.now(),
        confirmed_at=timezone.now(),
    )
    Redirect.objects.create(old_path="/vecchio-indirizzo", redirect_page=lead)
    imported = ImportedObject.objects.create(
        source="https://vecchio.example",
        kind=ImportedObject.Kind.POST,
        source_id="12",
        target=lead,
    )
    LegacyPath.objects.create(path="/2024/03/pieghevole/", imported=imported)
    return {"home": home, "lead": lead, "second": second, "draft": draft, "hero": hero}


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_kind_is_written_with_its_count(tmp_path, settings):
    settings.BASE_URL = "https://edicola.example"
    site = build_site()
    target = tmp_path / "export"
    call_command("export_site", str(target), verbosity=0)

    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["format"] == "edicola-site-export"
    assert manifest["format_version"] == 1
    assert manifest["base_url"] == "https://edicola.example"
    expected = {
        "articles": 3,
        "authors": 2,
        "categories": 2,
        "tags": 2,
        "comments": 7,
        "votes": 2,
        "subscribers": 1,
        "subscriptions": 1,
        "stores": 1,
        "deals": 1,
        "whatsapp_subscribers": 1,
        "redirects": 2,
        "media": 1,
    }
    for kind, count in expected.items():
        assert manifest["files"][kind]["count"] == count, kind
        assert len(read_lines(target / f"{kind}.jsonl")) == count, kind
    for kind, entry in manifest["files"].items():
        assert (target / entry["file"]).exists(), kind

    articles = {row["slug"]: row for row in read_lines(target / "articles.jsonl")}
    lead = articles["pieghevole"]
    assert [block["type"] for block in lead["body"]] == [
        "paragraph",
        "heading",
        "quote",
        "image",
        "feedback",
    ]
    assert "Il nuovo telefono arriva a marzo." in lead["body_html"]
    assert "La scheda tecnica" in lead["body_html"]
    assert lead["tags"] == ["pieghevoli", "prezzi"]
    assert len(lead["authors"]) == 2
    assert lead["url"] == "/smartphone/pieghevole/"
    assert lead["hero_image_id"] == site["hero"].pk
    assert articles["bozza-tablet"]["live"] is False

    comments = {row["author_name"]: row for row in read_lines(target / "comments.jsonl")}
    assert comments["Bruno"]["parent_id"] == comments["Anna"]["id"]
    assert comments["Carla"]["parent_id"] == comments["Bruno"]["id"]
    assert comments["Carla"]["thread_id"] == comments["Anna"]["id"]
    assert {row["status"] for row in comments.values()} == {
        "approved",
        "pending",
        "spam",
        "removed",
    }
    assert "edit_key" not in comments["Anna"]

    subscription = read_lines(target / "subscriptions.jsonl")[0]
    assert subscription["email"] == "lettrice@example.org"
    assert subscription["confirmed_at"]
    whatsapp = read_lines(target / "whatsapp_subscribers.jsonl")[0]
    assert whatsapp["consent_at"] and whatsapp["consent_version"] == "2026-01"
    account = read_lines(target / "accounts.jsonl")[0]
    assert "password" not in account
    assert account["email"] == "giulia@example.org" and account["email_confirmed"] is True
    redirects = {row["kind"]: row for row in read_lines(target / "redirects.jsonl")}
    assert redirects["redirect"]["target"] == "/smartphone/pieghevole/"
    assert redirects["legacy_path"]["old_path"] == "/2024/03/pieghevole/"
    assert redirects["legacy_path"]["target_id"] == str(site["lead"].pk)

    media = read_lines(target / "media.jsonl")[0]
    copied = target / media["file"]
    assert copied.exists()
    assert media["sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()
    assert media["size"] == copied.stat().st_size
    site_file = json.loads((target / "site.json").read_text())
    assert site_file["sites"][0]["settings"]["site_name"] == "Edicola Test"
    assert manifest["wordpress"]["posts"] == 3
    assert manifest["wordpress"]["pages"] == 0  # Wagtail's own welcome page is not the site's


def test_a_non_empty_directory_is_refused_unless_it_holds_an_export(tmp_path):
    build_site()
    target = tmp_path / "occupato"
    target.mkdir()
    (target / "appunti.txt").write_text("miei")
    with pytest.raises(CommandError, match="non è vuota. Scegli una cartella vuota"):
        call_command("export_site", str(target), verbosity=0)
    with pytest.raises(CommandError, match="non contiene un'esportazione precedente"):
        call_command("export_site", str(target), "--force", verbosity=0)
    assert sorted(path.name for path in target.iterdir()) == ["appunti.txt"]

    again = tmp_path / "di-nuovo"
    call_command("export_site", str(again), verbosity=0)
    with pytest.raises(CommandError, match="aggiungi --force"):
        call_command("export_site", str(again), verbosity=0)
    call_command("export_site", str(again), "--force", "--no-html", verbosity=0)
    manifest = json.loads((again / "manifest.json").read_text())
    assert manifest["rendered_html"] is False
    article = read_lines(again / "articles.jsonl")[0]
    assert article["body"] and article["body_html"] == ""

    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(CommandError, match="non è una cartella"):
        call_command("export_site", str(a_file), verbosity=0)
    with pytest.raises(CommandError, match="Impossibile creare"):
        call_command("export_site", str(a_file / "sotto"), verbosity=0)


def test_wxr_is_wordpress_shaped_xml(tmp_path, settings):
    settings.BASE_URL = "https://edicola.example"
    site = build_site()
    target = tmp_path / "export"
    call_command("export_site", str(target), verbosity=0)
    raw = (target / "wordpress.xml").read_text(encoding="utf-8")
    assert "]]]]><![CDATA[>" in raw  # a "]]>" in a comment is split as WordPress does

    root = etree.parse(str(target / "wordpress.xml")).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext(f"{WP}wxr_version") == "1.2"
    assert channel.findtext(f"{WP}base_site_url") == "https://edicola.example"
    assert {a.findtext(f"{WP}author_login") for a in channel.iter(f"{WP}author")} == {
        "giulia-rossi",
        "marco-bianchi",
    }
    assert {c.findtext(f"{WP}category_nicename") for c in channel.iter(f"{WP}category")} == {
        "smartphone",
        "portatili",
    }
    items = channel.findall("item")
    by_type = {}
    for item in items:
        by_type.setdefault(item.findtext(f"{WP}post_type"), []).append(item)
    assert len(by_type["post"]) == 3 and len(by_type["attachment"]) == 1
    posts = {item.findtext(f"{WP}post_name"): item for item in by_type["post"]}
    lead = posts["pieghevole"]
    assert lead.findtext("link") == "https://edicola.example/smartphone/pieghevole/"
    assert lead.findtext(f"{WP}status") == "publish"
    assert posts["bozza-tablet"].findtext(f"{WP}status") == "draft"
    assert {(c.get("domain"), c.get("nicename")) for c in lead.findall("category")} == {
        ("category", "smartphone"),
        ("post_tag", "pieghevoli"),
        ("post_tag", "prezzi"),
    }
    content = lead.findtext(f"{CONTENT}encoded")
    assert "<!-- wp:paragraph -->" in content and "<!-- wp:heading -->" in content
    assert '[wpdiscuz-feedback id="prezzo"' in content
    attachment = by_type["attachment"][0]
    attachment_id = attachment.findtext(f"{WP}post_id")
    assert attachment.findtext(f"{WP}attachment_url").startswith(
        "https://edicola.example/media/original_images/"
    )
    meta = {
        m.findtext(f"{WP}meta_key"): m.findtext(f"{WP}meta_value")
        for m in lead.findall(f"{WP}postmeta")
    }
    assert meta["_thumbnail_id"] == attachment_id
    assert f'"id":{attachment_id}' in content

    comments = {c.findtext(f"{WP}comment_author"): c for c in lead.findall(f"{WP}comment")}
    assert set(comments) == {"Anna", "Bruno", "Carla", "Dario", "Spam"}
    assert comments["Bruno"].findtext(f"{WP}comment_parent") == comments["Anna"].findtext(
        f"{WP}comment_id"
    )
    assert comments["Carla"].findtext(f"{WP}comment_parent") == comments["Bruno"].findtext(
        f"{WP}comment_id"
    )
    assert comments["Anna"].findtext(f"{WP}comment_parent") == "0"
    assert comments["Dario"].findtext(f"{WP}comment_approved") == "0"
    assert comments["Spam"].findtext(f"{WP}comment_approved") == "spam"
    second = {c.findtext(f"{WP}comment_author"): c for c in posts["portatile"].iter(f"{WP}comment")}
    assert second["Elio"].findtext(f"{WP}comment_approved") == "trash"
    assert second["Fabio"].findtext(f"{WP}comment_content") == HOSTILE_COMMENT.replace("\x01", "")
    assert site["lead"].pk == int(lead.findtext(f"{WP}post_id"))


def test_cdata_splits_every_closing_sequence():
    text = "a]]>b]]>c"
    section = wxrxml.cdata(text)
    parsed = etree.fromstring(f"<x>{section}</x>".encode()).text
    assert parsed == text


def test_wxr_reads_back_with_our_reader(tmp_path):
    from edicola.wordpress.wxr import WXRSource

    build_site()
    target = tmp_path / "export"
    call_command("export_site", str(target), verbosity=0)
    source = WXRSource(target / "wordpress.xml")
    items = list(source.items())
    assert sorted(item.post_type for item in items) == ["attachment", "post", "post", "post"]
    comments = list(source.comments())
    assert len(comments) == 7
    by_name = {comment.author_name: comment for comment in comments}
    assert by_name["Carla"].parent_id == by_name["Bruno"].source_id
    assert by_name["Fabio"].content == HOSTILE_COMMENT.replace("\x01", "")
    assert len(list(source.authors())) == 2
    assert {term.slug for term in source.terms()} >= {"smartphone", "portatili", "prezzi"}
    assert not [repair for repair in source.repairs if not repair.repaired]


def is_subsequence(words: list[str], within: list[str]) -> bool:
    """Every word of `words`, in order, in `within` (which may say more: a button's label)."""
    rest = iter(within)
    return all(word in rest for word in words)


def _threads(article) -> set[tuple[str, str]]:
    """(commenter, parent's commenter) pairs: the shape of the discussion, whatever the ids
    (every commenter of the test site is named differently)."""
    comments = {comment.pk: comment for comment in Comment.objects.filter(article=article)}
    return {
        (
            comment.author_name,
            comments[comment.parent_id].author_name if comment.parent_id else "",
        )
        for comment in comments.values()
    }


def test_round_trip_into_an_empty_edicola(tmp_path, settings):
    settings.BASE_URL = "https://edicola.example"
    site = build_site()
    target = tmp_path / "export"
    call_command("export_site", str(target), verbosity=0)

    before = {}
    for article in ArticlePage.objects.all():
        before[article.slug] = {
            "title": article.title,
            "words": wxrbodies.words_of(str(article.body)),
            "url": article.get_url(),
            "live": article.live,
            "threads": _threads(article),
            "comments": Comment.objects.filter(article=article).count(),
            "tags": sorted(article.tags.names()),
        }
    statuses = sorted(Comment.objects.values_list("status", flat=True))
    closed = sorted(Comment.objects.filter(thread_closed=True).values_list("author_name"))
    assert len(closed) == 3

    # An empty Edicola: the old home page and everything under it, images and comments gone.
    Comment.objects.all().delete()
    Page.objects.filter(pk=site["home"].pk).first().delete()
    get_image_model().objects.all().delete()
    make_site()
    assert not ArticlePage.objects.exists()

    call_command(
        "import_wordpress",
        "--wxr",
        str(target / "wordpress.xml"),
        "--uploads",
        str(target / "media"),
        verbosity=0,
    )

    after = {article.slug: article for article in ArticlePage.objects.all()}
    assert set(after) == set(before)
    for slug, old in before.items():
        article = after[slug]
        assert article.title == old["title"]
        assert article.live == old["live"]
        assert is_subsequence(old["words"], wxrbodies.words_of(str(article.body))), slug
        assert sorted(article.tags.names()) == old["tags"]
        assert Comment.objects.filter(article=article).count() == old["comments"], slug
        assert _threads(article) == old["threads"], slug
    assert sorted(Comment.objects.values_list("status", flat=True)) == statuses
    assert sorted(Comment.objects.filter(thread_closed=True).values_list("author_name")) == closed

    from django.test import Client

    client = Client()
    for slug, old in before.items():
        if not old["live"]:
            continue
        response = client.get(old["url"])
        if response.status_code in (301, 302):
            response = client.get(response["Location"])
        assert response.status_code == 200, (slug, old["url"])
        assert old["title"] in response.content.decode()
    assert HomePage.objects.count() == 1
