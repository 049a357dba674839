"""WordPress bodies → our blocks: Gutenberg, classic paragraphs and shortcodes, entities,
links, media, feedback questions, and hostile input that must end as a note, never a crash."""

import json

import pytest
from django.core.files.base import ContentFile
from django.utils import translation
from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.documents import get_document_model

from edicola.news.blocks import BODY_RICH_TEXT_FEATURES, ArticleBodyBlock
from edicola.news.tests.factories import make_image
from edicola.wordpress.autop import autop
from edicola.wordpress.bodies import BodyContext, convert_body
from edicola.wordpress.bodymedia import ImageRef
from edicola.wordpress.gutenberg import parse
from edicola.wordpress.records import FeedbackForm
from edicola.wordpress.shortcodes import parse_attributes

OLD = "https://lumio.example"
UPLOADS = f"{OLD}/wp-content/uploads/2024/03"


def rewrite(url: str) -> str:
    for prefix in (
        "https://www.lumio.example",
        "http://www.lumio.example",
        "https://lumio.example",
        "http://lumio.example",
        "//lumio.example",
        "//www.lumio.example",
    ):
        if url.startswith(prefix):
            return url[len(prefix) :] or "/"
    return url


def make_context(images=None, documents=None, attached=(), forms=None) -> BodyContext:
    """A context whose old site is lumio.example; images/documents by attachment id or URL."""
    images = images if images is not None else {str(n): ImageRef(100 + n) for n in range(1, 20)}
    documents = documents or {}

    def resolve_image(attachment_id, url):
        if attachment_id in images:
            return images[attachment_id]
        name = url.rsplit("/", 1)[-1]
        return images.get(name)

    def resolve_document(attachment_id, url):
        return documents.get(attachment_id) or documents.get(url.rsplit("/", 1)[-1])

    return BodyContext(
        post_id="42",
        resolve_image=resolve_image,
        resolve_document=resolve_document,
        attached_image_ids=lambda: list(attached),
        rewrite_url=rewrite,
        feedback_form=lambda unique_id: (forms or {}).get(unique_id),
    )


def convert(content, **context):
    with translation.override("it"):
        return convert_body(content, make_context(**context))


def types(result):
    return [block["type"] for block in result.blocks]


def values(result, kind):
    return [block["value"] for block in result.blocks if block["type"] == kind]


def problems(result):
    return " | ".join(note.problem for note in result.notes)


# -- wpautop -----------------------------------------------------------------------------------


def test_autop_blank_lines_make_paragraphs_and_single_breaks_br():
    assert autop("Uno\ndue\n\nTre") == "<p>Uno<br />\ndue</p>\n<p>Tre</p>"


def test_autop_does_not_wrap_block_elements():
    html = autop("Testo\n<h2>Titolo</h2>\n<ul>\n<li>a</li>\n</ul>\nFine")
    assert "<p><h2>" not in html and "<p><ul>" not in html
    assert "<p>Testo</p>" in html and "<p>Fine</p>" in html


def test_autop_leaves_pre_untouched():
    html = autop("Prima\n\n<pre>riga 1\n\nriga 2\n  rientro</pre>\n\nDopo")
    assert "<pre>riga 1\n\nriga 2\n  rientro</pre>" in html


def test_autop_double_br_is_a_paragraph_break():
    assert autop("Uno<br><br />Due") == "<p>Uno</p>\n<p>Due</p>"


def test_autop_keeps_attributes_on_several_lines_inside_their_tag():
    html = autop('<a\nhref="/x">link</a> testo')
    assert html == '<p><a href="/x">link</a> testo</p>'


# -- classic content ---------------------------------------------------------------------------


def test_classic_paragraphs_and_line_breaks():
    result = convert("Primo paragrafo.\nStessa riga dopo un a capo.\n\nSecondo paragrafo.")
    assert values(result, "paragraph") == [
        "<p>Primo paragrafo.<br/>Stessa riga dopo un a capo.</p>",
        "<p>Secondo paragrafo.</p>",
    ]
    assert result.notes == []


def test_rich_text_opens_in_the_wagtail_editor():
    result = convert(
        'Riga uno\nriga <a href="https://lumio.example/x/">due</a>\n\n'
        "<ul><li>a<ol><li>b<br>c</li></ol></li></ul>"
    )
    editor = ContentstateConverter(BODY_RICH_TEXT_FEATURES)
    texts = []
    for value in values(result, "paragraph") + values(result, "list"):
        blocks = json.loads(editor.from_database_format(value))["blocks"]
        texts += [(block["type"], block["depth"], block["text"]) for block in blocks]
    assert texts == [
        ("unstyled", 0, "Riga uno\nriga due"),
        ("unordered-list-item", 0, "a"),
        ("ordered-list-item", 1, "b\nc"),
    ]


