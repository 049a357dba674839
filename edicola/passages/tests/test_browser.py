"""Passages in Chromium: answer an editor's question with JavaScript off and on; select words,
comment, see the highlight from a second browser; publish an edit (paragraph inserted before, a
word changed after) and see the highlight on the same words; report an error and find it in
the admin queue."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from edicola.comments.models import Comment
from edicola.news.tests.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RESTORE_MIGRATED_DATA,
    NetworkGuard,
)
from edicola.passages.models import ErrorReport, PassageAnchor
from edicola.passages.tests.factories import (
    PARAGRAPHS,
    article_body,
    make_passage_article,
    publish_body,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def live_article(
    request,
    transactional_db,
    django_db_serialized_rollback,
    django_db_blocker,
    settings,
    monkeypatch,
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    settings.COMMENTS = {
        **settings.COMMENTS,
        "MODERATION": "none",
        "MIN_FORM_SECONDS": 0,
        "RATE_COMMENTS": ["100/60"],
    }
    return make_passage_article()


def new_context(chromium, *, javascript: bool = True, **options):
    options.setdefault("viewport", {"width": 1200, "height": 900})
    context = chromium.new_context(java_script_enabled=javascript, locale="it-IT", **options)
    context.route("**/*", NetworkGuard("/nonexistent"))
    context.set_default_timeout(10_000)
    return context


def fill_reader(form, body: str):
    form.locator("textarea[name=body]").fill(body)
    form.locator("input[name=name]").fill("Lucia Ferri")
    form.locator("input[name=email]").fill("lucia@example.org")
    form.locator("input[name=consent]").check()


SELECT_WORDS = """(words) => {
  const body = document.querySelector('.article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.nodeValue.indexOf(words);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + words.length);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      return true;
    }
  }
  return false;
}"""

WORD_CENTRE = """(word) => {
  const body = document.querySelector('.article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.nodeValue.indexOf(word);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + word.length);
      const box = range.getBoundingClientRect();
      return {x: box.x + box.width / 2, y: box.y + box.height / 2};
    }
  }
  return null;
}"""


def test_answer_question_without_and_with_javascript(live_article, chromium, live_server):
    url = live_server.url + live_article.url
    plain = new_context(chromium, javascript=False)
    page = plain.new_page()
    page.goto(url)
    page.locator("#domanda-prezzo .feedback-open").click()
    assert "commenti=feedback" in page.url
    section = page.locator("#risposte-prezzo")
    section.locator("summary").click()
    fill_reader(section.locator("form"), "Sì, senza JavaScript")
    section.locator("form button[type=submit]").click()
    page.wait_for_url("**nota=pubblicato**")
    answer = Comment.objects.get(body="Sì, senza JavaScript")
    assert answer.passage.question_id == "prezzo"
    page.locator(f"#commento-{answer.pk} .comment-passage").wait_for()
    plain.close()

    scripted = new_context(chromium)
    page = scripted.new_page()
    page.goto(url)
    badge = page.locator("#domanda-prezzo .feedback-count")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    page.locator("#domanda-prezzo .feedback-open").click()
    dialog = page.locator("dialog.passage-dialog")
    assert "Lo comprereste" in dialog.locator("h2").inner_text()
    fill_reader(dialog.locator("form"), "Sì, con JavaScript")
    dialog.locator("form button[type=submit]").click()
    dialog.locator(".passage-notice").wait_for()
    assert badge.inner_text() == "2"
    assert Comment.objects.get(body="Sì, con JavaScript").passage.question_id == "prezzo"
    # The filter shows only the answers, each with "go to the passage".
    page.goto(url + "?commenti=feedback#commenti")
    page.locator(".feedback-answers").wait_for()
    assert page.locator(".feedback-answers > li.comment").count() == 2
    page.locator(".feedback-filter a").first.click()
    page.locator(".comment-list").wait_for()
    assert page.locator(".feedback-view").count() == 0
    scripted.close()


def test_passage_comment_highlight_survives_edit_and_error_report(
    live_article, chromium, live_server
):
    url = live_server.url + live_article.url
    first = new_context(chromium)
    page = first.new_page()
    page.goto(url)
    assert page.evaluate(SELECT_WORDS, "prezzo più basso")
    page.locator(".passage-tools .passage-comment").click()
    dialog = page.locator("dialog.passage-dialog")
    dialog.locator("form").wait_for()
    assert dialog.locator(".passage-quote").inner_text() == "prezzo più basso"
    fill_reader(dialog.locator("form"), "Quanto più basso, esattamente?")
    dialog.locator("form button[type=submit]").click()
    dialog.locator(".passage-notice").wait_for()
    assert PassageAnchor.objects.get().exact == "prezzo più basso"

    # A selection across two blocks is refused in place.
    page.keyboard.press("Escape")
    page.evaluate(
        """() => {
          const paragraphs = document.querySelectorAll('.block-paragraph p');
          const range = document.createRange();
          range.setStart(paragraphs[0].firstChild, 5);
          range.setEnd(paragraphs[1].lastChild, 3);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }"""
    )
    page.locator(".passage-tools .passage-refusal").wait_for()
    first.close()

    second = new_context(chromium)
    page = second.new_page()
    page.goto(url)
    mark = page.locator("mark.passage-mark")
    mark.first.wait_for()
    assert "".join(mark.all_inner_texts()) == "prezzo più basso"
    assert page.locator(".passage-count").inner_text() == "1"

    # An editor inserts a paragraph before and changes a word after; publish.
    paragraphs = [
        "<p>Aggiornamento delle 18: la casa ha diffuso anche i prezzi europei.</p>",
        PARAGRAPHS[0].replace("generazione precedente", "versione precedente"),
        PARAGRAPHS[1],
    ]
    publish_body(live_article, article_body(paragraphs))
    page.reload()
    mark.first.wait_for()
    assert "".join(mark.all_inner_texts()) == "prezzo più basso"
    assert "versione precedente" in page.locator(".article-body").inner_text()

    # Report an error on a word selected with the mouse (double click).
    point = page.evaluate(WORD_CENTRE, "batteria")
    page.mouse.dblclick(point["x"], point["y"])
    page.locator(".passage-tools .passage-report").click()
    dialog = page.locator("dialog.passage-dialog")
    dialog.locator("textarea[name=explanation]").fill("Nella vostra prova durava mezza giornata.")
    dialog.locator("form button[type=submit]").click()
    dialog.locator(".passage-notice").wait_for()
    report = ErrorReport.objects.get()
    assert report.exact == "batteria" and report.status == "open"
    second.close()

    admin = get_user_model().objects.create_superuser("capo", "capo@example.org", "pw-di-prova")
    client = Client()
    client.force_login(admin)
    staff = new_context(chromium)
    staff.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = staff.new_page()
    page.goto(live_server.url + "/admin/passaggi/errori/")
    row = page.locator(f"tr[data-report='{report.pk}']")
    assert "mezza giornata" in row.inner_text()
    staff.close()


# -- Keyboard and touch ----------------------------------------------------------------------------

PLACE_CARET = """(word) => {
  const body = document.querySelector('.article-body');
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.nodeValue.indexOf(word);
    if (at >= 0) { getSelection().collapse(node, at); return true; }
  }
  return false;
}"""


@pytest.fixture
def caret_chromium():
    """Chromium with caret browsing on (what F7 turns on for keyboard users): a caret in the
    page text that Shift+arrows extend into a selection."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--enable-caret-browsing"]
        )
        try:
            yield browser
        finally:
            browser.close()


