"""An in-memory WordPress site for the importer's tests: a Source built from records, with
every case the importer must handle (statuses, nesting, broken threads, wpDiscuz rows).
The text is ours, about phones."""

from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image as PILImage

from edicola.wordpress.records import (
    Author,
    Comment,
    DiscussionSubscription,
    FeedbackForm,
    Item,
    Repair,
    SiteInfo,
    SourceError,
    Term,
    Vote,
)

BASE = "https://lumio.example"
FUTURE = datetime(2099, 5, 1, 8, 30, tzinfo=UTC)


@dataclass
class FakeSource:
    """A Source whose iterators replay lists; `fail_after` raises SourceError mid-stream."""

    info: SiteInfo
    author_rows: list = field(default_factory=list)
    term_rows: list = field(default_factory=list)
    item_rows: list = field(default_factory=list)
    comment_rows: list = field(default_factory=list)
    vote_rows: list = field(default_factory=list)
    subscription_rows: list = field(default_factory=list)
    form_rows: list = field(default_factory=list)
    closed_rows: list = field(default_factory=list)
    repairs: list = field(default_factory=list)
    reading_repairs: list = field(default_factory=list)
    fail_items_after: int | None = None
    passes: dict = field(default_factory=dict)

    def _count(self, name):
        self.passes[name] = self.passes.get(name, 0) + 1

    def site(self):
        return self.info

    def authors(self):
        self._count("authors")
        yield from self.author_rows

    def terms(self):
        yield from self.term_rows

    def items(self):
        self._count("items")
        self.repairs.extend(r for r in self.reading_repairs if r not in self.repairs)
        for number, item in enumerate(self.item_rows):
            if self.fail_items_after is not None and number >= self.fail_items_after:
                raise SourceError("The export file ends in the middle of an item (line 812).")
            yield item

    def comments(self):
        self._count("comments")
        yield from self.comment_rows

    def votes(self):
        yield from self.vote_rows

    def subscriptions(self):
        yield from self.subscription_rows

    def feedback_forms(self):
        yield from self.form_rows

    def closed_comment_ids(self):
        yield from self.closed_rows

    def copy(self) -> FakeSource:
        return copy.deepcopy(self)


def when(day: int, hour: int = 10) -> datetime:
    return datetime(2024, 3, day, hour, 0, tzinfo=UTC)


def write_uploads(root: Path) -> Path:
    """The uploads copy: one photo and one PDF (the second image is missing on purpose)."""
    (root / "2024" / "03").mkdir(parents=True)
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (20, 90, 160)).save(buffer, "JPEG")
    (root / "2024" / "03" / "foto-telefono.jpg").write_bytes(buffer.getvalue())
    (root / "2024" / "03" / "listino.pdf").write_bytes(b"%PDF-1.4\n% listino prezzi\n%%EOF\n")
    return root


ATTACHMENT_METADATA = (
    'a:2:{s:5:"width";i:64;s:10:"image_meta";a:1:{s:6:"credit";s:14:"Foto Redazione";}}'
)


def post(source_id: str, title: str, status: str = "publish", **fields) -> Item:
    fields.setdefault("date", when(int(source_id) % 27 + 1))
    fields.setdefault("slug", title.lower().replace(" ", "-"))
    fields.setdefault("content", f"<p>{title}: il testo dell'articolo sui telefoni.</p>")
    fields.setdefault("author_id", "2")
    fields.setdefault("author_login", "giulia")
    fields.setdefault("terms", [("category", "telefoni")])
    fields.setdefault("link", f"{BASE}/2024/03/{fields['slug']}/")
    return Item(source_id=source_id, post_type="post", status=status, title=title, **fields)


def comment(source_id: str, post_id: str = "10", parent: str = "", **fields) -> Comment:
    fields.setdefault("author_name", f"Lettore {source_id}")
    fields.setdefault("author_email", f"lettore{source_id}@example.org")
    fields.setdefault("content", f"Commento numero {source_id} sul telefono.")
    fields.setdefault("date", when(20, 8) if source_id.isdigit() else when(20))
    return Comment(source_id=source_id, post_id=post_id, parent_id=parent, **fields)