def test_entities_are_decoded_exactly_once():
    result = convert("Dopo l&#8217;acquisto &amp;amp; il reso: 5 &lt; 6")
    assert values(result, "paragraph") == ["<p>Dopo l’acquisto &amp;amp; il reso: 5 &lt; 6</p>"]


def test_entities_in_plain_text_fields_are_decoded_once(db):
    result = convert("<h2>L&#8217;offerta &amp; il prezzo</h2>")
    assert values(result, "heading") == [{"text": "L’offerta & il prezzo", "level": "h2"}]


def test_bold_and_italic_stored_as_wagtail_stores_them():
    result = convert("<strong>forte</strong>, <em>corsivo</em>, <u>sottolineato</u>")
    assert values(result, "paragraph") == ["<p><b>forte</b>, <i>corsivo</i>, sottolineato</p>"]


def test_headings_h1_h2_become_h2_and_h3_to_h6_h3_with_a_note():
    result = convert("<h1>Uno</h1><h2>Due</h2><h3>Tre</h3><h5>Cinque</h5>")
    assert [v["level"] for v in values(result, "heading")] == ["h2", "h2", "h3", "h3"]
    assert "h1" in problems(result) and "h5" in problems(result)
    assert "h3 became" not in problems(result)


def test_nested_ordered_and_unordered_lists():
    result = convert(
        "<ol><li>Primo<ul><li>dettaglio</li></ul></li><li><strong>Secondo</strong></li></ol>"
    )
    assert values(result, "list") == [
        "<ol><li>Primo<ul><li>dettaglio</li></ul></li><li><b>Secondo</b></li></ol>"
    ]


def test_blockquote_becomes_a_quote_with_attribution():
    result = convert(
        "<blockquote><p>Costerà meno.</p><p>Molto meno.</p><cite>La CEO</cite></blockquote>"
    )
    assert values(result, "quote") == [
        {"quote": "Costerà meno.\nMolto meno.", "attribution": "La CEO", "style": "quote"}
    ]


def test_classic_image_resolves_by_wp_image_class():
    result = convert(
        f'<img class="alignnone size-medium wp-image-7" src="{UPLOADS}/x-300x200.jpg" alt="Il'
        ' retro">'
    )
    assert values(result, "image") == [
        {"image": 107, "alt": "Il retro", "caption": "", "credit": ""}
    ]


def test_image_in_the_middle_of_a_paragraph_splits_it():
    result = convert(f'Prima <img class="wp-image-3" src="{UPLOADS}/a.jpg" alt="A"> dopo')
    assert types(result) == ["paragraph", "image", "paragraph"]


def test_unknown_image_is_left_out_with_a_note():
    result = convert('<img src="https://altrove.example/foto.jpg" alt="x">', images={})
    assert types(result) == []
    assert "altrove.example/foto.jpg" in problems(result)


def test_image_without_alt_gets_its_caption_or_a_generic_alt_with_a_note():
    result = convert(
        '[caption id="attachment_4"]<img class="wp-image-4" src="/a.jpg"> Vista frontale[/caption]'
    )
    assert values(result, "image")[0]["alt"] == "Vista frontale"
    result = convert('<img class="wp-image-4" src="/a.jpg">')
    assert values(result, "image")[0]["alt"] == "Immagine"
    assert "alternativ" in problems(result)


def test_image_credit_and_alt_come_from_the_attachment():
    images = {"5": ImageRef(5, alt="Scatola del telefono", credit="Foto: Lumio")}
    result = convert('<img class="wp-image-5" src="/b.jpg" alt="">', images=images)
    assert values(result, "image") == [
        {"image": 5, "alt": "Scatola del telefono", "caption": "", "credit": "Foto: Lumio"}
    ]


def test_caption_shortcode_with_link_and_text():
    content = (
        '[caption id="attachment_9" align="aligncenter" width="300"]'
        f'<a href="{UPLOADS}/x.jpg"><img class="size-medium wp-image-9"'
        f' src="{UPLOADS}/x-300x200.jpg" '
        'alt="Il telefono" width="300" height="200" /></a> Il telefono sul tavolo[/caption]'
    )
    result = convert(content)
    assert values(result, "image") == [
        {"image": 109, "alt": "Il telefono", "caption": "Il telefono sul tavolo", "credit": ""}
    ]


