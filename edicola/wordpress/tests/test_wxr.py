"""The WXR reader: WordPress export files, good and broken, turned into records."""

from __future__ import annotations

import gzip
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils import translation

from edicola.wordpress import xmlrepair
from edicola.wordpress.records import SourceError
from edicola.wordpress.wxr import WXRSource

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def english():
    """The site speaks Italian first; these tests read the English messages (one test checks
    the Italian ones)."""
    with translation.override("en"):
        yield


def source(name: str) -> WXRSource:
    return WXRSource(FIXTURES / name)


def line_of(name: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th occurrence of `needle` in a fixture."""
    text = (FIXTURES / name).read_bytes().decode("utf-8", "surrogateescape")
    pos = -1
    for _ in range(occurrence):
        pos = text.index(needle, pos + 1)
    return text.count("\n", 0, pos) + 1


def by_id(records) -> dict:
    return {record.source_id: record for record in records}


# A full WXR 1.2 export ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def full():
    src = source("wxr-1.2.xml")
    with translation.override("en"):
        return {
            "source": src,
            "site": src.site(),
            "authors": list(src.authors()),
            "terms": by_id(src.terms()),
            "items": by_id(src.items()),
            "comments": by_id(src.comments()),
        }


def test_site_comes_from_the_channel(full):
    site = full["site"]
    assert site.base_url == "https://lumio.example"  # lowercase, no trailing slash
    assert site.title == "Lumio Notizie"
    assert site.description == "Telefoni Lumio: prove, anteprime e consigli"
    assert site.language == "it-IT"
    assert site.wxr_version == "1.2"
    assert site.sticky_post_ids == ["101"]
    # Not in a WXR file: left for the old-address code to infer from the items' links.
    assert site.permalink_structure == ""
    assert site.timezone == "" and site.gmt_offset is None


def test_authors_are_the_channel_list(full):
    giulia, marco = full["authors"]
    assert (giulia.source_id, giulia.login, giulia.email) == ("2", "giulia", "giulia@lumio.example")
    assert (giulia.display_name, giulia.first_name, giulia.last_name) == (
        "Giulia Ferri",
        "Giulia",
        "Ferri",
    )
    assert marco.display_name == "Marco B. & la redazione"


def test_categories_keep_their_nesting_whatever_the_order(full):
    terms = full["terms"]
    assert (terms["10"].taxonomy, terms["10"].slug, terms["10"].parent_id) == (
        "category",
        "telefoni",
        "",
    )
    assert terms["10"].description == "Tutto sui telefoni Lumio"
    assert terms["11"].parent_id == "10"
    # lumio-fold comes before its parent in the file.
    assert terms["15"].parent_id == "16" and terms["16"].parent_id == "10"


def test_a_category_whose_parent_is_missing_goes_to_the_top_and_is_reported(full):
    assert full["terms"]["17"].parent_id == ""
    repair = next(r for r in full["source"].repairs if "sparita" in r.problem)
    assert repair.where == f"line {line_of('wxr-1.2.xml', '<wp:term_id>17</wp:term_id>') - 1}"


def test_tags_custom_terms_and_terms_only_items_declare(full):
    terms = full["terms"]
    assert (terms["21"].taxonomy, terms["21"].slug, terms["21"].name) == (
        "post_tag",
        "batteria",
        "Batteria",
    )
    assert terms["21"].description == "Autonomia e ricarica"
    assert (terms["31"].taxonomy, terms["31"].slug) == ("marca", "lumio")
    assert terms["30"].taxonomy == "nav_menu"
    undeclared = terms["post_tag:pieghevole"]
    assert (undeclared.taxonomy, undeclared.slug, undeclared.name) == (
        "post_tag",
        "pieghevole",
        "Pieghevole",
    )


def test_every_status_and_post_type_comes_through(full):
    items = full["items"]
    assert {i.source_id: (i.post_type, i.status) for i in items.values()} == {
        "101": ("post", "publish"),
        "102": ("post", "draft"),
        "103": ("post", "future"),
        "104": ("post", "private"),
        "105": ("post", "publish"),
        "106": ("post", "pending"),
        "107": ("post", "trash"),
        "108": ("post", "auto-draft"),
        "120": ("revision", "inherit"),
        "110": ("page", "publish"),
        "111": ("page", "publish"),
        "201": ("attachment", "inherit"),
        "202": ("attachment", "inherit"),
        "130": ("nav_menu_item", "publish"),
    }


def test_a_published_post_has_every_field(full):
    post = full["items"]["101"]
    assert post.title == "Lumio X1 & X1 Pro: la prova completa"
    assert post.slug == "lumio-x1-prova"
    assert post.excerpt == "Due telefoni, una batteria che non molla."
    assert post.link == "https://lumio.example/2024/03/12/lumio-x1-prova/"
    assert post.guid == "https://lumio.example/?p=101"
    assert post.date == datetime(2024, 3, 12, 9, 30, tzinfo=UTC)
    assert post.date_local == datetime(2024, 3, 12, 10, 30)
    assert post.modified == datetime(2024, 3, 14, 17, 5, 10, tzinfo=UTC)
    assert (post.author_id, post.author_login) == ("2", "giulia")
    assert post.is_sticky and post.comment_status == "open"
    assert post.parent_id == "" and post.menu_order == 0 and post.password == ""
    assert post.terms == [
        ("category", "serie-x"),
        ("category", "telefoni"),
        ("post_tag", "5g"),
        ("post_tag", "batteria"),
        ("marca", "lumio"),
    ]
    assert post.meta_value("_thumbnail_id") == "201"
    assert post.meta_values("_wp_old_slug") == ["lumio-x1-anteprima", "x1-prime-impressioni"]


def test_post_html_is_handed_over_as_stored(full):
    content = full["items"]["101"].content
    assert content.startswith("<!-- wp:paragraph -->\n<p>Il Lumio X1 costa meno di 500&nbsp;&euro;")
    # WordPress splits "]]>" over two CDATA sections; the reader joins them back.
    assert "if (a ]]> b) &amp;&amp; c." in content
    classic = full["items"]["102"].content
    assert '[caption id="attachment_201"' in classic and "[gallery]" in classic
    assert '[wpdiscuz-feedback id="fold2cerniera"' in classic


def test_dates_never_shift_and_zero_gmt_keeps_the_local_time(full):
    items = full["items"]
    # Late on 30 June in UTC is already 1 July in Rome: both are kept as they are.
    assert items["104"].date == datetime(2024, 6, 30, 23, 30, tzinfo=UTC)
    assert items["104"].date_local == datetime(2024, 7, 1, 1, 30)
    draft = items["102"]
    assert draft.date is None and draft.modified is None
    assert draft.date_local == datetime(2024, 4, 2, 16, 0)
    assert items["103"].date == datetime(2030, 1, 15, 8, 0, tzinfo=UTC)


def test_passwords_parents_and_attachments(full):
    items = full["items"]
    assert items["105"].password == "taschino&2024"
    assert (items["111"].parent_id, items["111"].menu_order) == ("110", 2)
    assert items["120"].parent_id == "101"
    photo = items["201"]
    assert photo.attachment_url == "https://lumio.example/wp-content/uploads/2024/03/lumio-x1.jpg"
    assert photo.parent_id == "101"
    assert photo.excerpt == "Il Lumio X1 sul tavolo della redazione"  # the caption
    assert photo.meta_value("_wp_attachment_image_alt") == "Il Lumio X1 nero, di fronte"
    assert photo.meta_value("_wp_attached_file") == "2024/03/lumio-x1.jpg"
    assert 's:6:"credit";s:15:"Redazione Lumio"' in photo.meta_value("_wp_attachment_metadata")
    assert items["202"].attachment_url.endswith("/2024/03/scheda-lumio-x1.pdf")


def test_an_author_referenced_but_missing_keeps_the_login(full):
    draft = full["items"]["102"]
    assert (draft.author_id, draft.author_login) == ("", "ex-redattore")
    assert "ex-redattore" not in {a.login for a in full["authors"]}


def test_comments_with_threads_states_and_meta(full):
    comments = full["comments"]
    assert set(comments) == {str(n) for n in range(1001, 1015)}
    assert {n for n, c in comments.items() if c.post_id == "105"} == {"1013", "1014"}
    chain = [comments[n].parent_id for n in ("1001", "1002", "1003", "1004")]
    assert chain == ["", "1001", "1002", "1003"]
    first = comments["1001"]
    assert (first.author_name, first.author_email, first.author_url, first.author_ip) == (
        "Paola",
        "paola@posta.example",
        "https://paola.example/",
        "203.0.113.45",
    )
    assert first.date == datetime(2024, 3, 12, 10, 2, tzinfo=UTC)
    assert first.date_local == datetime(2024, 3, 12, 11, 2)
    assert first.content.startswith("La batteria dura davvero cos&igrave; tanto?")
    assert first.meta_value("wpdiscuz_votes") == "4"
    assert (first.user_id, comments["1002"].user_id) == ("", "2")
    states = {n: comments[n].approved for n in ("1001", "1005", "1006", "1007")}
    assert states == {"1001": "1", "1005": "0", "1006": "spam", "1007": "trash"}
    assert comments["1008"].type == "pingback"
    assert comments["1011"].type == "trackback"
    assert comments["1010"].type == "wpdiscuz_sticky"
    # Passed on as the file says: the importer re-attaches them and reports it.
    assert comments["1012"].parent_id == "9999"  # a parent that is not in the file
    assert (comments["1013"].post_id, comments["1013"].parent_id) == ("105", "1001")
    assert comments["1014"].meta_value("wpdiscuz_feedback_form_id") == "3"


def test_hostile_comment_html_is_passed_on_untouched_for_the_sanitiser(full):
    hostile = full["comments"]["1009"]
    assert "<script>" in hostile.content and 'onerror="alert(2)"' in hostile.content
    assert hostile.author_url == "javascript:alert(document.cookie)"


def test_closed_threads_come_from_wpdiscuz_comment_meta(full):
    src = full["source"]
    assert list(src.closed_comment_ids()) == ["1001"]
    assert full["comments"]["1001"].meta_value("wpdiscuz_closed") == "1"
    assert list(src.votes()) == list(src.subscriptions()) == list(src.feedback_forms()) == []


def test_totals_for_a_progress_bar(full):
    assert full["source"].totals == {
        "post": 8,
        "revision": 1,
        "page": 2,
        "attachment": 2,
        "nav_menu_item": 1,
        "comment": 14,
    }


def test_every_iterator_is_a_new_pass_and_repairs_are_not_repeated(full):
    src = full["source"]
    before = list(src.repairs)
    again = by_id(src.items())
    assert list(again) == list(full["items"])
    assert again["101"].content == full["items"]["101"].content
    assert by_id(src.comments()).keys() == full["comments"].keys()
    list(src.terms())
    assert src.repairs == before


# Older and other variants --------------------------------------------------------------------


def test_wxr_1_0_without_author_list_or_term_ids():
    src = source("wxr-1.0.xml")
    site = src.site()
    assert (site.base_url, site.wxr_version, site.language) == (
        "http://www.lumio.example",
        "1.0",
        "it",
    )
    assert [(a.source_id, a.login) for a in src.authors()] == [
        ("admin", "admin"),
        ("lucia", "lucia"),
    ]
    terms = by_id(src.terms())
    assert terms["category:lumio-uno"].parent_id == "category:telefoni"
    assert terms["post_tag:tastiera"].name == "tastiera"
    items = by_id(src.items())
    # WXR 1.0 says "tag" and repeats each category without attributes.
    assert items["7"].terms == [("category", "lumio-uno"), ("post_tag", "tastiera")]
    assert items["7"].author_id == "admin"
    assert items["2"].post_type == "page" and not items["2"].is_sticky
    (comment,) = src.comments()
    assert comment.date is None and comment.date_local == datetime(2010, 4, 15, 10, 0)
    assert src.repairs == []


def test_wxr_1_1():
    src = source("wxr-1.1.xml")
    assert src.site().wxr_version == "1.1" and src.site().sticky_post_ids == ["40"]
    assert [a.source_id for a in src.authors()] == ["1"]
    (post,) = src.items()
    assert post.title == "Lumio S3: lo schermo più luminoso della serie"
    assert post.author_id == "1" and post.is_sticky
    assert [c.parent_id for c in src.comments()] == ["", "12"]


def test_https_namespace_uris():
    src = source("wxr-https.xml")
    assert src.site().base_url == "https://lumio.example"
    (post,) = src.items()
    assert post.content == "<p>Sei millimetri, e la fotocamera non sporge.</p>"
    assert post.excerpt == "Sei millimetri." and post.author_login == "sara"
    assert [c.source_id for c in src.comments()] == ["77"]


def test_a_site_in_a_folder_keeps_its_path(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text()
    text = text.replace(
        "<wp:base_blog_url>https://lumio.example</wp:base_blog_url>",
        "<wp:base_blog_url>HTTPS://Lumio.Example/notizie/</wp:base_blog_url>",
    )
    path = tmp_path / "cartella.xml"
    path.write_text(text)
    assert WXRSource(path).site().base_url == "https://lumio.example/notizie"


def test_namespaces_are_found_by_prefix_or_by_shape(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text()
    # The wp namespace under another prefix, no wxr_version: both are still understood.
    text = text.replace('xmlns:wp="https://wordpress.org/export/1.2/"', "")
    text = text.replace("<rss ", '<rss xmlns:wordpress="http://wordpress.org/export/1.2/" ')
    text = text.replace("<wp:", "<wordpress:").replace("</wp:", "</wordpress:")
    text = text.replace("<wordpress:wxr_version>1.2</wordpress:wxr_version>", "")
    path = tmp_path / "prefisso.xml"
    path.write_text(text)
    src = WXRSource(path)
    assert src.site().wxr_version == "1.2"
    assert [i.source_id for i in src.items()] == ["300"]
    assert any("wp:wxr_version" in r.problem for r in src.repairs)


# Malformed input, repaired --------------------------------------------------------------------


def test_control_characters_are_removed_line_by_line():
    src = source("malformed-control.xml")
    items = by_id(src.items())
    assert items["1"].title == "Lumio X3: la prova"
    assert items["1"].content == "<p>Il Lumio X3 ha una batteria da 5500 mAh.</p>"
    assert items["2"].title == "Lumio X3 Pro"
    assert [c.content for c in src.comments()] == ["Ottimo telefono"]
    assert src.site().description == "Telefoni Lumio"
    where = {r.where for r in src.repairs}
    name = "malformed-control.xml"
    assert {
        f"line {line_of(name, 'Telefoni')}",
        f"line {line_of(name, 'Lumio X3')}",
        f"line {line_of(name, '<p>Il Lumio X3')}",
        f"line {line_of(name, 'Ottimo')}",
        f"line {line_of(name, '&#x1;')}",
    } == where
    assert all(r.repaired for r in src.repairs)


def test_undefined_entities_outside_cdata_become_characters_once():
    src = source("malformed-entities.xml")
    items = by_id(src.items())
    assert items["1"].title == "Lumio\u00a0X3 è arrivato: l’abbiamo provato"
    assert items["2"].title == "Lumio & Co: gli accessori &lumio; ufficiali"
    # Inside CDATA the entities are the post's own HTML: left for the body converter.
    assert items["1"].content == "<p>Costa 499&nbsp;&euro;.</p>"
    assert items["2"].content == "<p>Cover &amp; pellicole.</p>"
    assert src.site().description == "Telefoni Lumio: prove & notizie… é tutto"
    problems = [(r.where, r.problem) for r in src.repairs]
    title_line = f"line {line_of('malformed-entities.xml', 'Lumio&nbsp;X3')}"
    assert any(w == title_line and "&rsquo;" in p for w, p in problems)
    second = f"line {line_of('malformed-entities.xml', 'Lumio & Co')}"
    assert any(w == second and "“&”" in p for w, p in problems)
    assert any(w == second and "&lumio;" in p for w, p in problems)


def test_bytes_that_are_not_utf8_are_read_as_windows_1252():
    src = source("malformed-encoding.xml")
    (item,) = src.items()
    assert item.title == "Lumio X3: perché costa così poco"
    assert item.content == "<p>Il prezzo € 499.</p>"
    assert [r.where for r in src.repairs] == [
        f"line {line_of('malformed-encoding.xml', 'Lumio X3: perch')}",
        f"line {line_of('malformed-encoding.xml', '<p>Il prezzo')}",
    ]


def test_blank_lines_before_the_xml_declaration_are_ignored(tmp_path, monkeypatch):
    path = tmp_path / "spazi.xml"
    path.write_text("\n \n\t" + (FIXTURES / "wxr-https.xml").read_text())
    for size in (xmlrepair.CHUNK, 1):
        monkeypatch.setattr(xmlrepair, "CHUNK", size)
        src = WXRSource(path)
        assert [i.source_id for i in src.items()] == ["300"]
        assert [(r.where, r.problem) for r in src.repairs] == [
            ("line 3", "Ignored the blank lines before the XML declaration.")
        ]


def test_a_gzipped_export_is_read(tmp_path):
    path = tmp_path / "lumio.xml.gz"
    path.write_bytes(gzip.compress((FIXTURES / "wxr-1.1.xml").read_bytes()))
    src = WXRSource(path)
    assert [i.source_id for i in src.items()] == ["40"]
    assert [c.source_id for c in src.comments()] == ["12", "13"]
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(SourceError, match="is empty"):
        WXRSource(path).site()
    whole = gzip.compress((FIXTURES / "wxr-1.2.xml").read_bytes())
    for damaged in (whole[: len(whole) // 2], whole[:10] + b"\x00" * 50 + whole[60:]):
        path.write_bytes(damaged)
        with pytest.raises(SourceError) as refused:
            WXRSource(path).site()
        assert str(refused.value) == (
            "The file lumio.xml.gz cannot be read: the compressed file is damaged or cut short."
        )


def test_a_utf16_file_is_read(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = tmp_path / "utf16.xml"
    path.write_bytes(text.encode("utf-16"))
    src = WXRSource(path)
    (item,) = src.items()
    assert item.title == "Lumio Air: sottile come una matita" and src.repairs == []


def test_a_latin1_file_is_read_in_its_declared_encoding(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text()
    text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace(
        "sottile come una matita", "più sottile di così"
    )
    path = tmp_path / "latin1.xml"
    path.write_bytes(text.encode("latin-1"))
    src = WXRSource(path)
    (item,) = src.items()
    assert item.title == "Lumio Air: più sottile di così"
    assert src.repairs == []


@pytest.mark.parametrize(
    "name",
    ["wxr-1.2.xml", "malformed-entities.xml", "malformed-control.xml", "malformed-encoding.xml"],
)
def test_chunk_boundaries_change_nothing(monkeypatch, name):
    """Whatever a chunk cuts (a CDATA marker, an entity, a UTF-8 sequence), the records and
    the repairs are the same as when the file is read at once."""
    whole = source(name)
    expected = (list(whole.items()), list(whole.comments()), list(whole.repairs))
    for size in (1, 7, 64):
        monkeypatch.setattr(xmlrepair, "CHUNK", size)
        chopped = source(name)
        assert (list(chopped.items()), list(chopped.comments()), chopped.repairs) == expected


def test_a_file_cut_short_yields_its_complete_items_and_reports_the_rest():
    src = source("truncated.xml")
    assert [i.source_id for i in src.items()] == ["1"]
    # Comments of the cut item are not handed over either.
    assert [c.source_id for c in src.comments()] == ["11"]
    (repair,) = src.repairs
    last = len((FIXTURES / "truncated.xml").read_text().splitlines())
    start = line_of("truncated.xml", "<item>", 2)
    assert repair.where == f"line {last}"
    assert not repair.repaired
    assert f"line {last} inside the <item> that starts at line {start} (post 2)" in repair.problem


def test_a_file_without_its_closing_tags_is_read_whole():
    src = source("truncated-after-items.xml")
    assert [i.source_id for i in src.items()] == ["1", "2"]
    assert [c.source_id for c in src.comments()] == ["11", "21", "22"]
    (repair,) = src.repairs
    assert repair.repaired and "every complete item was read" in repair.problem


def test_many_repairs_are_listed_up_to_a_limit_then_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(xmlrepair, "REPAIRS_PER_KIND", 3)
    head, tail = (FIXTURES / "wxr-https.xml").read_text().split("<item>", 1)
    items = "".join(
        f"<item><title>Lumio&nbsp;{n}</title><wp:post_id>{n}</wp:post_id></item>\n"
        for n in range(1, 11)
    )
    path = tmp_path / "molti.xml"
    path.write_text(head + items + "<item>" + tail)
    src = WXRSource(path)
    assert len(list(src.items())) == 11
    assert len(src.repairs) == 4
    assert src.repairs[-1].problem == (
        "7 more repairs of undefined entities, made the same way, are not listed."
    )


def test_entities_declared_in_a_doctype_are_never_expanded(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text()
    doctype = (
        '<!DOCTYPE rss [<!ENTITY segreto SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
    )
    text = text.replace("<rss ", doctype + "<rss ", 1).replace(
        "<![CDATA[Lumio Air: sottile come una matita]]>", "Lumio &segreto; &b;"
    )
    path = tmp_path / "doctype.xml"
    path.write_text(text)
    (item,) = WXRSource(path).items()
    assert item.title == "Lumio &segreto; &b;"


# Refused, with a clear message -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.xml", "The file empty.xml is empty."),
        ("not-xml.txt", "The file not-xml.txt is not XML (line 1 does not start with “<”)."),
        (
            "not-wxr.xml",
            "The file not-wxr.xml is XML but not a WordPress export: its root element is "
            "<catalogo>, not <rss>.",
        ),
        (
            "rss-feed.xml",
            "The file rss-feed.xml is not a WordPress export: it declares no WordPress "
            "namespace (wp:).",
        ),
        (
            "broken-middle.xml",
            "The file broken-middle.xml is not valid XML at line 18: Opening and ending tag "
            "mismatch: title line 18 and titolo.",
        ),
        (
            "truncated-header.xml",
            "The file truncated-header.xml ends at line 15, before its first post: it is cut "
            "short.",
        ),
        ("missing.xml", "The file missing.xml cannot be read: it does not exist."),
    ],
)
def test_unreadable_files_are_refused_before_anything_is_read(name, message):
    src = source(name)
    for read in (src.site, src.authors, src.items, src.comments, src.terms):
        with pytest.raises(SourceError) as refused:
            next(iter(read())) if read is not src.site else read()
        assert str(refused.value) == message


def test_xml_that_is_not_xml_at_all(tmp_path):
    path = tmp_path / "pagina.xml"
    path.write_text("<html><body><p>Telefoni Lumio<br></body></html>")
    with pytest.raises(SourceError, match="root element is <html>, not <rss>"):
        WXRSource(path).site()
    path.write_text("<<<>>> Lumio")
    with pytest.raises(SourceError, match=r"^The file pagina.xml is not XML \(line 1: "):
        WXRSource(path).site()


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(SourceError, match=r"cannot be read: it is a folder\.$"):
        WXRSource(tmp_path).site()


def test_an_item_without_id_or_with_a_bad_date_is_reported(tmp_path):
    text = (FIXTURES / "wxr-https.xml").read_text()
    head, rest = text.split("<item>", 1)
    nameless = "<item><title>Senza numero</title><wp:status>publish</wp:status></item>\n"
    rest = rest.replace("2025-02-01 09:00:00", "2025-02-31 09:00:00", 1)
    path = tmp_path / "difetti.xml"
    path.write_text(head + nameless + "<item>" + rest)
    src = WXRSource(path)
    (item,) = src.items()
    assert item.source_id == "300" and item.date is None
    assert item.date_local == datetime(2025, 2, 1, 10, 0)
    assert [(r.where, r.problem, r.repaired) for r in src.repairs] == [
        (
            f"line {head.count(chr(10)) + 1}",
            "An <item> without wp:post_id was skipped.",
            False,
        ),
        ("post 300", "The date “2025-02-31 09:00:00” is not valid; it was left empty.", True),
    ]


def test_messages_are_translated_into_italian():
    with translation.override("it"):
        with pytest.raises(SourceError) as refused:
            source("broken-middle.xml").site()
        assert str(refused.value).startswith(
            "Il file broken-middle.xml non è XML valido alla riga 18:"
        )
        src = source("truncated.xml")
        src.site()
        (repair,) = src.repairs
        assert repair.where.startswith("riga ")
        assert "non è stato importato" in repair.problem


# Memory stays flat --------------------------------------------------------------------------


def _write_big_export(path: Path, megabytes: int) -> int:
    head = (FIXTURES / "wxr-https.xml").read_text().split("<item>", 1)[0]
    body = "<p>Il Lumio X%d regge una giornata intera, anche con il 5G acceso.</p>\n" * 12
    with path.open("w") as out:
        out.write(head)
        n = 0
        while out.tell() < megabytes * 2**20:
            n += 1
            out.write(
                f"<item><title>Prova numero {n} &egrave; pronta</title>"
                f"<dc:creator>sara</dc:creator>"
                f"<content:encoded><![CDATA[{body}]]></content:encoded>"
                f"<wp:post_id>{n}</wp:post_id>"
                f"<wp:post_date_gmt>2024-01-01 09:00:00</wp:post_date_gmt>"
                f"<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            )
            for c in range(3):
                out.write(
                    f"<wp:comment><wp:comment_id>{n * 10 + c}</wp:comment_id>"
                    f"<wp:comment_content><![CDATA[Commento {c} sul Lumio]]></wp:comment_content>"
                    f"</wp:comment>\n"
                )
            out.write("</item>\n")
        out.write("</channel></rss>\n")
    return n


def _resident() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc for the RSS")
def test_memory_stays_flat_while_a_large_file_is_read(tmp_path):
    path = tmp_path / "grande.xml"
    items = _write_big_export(path, 50)
    size = path.stat().st_size
    src = WXRSource(path)
    src.site()  # the first full pass, outside the measure
    base = _resident()
    resident = 0
    tracemalloc.start()
    try:
        for count, _item in enumerate(src.items(), 1):
            if count == items // 10:
                tenth = tracemalloc.get_traced_memory()[1]
            if count % 500 == 0:
                resident = max(resident, _resident() - base)
        full = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    for number, _comment in enumerate(src.comments(), 1):
        if number % 1500 == 0:
            resident = max(resident, _resident() - base)
    assert count == items and number == 3 * items
    # From a tenth of the file to all of it the peak does not move: a chunk and one item at
    # a time, whatever the size.
    assert full < tenth + 2**20
    assert full < size / 20
    # libxml2's tree is outside tracemalloc's sight: the process as a whole stays small too.
    assert resident < size / 4
