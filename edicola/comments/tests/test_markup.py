"""markup.render: the Markdown subset, and nothing dangerous whatever the input."""

from html.parser import HTMLParser

import pytest

from edicola.comments.markup import LINK_REL, count_links, render
from edicola.comments.tests.factories import XSS_PAYLOADS

ALLOWED = {
    "p": set(),
    "br": set(),
    "strong": set(),
    "em": set(),
    "code": set(),
    "blockquote": set(),
    "a": {"href", "rel"},
    "span": {"class"},
    "div": {"class"},
}


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(html: str):
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.found


def assert_inert(html: str):
    for tag, attrs in elements(html):
        assert tag in ALLOWED, html
        assert set(attrs) <= ALLOWED[tag], html
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://", "mailto:")), html
            assert attrs["rel"] == LINK_REL
        if "class" in attrs:
            assert attrs["class"] == "spoiler"


def test_there_are_at_least_fifty_payloads():
    assert len(XSS_PAYLOADS) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_markup_comes_out_inert(payload):
    html = render(payload)
    assert_inert(html)
    assert "<script" not in html.lower()
    assert "javascript:" not in "".join(str(attrs) for _tag, attrs in elements(html)).lower()


def test_the_markdown_subset():
    html = render("**grassetto** *corsivo* `codice` ||sorpresa|| [sito](https://a.example)")
    assert html == (
        "<p><strong>grassetto</strong> <em>corsivo</em> <code>codice</code> "
        '<span class="spoiler">sorpresa</span> '
        f'<a href="https://a.example" rel="{LINK_REL}">sito</a></p>'
    )


def test_paragraphs_line_breaks_and_quotes():
    assert render("uno\ndue\n\ntre") == "<p>uno<br>\ndue</p>\n<p>tre</p>"
    assert render("> citato") == "<blockquote>\n<p>citato</p>\n</blockquote>"


def test_block_spoiler():
    assert render(">! il finale") == '<div class="spoiler">\n<p>il finale</p>\n</div>'


def test_no_images_headings_lists_or_code_blocks():
    html = render("# Titolo\n\n- voce\n\n    codice\n\n![foto](https://a.example/x.png)")
    assert not {tag for tag, _ in elements(html)} & {"h1", "ul", "li", "pre", "img"}
    assert "# Titolo" in html


def test_raw_html_is_shown_as_text():
    assert render("<b>ciao</b>") == "<p>&lt;b&gt;ciao&lt;/b&gt;</p>"


def test_empty_text_renders_nothing():
    assert render("") == ""


def test_link_counting():
    assert count_links("niente") == 0
    assert count_links("[a](https://a.it) e https://b.it e www.c.it") == 3