def test_a_caption_too_long_becomes_the_paragraph_below():
    long_caption = "parola " * 60
    result = convert(
        f'[caption id="attachment_2"]<img src="/x.jpg" alt="a"> {long_caption}[/caption]'
    )
    assert types(result) == ["image", "paragraph"]
    assert values(result, "image")[0]["caption"] == ""


def test_gallery_shortcode_with_ids_keeps_their_order():
    result = convert('[gallery ids="3,1,2" columns="3" link="file"]')
    assert [item["image"] for item in values(result, "gallery")[0]["images"]] == [103, 101, 102]


def test_bare_gallery_shows_the_posts_attached_images():
    result = convert("Le foto:\n\n[gallery]", attached=["5", "6"])
    assert types(result) == ["paragraph", "gallery"]
    assert [item["image"] for item in values(result, "gallery")[0]["images"]] == [105, 106]


def test_gallery_pictures_not_found_are_noted_and_skipped():
    result = convert('[gallery ids="1,77"]', images={"1": ImageRef(1, alt="a")})
    assert len(values(result, "gallery")[0]["images"]) == 1
    assert "77" in problems(result)


def test_embed_shortcode_and_bare_url_lines_become_embeds():
    result = convert(
        "Guardate:\nhttps://www.youtube.com/watch?v=abcdefghijk\n\n[embed]https://vimeo.com/123456[/embed]"
    )
    assert types(result) == ["paragraph", "embed", "embed"]
    youtube, vimeo = values(result, "embed")
    assert youtube["url"] == "https://www.youtube.com/watch?v=abcdefghijk"
    assert youtube["title"] == "Contenuto da YouTube"
    assert vimeo["url"] == "https://vimeo.com/123456"


def test_bare_url_of_an_unknown_site_is_a_link_not_an_embed():
    result = convert("https://negozio.example/offerta")
    assert values(result, "paragraph") == [
        '<p><a href="https://negozio.example/offerta">https://negozio.example/offerta</a></p>'
    ]


def test_audio_and_video_shortcodes_become_media_of_our_files():
    documents = {"voce.mp3": 31, "prova.mp4": 32}
    result = convert(
        f'[audio mp3="{UPLOADS}/voce.mp3"][/audio]\n\n'
        f'[video width="640" src="{UPLOADS}/prova.mp4"]',
        documents=documents,
    )
    assert values(result, "media") == [
        {"kind": "audio", "document": 31, "caption": ""},
        {"kind": "video", "document": 32, "caption": ""},
    ]


def test_a_video_format_browsers_cannot_play_is_offered_as_a_download():
    result = convert(f'[video flv="{UPLOADS}/vecchio.flv"]', documents={"vecchio.flv": 8})
    assert types(result) == ["document"]
    assert "flv" in problems(result)


def test_missing_media_file_becomes_a_link_with_a_note():
    result = convert(f'[audio src="{UPLOADS}/perso.mp3"]')
    assert values(result, "paragraph") == [
        '<p><a href="/wp-content/uploads/2024/03/perso.mp3">'
        "/wp-content/uploads/2024/03/perso.mp3</a></p>"
    ]
    assert "perso.mp3" in problems(result)


def test_wpdiscuz_feedback_becomes_a_question_for_readers():
    content = (
        'Il prezzo di lancio [wpdiscuz-feedback id="prezzo01" question="Lo comprereste?" '
        'opened="0"]sarà di 399 euro[/wpdiscuz-feedback] in Italia.'
    )
    result = convert(content)
    assert types(result) == ["paragraph", "feedback", "paragraph"]
    assert values(result, "feedback") == [
        {"passage": "sarà di 399 euro", "question": "Lo comprereste?", "question_id": "prezzo01"}
    ]
    assert result.feedback_ids == ["prezzo01"]
    assert result.feedback_questions == {"prezzo01": "prezzo01"}


def test_feedback_ids_are_slugified_and_unique_within_the_body():
    content = (
        '[wpdiscuz-feedback id="_Prezzo Finale!" question="A?"]uno[/wpdiscuz-feedback]\n\n'
        '[wpdiscuz-feedback id="prezzo-finale" question="B?"]due[/wpdiscuz-feedback]\n\n'
        f'[wpdiscuz-feedback id="{"x" * 80}" question="C?"]tre[/wpdiscuz-feedback]'
    )
    result = convert(content)
    assert result.feedback_ids == ["prezzo-finale", "prezzo-finale-2", "x" * 40]
    assert result.feedback_questions["_Prezzo Finale!"] == "prezzo-finale"