def test_keyboard_selection_offers_comment_and_posts_it(live_article, caret_chromium, live_server):
    context = new_context(caret_chromium)
    page = context.new_page()
    page.goto(live_server.url + live_article.url)
    # The caret goes before "prezzo"; the reader selects "prezzo più basso" word by word.
    assert page.evaluate(PLACE_CARET, "prezzo più basso")
    for _ in range(3):
        page.keyboard.press("Shift+Control+ArrowRight")
    assert page.evaluate("getSelection().toString().trim()") == "prezzo più basso"
    button = page.locator(".passage-tools .passage-comment")
    button.wait_for()
    # Tab reaches the toolbar right after the selection, Enter opens the form.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('passage-comment')")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog.passage-dialog")
    dialog.locator("form").wait_for()
    assert dialog.locator(".passage-quote").inner_text() == "prezzo più basso"
    fill_reader(dialog.locator("form"), "Scelto con la tastiera.")
    dialog.locator("form button[type=submit]").press("Enter")
    dialog.locator(".passage-notice").wait_for()
    anchor = PassageAnchor.objects.get(comment__body="Scelto con la tastiera.")
    assert anchor.exact == "prezzo più basso" and anchor.kind == "selection"
    # Escape closes the dialog; the new passage is highlighted.
    page.keyboard.press("Escape")
    page.locator("mark.passage-mark").first.wait_for()
    context.close()


def test_touch_selection_offers_comment_and_posts_it(live_article, chromium, live_server):
    context = new_context(
        chromium, has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    page.goto(live_server.url + live_article.url)
    # Headless Chromium runs no long-press gesture, so the selection a long press makes (the
    # word under the finger) is placed as the browser would; the rest is done by touch.
    assert page.evaluate(SELECT_WORDS, "pannello")
    button = page.locator(".passage-tools .passage-comment")
    button.wait_for()
    box = button.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    dialog = page.locator("dialog.passage-dialog")
    dialog.locator("form").wait_for()
    assert dialog.locator(".passage-quote").inner_text() == "pannello"
    form = dialog.locator("form")
    fill_reader(form, "Scelto con il dito.")
    form.locator("button[type=submit]").tap()
    dialog.locator(".passage-notice").wait_for()
    anchor = PassageAnchor.objects.get(comment__body="Scelto con il dito.")
    assert anchor.exact == "pannello"
    context.close()