def build_site() -> FakeSource:
    info = SiteInfo(
        base_url=BASE,
        title="Lumio",
        timezone="Europe/Rome",
        permalink_structure="/%year%/%monthnum%/%postname%/",
        sticky_post_ids=["11"],
    )
    authors = [
        Author(
            source_id="2",
            login="giulia",
            email="giulia@lumio.example",
            display_name="Giulia Neri",
            bio="Scrive di telefoni e di reti mobili.",
            avatar_attachment_id="50",
            roles=["author"],
        ),
        Author(
            source_id="7",
            login="lettore",
            email="Marta.Blu@example.org",
            first_name="Marta",
            last_name="Blu",
            roles=["subscriber"],
        ),
    ]
    terms = [
        Term("3", "category", "android", "Android", parent_id="2"),
        Term("2", "category", "telefoni", "Telefoni", description="Tutto sui telefoni."),
        Term("4", "post_tag", "prezzi", "Prezzi"),
        Term("5", "nav_menu", "principale", "Menu principale"),
    ]
    items = [
        Item(
            source_id="50",
            post_type="attachment",
            status="inherit",
            title="Il telefono di fronte",
            excerpt="Il nuovo modello visto di fronte.",
            date=when(1, 9),
            parent_id="10",
            attachment_url=f"{BASE}/wp-content/uploads/2024/03/foto-telefono.jpg",
            link=f"{BASE}/2024/03/primo/foto-telefono/",
            meta=[
                ("_wp_attached_file", "2024/03/foto-telefono.jpg"),
                ("_wp_attachment_image_alt", "Un telefono nero su un tavolo"),
                ("_wp_attachment_metadata", ATTACHMENT_METADATA),
            ],
        ),
        Item(
            source_id="51",
            post_type="attachment",
            status="inherit",
            title="Foto perduta",
            attachment_url=f"{BASE}/wp-content/uploads/2024/03/perduta.jpg",
            meta=[("_wp_attached_file", "2024/03/perduta.jpg")],
        ),
        Item(
            source_id="52",
            post_type="attachment",
            status="inherit",
            title="Listino prezzi",
            attachment_url=f"{BASE}/wp-content/uploads/2024/03/listino.pdf",
            meta=[("_wp_attached_file", "2024/03/listino.pdf")],
        ),
        Item(
            source_id="53",
            post_type="attachment",
            status="inherit",
            title="Fuori strada",
            attachment_url=f"{BASE}/wp-content/uploads/../../segreto.jpg",
            meta=[("_wp_attached_file", "../../segreto.jpg")],
        ),
        post(
            "10",
            "Primo",
            terms=[("category", "telefoni"), ("category", "android"), ("post_tag", "prezzi")],
            excerpt="Il primo articolo importato.",
            meta=[("_thumbnail_id", "50"), ("_wp_old_slug", "vecchio")],
        ),
        post("11", "In evidenza", is_sticky=True),
        post("12", "Domani", status="future", date=FUTURE),
        post("13", "Bozza", status="draft", date=None, date_local=datetime(2024, 3, 5, 23, 30)),
        post("14", "In attesa", status="pending"),
        post("15", "Riservato", status="private"),
        post("16", "Con password", password="segreto"),
        post("17", "Cestinato", status="trash"),
        post("18", "Automatica", status="auto-draft"),
        Item(source_id="19", post_type="revision", status="inherit", parent_id="10"),
        Item(source_id="20", post_type="nav_menu_item", status="publish"),
        post("21", "Autore perduto", author_id="99", author_login="cancellato"),
        post("22", "Chiuso", comment_status="closed"),
        Item(
            source_id="31",
            post_type="page",
            status="publish",
            title="Contatti",
            slug="contatti",
            parent_id="30",
            content="<p>Scriveteci.</p>",
            link=f"{BASE}/chi-siamo/contatti/",
        ),
        Item(
            source_id="30",
            post_type="page",
            status="publish",
            title="Chi siamo",
            slug="chi-siamo",
            content="<p>Siamo una piccola redazione.</p>",
            link=f"{BASE}/chi-siamo/",
        ),
    ]
    comments = [
        comment("100"),
        comment("101", parent="100"),
        comment("102", parent="101"),
        comment("103", parent="102"),
        comment("104", parent="103"),
        comment("105", approved="0"),
        comment("106", approved="spam"),
        comment("107", approved="trash"),
        comment("108", type="pingback", author_name="Un altro blog", parent=""),
        comment("109", parent="108"),
        comment("110", parent="999"),
        comment("111", parent="200"),
        comment("112", parent="113"),
        comment("113"),
        comment(
            "114",
            content='<script>alert("x")</script><img src=x onerror="alert(1)">'
            '<a href="javascript:alert(2)">clic</a> <b>grassetto</b>',
        ),
        comment("115", user_id="7", author_email="marta.blu@example.org", author_name="Marta"),
        comment("116", type="wpdiscuz_sticky"),
        comment("117", meta=[("wpdiscuz_feedback_form_id", "1")], content="Sì, molto."),
        comment("118", author_ip="192.168.10.77"),
        comment("200", post_id="11"),
        comment("201", post_id="17"),
    ]
    votes = [
        Vote(comment_id="100", voter="7", value=1, is_guest=False),
        Vote(comment_id="100", voter="a1b2c3", value=1),
        Vote(comment_id="100", voter="d4e5f6", value=-1),
        Vote(comment_id="101", voter="a1b2c3", value=1),
        Vote(comment_id="4242", voter="a1b2c3", value=1),
    ]
    subscriptions = [
        DiscussionSubscription(
            "1", "abbonata@example.org", "10", "post", "10", confirmed=True, activation_key="k1"
        ),
        DiscussionSubscription(
            "2", "attesa@example.org", "10", "all_comment", "10", activation_key="k2"
        ),
        DiscussionSubscription(
            "3", "risposte@example.org", "10", "comment", "100", True, activation_key="k3"
        ),
        DiscussionSubscription("4", "altro@example.org", "17", "post", "17", True),
        DiscussionSubscription("5", "non-un-indirizzo", "10", "post", "10", True),
    ]
    forms = [FeedbackForm("1", "10", "prezzo", "Lo comprereste?", opened=True)]
    return FakeSource(
        info=info,
        author_rows=authors,
        term_rows=terms,
        item_rows=items,
        comment_rows=comments,
        vote_rows=votes,
        subscription_rows=subscriptions,
        form_rows=forms,
        closed_rows=["100", "4243"],
        reading_repairs=[Repair("line 12", "A control character inside CDATA was removed.")],
    )