def test_feedback_question_comes_from_the_wpdiscuz_form_when_the_shortcode_has_none():
    form = FeedbackForm(source_id="3", post_id="42", unique_id="abc", question="Vi piace?")
    result = convert(
        '[wpdiscuz-feedback id="abc"]Il colore blu[/wpdiscuz-feedback]', forms={"abc": form}
    )
    assert values(result, "feedback")[0]["question"] == "Vi piace?"


def test_feedback_attribute_entities_decoded_once():
    result = convert(
        '[wpdiscuz-feedback id="q" question="L&#8217;avete provato?"]Testo[/wpdiscuz-feedback]'
    )
    assert values(result, "feedback")[0]["question"] == "L’avete provato?"


def test_unknown_shortcode_is_kept_as_text_and_reported():
    result = convert('Scrivici: [contact-form-7 id="12" title="Contatti"]')
    assert values(result, "paragraph") == [
        '<p>Scrivici: [contact-form-7 id="12" title="Contatti"]</p>'
    ]
    assert "contact-form-7" in problems(result)


def test_square_brackets_in_prose_are_not_shortcodes():
    result = convert("Il modello [sic] costa 300 euro [1].")
    assert result.notes == []


def test_escaped_shortcode_stays_literal():
    result = convert("Scrivete [[gallery]] per una galleria.")
    assert values(result, "paragraph") == ["<p>Scrivete [gallery] per una galleria.</p>"]


def test_shortcode_attributes_in_every_documented_form():
    named, positional = parse_attributes(""" a="uno due" b='tre' c=quattro "cinque" sei """)
    assert named == {"a": "uno due", "b": "tre", "c": "quattro"}
    assert positional == ["cinque", "sei"]


def test_more_marks_the_teaser_and_nextpage_a_separator():
    result = convert("Il <b>riassunto</b>.\n<!--more-->\nIl resto.\n<!--nextpage-->\nPagina due.")
    assert result.teaser == "Il riassunto."
    assert types(result) == ["paragraph", "paragraph", "separator", "paragraph"]
    assert "nextpage" in problems(result)


def test_links_to_the_old_site_are_rewritten_in_every_form():
    content = (
        '<a href="http://lumio.example/a/">1</a> <a href="https://www.lumio.example/b/">2</a> '
        '<a href="//lumio.example/c/">3</a> <a href="https://altro.example/d/">4</a>'
    )
    result = convert(content)
    assert values(result, "paragraph") == [
        '<p><a href="/a/">1</a> <a href="/b/">2</a> <a href="/c/">3</a> '
        '<a href="https://altro.example/d/">4</a></p>'
    ]


def test_tables_and_preformatted_text_are_kept_as_html():
    result = convert("<table><tr><td>Prezzo</td><td>399 €</td></tr></table>")
    assert types(result) == ["html"]
    assert "<td>399 €</td>" in values(result, "html")[0]


def test_youtube_iframe_becomes_a_click_to_load_embed():
    result = convert(
        '<iframe width="560" src="https://www.youtube.com/embed/abcdefghijk"></iframe>'
    )
    assert values(result, "embed")[0]["url"] == "https://www.youtube.com/watch?v=abcdefghijk"


def test_tweet_blockquote_becomes_an_embed_and_its_script_goes():
    content = (
        '<blockquote class="twitter-tweet"><p>Testo del post</p>&mdash; Lumio '
        '<a href="https://twitter.com/lumio/status/123">1 marzo</a></blockquote>'
        '<script async src="https://platform.twitter.com/widgets.js"></script>'
    )
    result = convert(content)
    assert values(result, "embed")[0]["url"] == "https://twitter.com/lumio/status/123"
    assert "script" in problems(result)


# -- Gutenberg ---------------------------------------------------------------------------------


def test_gutenberg_grammar_names_attributes_void_and_nesting():
    blocks, problems_found = parse(
        "<!-- wp:paragraph --><p>a</p><!-- /wp:paragraph -->"
        '<!-- wp:separator {"className":"is-style-wide"} /-->'
        '<!-- wp:my-plugin/box {"n":1} --><div><!-- wp:paragraph --><p>b</p>'
        "<!-- /wp:paragraph --></div><!-- /wp:my-plugin/box -->"
    )
    assert [b.name for b in blocks] == ["core/paragraph", "core/separator", "my-plugin/box"]
    assert blocks[1].attrs == {"className": "is-style-wide"}
    assert blocks[2].inner_blocks[0].name == "core/paragraph"
    assert blocks[2].html == "<div><p>b</p></div>"
    assert problems_found == []


def test_gutenberg_paragraph_heading_and_list():
    content = (
        "<!-- wp:paragraph -->\n<p>Il <strong>nuovo</strong> modello.</p>\n<!-- /wp:paragraph -->\n"
        '<!-- wp:heading {"level":4} -->\n<h4 class="wp-block-heading">Dettagli</h4>\n<!--'
        " /wp:heading -->\n"
        '<!-- wp:list {"ordered":true} -->\n<ol><!-- wp:list-item --><li>Uno<!-- wp:list -->'
        "<ul><!-- wp:list-item --><li>sotto</li><!-- /wp:list-item --></ul><!-- /wp:list -->"
        "</li><!-- /wp:list-item --></ol>\n<!-- /wp:list -->"
    )
    result = convert(content)
    assert types(result) == ["paragraph", "heading", "list"]
    assert values(result, "heading") == [{"text": "Dettagli", "level": "h3"}]
    assert values(result, "list") == ["<ol><li>Uno<ul><li>sotto</li></ul></li></ol>"]


def test_gutenberg_quote_and_pullquote():
    content = (
        '<!-- wp:quote --><blockquote class="wp-block-quote"><!-- wp:paragraph --><p>Prima'
        " frase.</p>"
        "<!-- /wp:paragraph --><cite>Il direttore</cite></blockquote><!-- /wp:quote -->"
        '<!-- wp:pullquote --><figure class="wp-block-pullquote"><blockquote><p>Da ricordare.</p>'
        "<cite>Lei</cite></blockquote></figure><!-- /wp:pullquote -->"
    )
    result = convert(content)
    assert values(result, "quote") == [
        {"quote": "Prima frase.", "attribution": "Il direttore", "style": "quote"},
        {"quote": "Da ricordare.", "attribution": "Lei", "style": "pullquote"},
    ]


def test_gutenberg_image_with_id_caption_and_link_to_another_page():
    content = (
        '<!-- wp:image {"id":8,"sizeSlug":"large","linkDestination":"custom"} -->'
        '<figure class="wp-block-image size-large"><a href="https://negozio.example/">'
        f'<img src="{UPLOADS}/z-1024x768.jpg" alt="Il telefono" class="wp-image-8"/></a>'
        "<figcaption>In vendita da oggi</figcaption></figure><!-- /wp:image -->"
    )
    result = convert(content)
    assert values(result, "image") == [
        {"image": 108, "alt": "Il telefono", "caption": "In vendita da oggi", "credit": ""}
    ]
    assert "negozio.example" in problems(result)


def test_gutenberg_gallery_old_ids_form():
    content = (
        '<!-- wp:gallery {"ids":[4,5]} --><figure class="wp-block-gallery"><ul'
        ' class="blocks-gallery-grid">'
        '<li><figure><img src="/a.jpg" alt="A" data-id="4"/><figcaption>Fronte</figcaption>'
        "</figure></li>"
        '<li><figure><img src="/b.jpg" alt="B" data-id="5"/></figure></li></ul>'
        '<figcaption class="blocks-gallery-caption">Il telefono</figcaption></figure><!--'
        " /wp:gallery -->"
    )
    gallery = values(convert(content), "gallery")[0]
    assert gallery["caption"] == "Il telefono"
    assert gallery["images"] == [
        {"image": 104, "alt": "A", "caption": "Fronte", "credit": ""},
        {"image": 105, "alt": "B", "caption": "", "credit": ""},
    ]


def test_gutenberg_gallery_nested_image_form():
    content = (
        '<!-- wp:gallery {"linkTo":"none"} --><figure class="wp-block-gallery has-nested-images">'
        '<!-- wp:image {"id":6} --><figure class="wp-block-image"><img src="/c.jpg" alt="C" '
        'class="wp-image-6"/><figcaption>Retro</figcaption></figure><!-- /wp:image -->'
        '<!-- wp:image {"id":7} --><figure class="wp-block-image"><img src="/d.jpg" alt="D" '
        'class="wp-image-7"/></figure><!-- /wp:image --></figure><!-- /wp:gallery -->'
    )
    gallery = values(convert(content), "gallery")[0]
    assert [(i["image"], i["caption"]) for i in gallery["images"]] == [(106, "Retro"), (107, "")]


def test_gutenberg_embeds_new_and_old_names():
    content = (
        '<!-- wp:embed {"url":"https://www.youtube.com/watch?v=abcdefghijk","type":"video",'
        '"providerNameSlug":"youtube"} --><figure class="wp-block-embed"><div'
        ' class="wp-block-embed__wrapper">\n'
        "https://www.youtube.com/watch?v=abcdefghijk\n</div><figcaption>La"
        " presentazione</figcaption>"
        "</figure><!-- /wp:embed -->"
        '<!-- wp:core-embed/vimeo {"url":"https://vimeo.com/76979871"} --><figure><div '
        'class="wp-block-embed__wrapper">https://vimeo.com/76979871</div></figure><!--'
        " /wp:core-embed/vimeo -->"
    )
    youtube, vimeo = values(convert(content), "embed")
    assert youtube == {
        "url": "https://www.youtube.com/watch?v=abcdefghijk",
        "title": "Contenuto da YouTube",
        "caption": "La presentazione",
    }
    assert vimeo["url"] == "https://vimeo.com/76979871"


def test_gutenberg_separator_more_nextpage():
    content = (
        "<!-- wp:paragraph --><p>Sintesi.</p><!-- /wp:paragraph -->"
        "<!-- wp:more --><!--more--><!-- /wp:more -->"
        '<!-- wp:separator --><hr class="wp-block-separator"/><!-- /wp:separator -->'
        "<!-- wp:nextpage --><!--nextpage--><!-- /wp:nextpage -->"
        "<!-- wp:paragraph --><p>Seguito.</p><!-- /wp:paragraph -->"
    )
    result = convert(content)
    assert result.teaser == "Sintesi."
    assert types(result) == ["paragraph", "separator", "separator", "paragraph"]


def test_gutenberg_file_audio_video_become_document_and_media():
    content = (
        '<!-- wp:file {"id":20,"href":"/f/scheda.pdf"} --><div class="wp-block-file">'
        '<a href="/f/scheda.pdf">Scheda tecnica</a><a href="/f/scheda.pdf"'
        ' class="wp-block-file__button" '
        "download>Scarica</a></div><!-- /wp:file -->"
        '<!-- wp:audio {"id":21} --><figure class="wp-block-audio"><audio controls'
        ' src="/f/voce.mp3">'
        "</audio><figcaption>Intervista</figcaption></figure><!-- /wp:audio -->"
        '<!-- wp:video {"id":22} --><figure class="wp-block-video"><video controls src="/f/v.mp4">'
        "</video></figure><!-- /wp:video -->"
    )
    result = convert(content, documents={"20": 1, "21": 2, "22": 3})
    assert result.blocks == [
        {"type": "document", "value": {"document": 1, "title": "Scheda tecnica"}},
        {"type": "media", "value": {"kind": "audio", "document": 2, "caption": "Intervista"}},
        {"type": "media", "value": {"kind": "video", "document": 3, "caption": ""}},
    ]


def test_gutenberg_columns_and_groups_are_flattened_keeping_content():
    content = (
        '<!-- wp:columns --><div class="wp-block-columns"><!-- wp:column --><div'
        ' class="wp-block-column">'
        "<!-- wp:paragraph --><p>Sinistra</p><!-- /wp:paragraph --></div><!-- /wp:column -->"
        '<!-- wp:column --><div class="wp-block-column"><!-- wp:group --><div'
        ' class="wp-block-group">'
        "<!-- wp:heading --><h2>Destra</h2><!-- /wp:heading --></div><!-- /wp:group --></div>"
        "<!-- /wp:column --></div><!-- /wp:columns -->"
    )
    result = convert(content)
    assert types(result) == ["paragraph", "heading"]
    assert result.notes == []


def test_gutenberg_html_block_is_kept_cleaned():
    content = (
        '<!-- wp:html --><div class="box" onclick="x()"><b>Nota</b><script>rubare()</script>'
        "</div><!-- /wp:html -->"
    )
    assert values(convert(content), "html") == ["<div><b>Nota</b></div>"]


def test_gutenberg_shortcode_block_and_shortcode_inside_a_paragraph():
    content = (
        '<!-- wp:shortcode -->[gallery ids="1,2"]<!-- /wp:shortcode -->'
        '<!-- wp:paragraph --><p>Il [wpdiscuz-feedback id="colore" question="Blu o nero?"]'
        "colore blu[/wpdiscuz-feedback] piace.</p><!-- /wp:paragraph -->"
    )
    result = convert(content)
    assert types(result) == ["gallery", "paragraph", "feedback", "paragraph"]
    assert result.feedback_ids == ["colore"]


def test_unknown_plugin_block_is_kept_as_html_with_a_note():
    content = (
        '<!-- wp:acme/price-box {"price":399} --><div class="acme">Prezzo: 399 €</div>'
        "<!-- /wp:acme/price-box -->"
    )
    result = convert(content)
    assert values(result, "html") == ["<div>Prezzo: 399 €</div>"]
    assert "acme/price-box" in problems(result)


def test_dynamic_block_without_content_is_noted():
    result = convert('<!-- wp:latest-posts {"postsToShow":3} /-->')
    assert result.blocks == []
    assert "core/latest-posts" in problems(result)


def test_freeform_text_between_blocks_is_classic_content():
    content = "Testo libero\n\nsu due paragrafi<!-- wp:separator /-->"
    assert types(convert(content)) == ["paragraph", "paragraph", "separator"]


# -- hostile and broken input ------------------------------------------------------------------


def test_scripts_handlers_and_javascript_links_never_survive():
    content = (
        '<p onclick="alert(1)">Ciao <a href="javascript:alert(2)">qui</a> '
        '<a href="jav&#x61;script:alert(3)">là</a> <a href=" JAVASCRIPT:alert(4)">su</a></p>'
        "<script>alert(5)</script><style>p{}</style>"
        '<img src="x" onerror="alert(6)" class="wp-image-1" alt="a">'
    )
    result = convert(content)
    dumped = json.dumps(result.blocks).lower()
    for forbidden in ("alert", "onclick", "onerror", "javascript", "<script", "<style"):
        assert forbidden not in dumped
    assert values(result, "paragraph") == ["<p>Ciao qui là su</p>"]


def test_hostile_addresses_in_media_files_and_embeds_never_become_links():
    content = (
        '[audio src="javascript:alert(1)"]\n\n[video mp4="data:text/html,x"]\n\n'
        "[embed]javascript:alert(2)[/embed]\n\n"
        '<!-- wp:file {"href":"vbscript:msgbox"} --><div><a href="vbscript:msgbox">f</a></div>'
        "<!-- /wp:file -->"
    )
    dumped = json.dumps(convert(content).blocks).lower()
    assert "href" not in dumped and "embed" not in dumped


def test_the_old_site_embedding_its_own_post_becomes_a_link():
    result = convert(
        '<!-- wp:embed {"url":"https://lumio.example/2024/03/prova/","type":"wp-embed"} -->'
        "<figure></figure><!-- /wp:embed -->"
    )
    assert values(result, "paragraph") == ['<p><a href="/2024/03/prova/">/2024/03/prova/</a></p>']


def test_control_characters_never_reach_the_stored_body():
    result = convert("Testo\x00con\x07caratteri\x1b di controllo")
    assert values(result, "paragraph") == ["<p>Testoconcaratteri di controllo</p>"]


def test_unclosed_blocks_and_stray_closers_are_repaired_with_notes():
    content = (
        "<!-- /wp:paragraph --><!-- wp:paragraph --><p>Uno</p>"
        "<!-- wp:quote --><blockquote><p>Due</p></blockquote>"
    )
    result = convert(content)
    assert "Uno" in json.dumps(result.blocks) and "Due" in json.dumps(result.blocks)
    assert "core/paragraph" in problems(result) and "core/quote" in problems(result)


def test_malformed_block_json_means_no_attributes_and_a_note():
    result = convert('<!-- wp:heading {"level":4,,} --><h2>Titolo</h2><!-- /wp:heading -->')
    assert values(result, "heading") == [{"text": "Titolo", "level": "h2"}]
    assert "core/heading" in problems(result)


def test_unclosed_html_comment_and_broken_tags_keep_the_text():
    result = convert("Prima parte <b>grassetto\n\n<div><p>Seconda <!-- mai chiuso")
    assert "Prima parte" in json.dumps(result.blocks, ensure_ascii=False)


def test_empty_and_whitespace_bodies():
    for content in (
        "",
        "   \n\n  ",
        "<p>&nbsp;</p>",
        "<!-- wp:paragraph --><p></p><!-- /wp:paragraph -->",
    ):
        result = convert(content)
        assert result.blocks == []


def test_enormous_bodies_convert_without_error():
    paragraphs = "\n\n".join(f"Paragrafo numero {n} con un po' di testo." for n in range(20_000))
    result = convert(paragraphs)
    assert len(result.blocks) == 20_000
    for hostile in (
        "<pre" * 50_000,
        "[gallery" * 50_000,
        "[wpdiscuz-feedback " * 20_000,
        "<!-- wp:paragraph -->" * 5_000,
        "<div>" * 3_000 + "profondo" + "</div>" * 3_000,
        "<table><tr><td>" * 3_000 + "cella",
        "<!-- wp:group -->" * 3_000 + "<p>gruppo</p>",
        " " * 500_000 + "x",
        "[" * 100_000,
    ):
        result = convert(hostile)
        assert isinstance(result.blocks, list)


def test_odd_unicode_is_kept():
    result = convert("Emoji 📱, \u202eal contrario, e\u0301 composta")
    assert "📱" in values(result, "paragraph")[0]


# -- every converted value validates -----------------------------------------------------------

FIXTURES = {
    "classic": (
        "Il nuovo <strong>Lumio X3</strong> arriva l&#8217;8 marzo.\n\n"
        '[caption id="attachment_1" align="aligncenter" width="800"]<img class="wp-image-1"'
        f' src="{UPLOADS}/x3.jpg" alt="Lumio X3" /> Il Lumio X3[/caption]\n\n'
        "<h3>Prezzi</h3>\n<ul><li>128 GB: 399 €<ul><li>in tre colori</li></ul></li><li>256 GB</li>"
        "</ul>\n"
        "<blockquote>È il nostro telefono migliore.<cite>La CEO</cite></blockquote>\n"
        '[gallery ids="1,2"]\n\n[gallery]\n\n'
        "https://youtu.be/abcdefghijk\n\n"
        '[audio mp3="/wp-content/uploads/voce.mp3"]\n\n'
        '[video src="/wp-content/uploads/prova.mp4"]\n\n'
        'Il prezzo [wpdiscuz-feedback id="prezzo" question="Giusto?"]è di 399'
        " euro[/wpdiscuz-feedback].\n\n"
        '<!--nextpage-->\n<table><tr><td>a</td></tr></table>\n[shortcode_sconosciuto x="1"]'
    ),
    "gutenberg": (
        "<!-- wp:paragraph --><p>Apertura.</p><!-- /wp:paragraph --><!-- wp:more --><!--more--><!--"
        " /wp:more -->"
        '<!-- wp:heading {"level":1} --><h1>Titolo</h1><!-- /wp:heading -->'
        "<!-- wp:list --><ul><li>a<ul><li>b</li></ul></li></ul><!-- /wp:list -->"
        '<!-- wp:pullquote --><figure class="wp-block-pullquote"><blockquote><p>Da ricordare</p>'
        "</blockquote></figure><!-- /wp:pullquote -->"
        '<!-- wp:image {"id":2} --><figure><img class="wp-image-2" src="/b.jpg" alt=""/></figure>'
        "<!-- /wp:image -->"
        '<!-- wp:gallery {"ids":[1,2]} --><figure class="wp-block-gallery"></figure><!--'
        " /wp:gallery -->"
        '<!-- wp:embed {"url":"https://vimeo.com/123"} --><figure></figure><!-- /wp:embed -->'
        "<!-- wp:separator /--><!-- wp:nextpage --><!--nextpage--><!-- /wp:nextpage -->"
        '<!-- wp:file {"id":30} --><div><a href="/s.pdf">Scheda</a></div><!-- /wp:file -->'
        '<!-- wp:audio {"id":31} --><figure><audio src="/voce.mp3"></audio></figure><!-- /wp:audio'
        " -->"
        '<!-- wp:video {"id":32} --><figure><video src="/prova.mp4"></video></figure><!-- /wp:video'
        " -->"
        "<!-- wp:html --><p>Libero <script>x()</script></p><!-- /wp:html -->"
        "<!-- wp:acme/box --><div>Sconosciuto</div><!-- /wp:acme/box -->"
    ),
}


def make_document(title, name):
    document = get_document_model()(title=title)
    document.file.save(name, ContentFile(b"\x00" * 64), save=False)
    document.save()
    return document


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_every_converted_fixture_validates_against_our_blocks(fixture):
    first, second = make_image("Fronte", (400, 300)), make_image("Retro", (400, 300))
    images = {"1": ImageRef(first.pk), "2": ImageRef(second.pk, alt="Il retro")}
    pdf, mp3, mp4 = (
        make_document("Scheda", "scheda.pdf"),
        make_document("Voce", "voce.mp3"),
        make_document("Prova", "prova.mp4"),
    )
    documents = {"30": pdf.pk, "31": mp3.pk, "32": mp4.pk, "voce.mp3": mp3.pk, "prova.mp4": mp4.pk}
    with translation.override("it"):
        result = convert_body(
            FIXTURES[fixture], make_context(images, documents, attached=["2", "1"])
        )

    body = ArticleBodyBlock()
    value = body.to_python(result.blocks)
    body.clean(value)  # raises ValidationError naming the block otherwise
    for child in value:
        child.block.clean(child.value)
    editor = ContentstateConverter(BODY_RICH_TEXT_FEATURES)
    for block in result.blocks:
        if block["type"] in ("paragraph", "list"):  # an editor can open and save it again
            editor.to_database_format(editor.from_database_format(block["value"]))
    kinds = set(types(result))
    expected = {"paragraph", "heading", "list", "quote", "image", "gallery", "embed", "separator"}
    assert expected <= kinds
    assert {"media"} <= kinds
    assert result.notes
