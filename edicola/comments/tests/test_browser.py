"""The discussion in Chromium, with JavaScript off and on: post as a guest, reply, vote, sort,
load all, edit in the window, report; and a comment approved elsewhere appearing live in a
second browser without a reload."""

import re

import pytest
from playwright.sync_api import expect

from edicola.comments import moderation
from edicola.comments.models import Comment, Report
from edicola.comments.tests.factories import make_comment, make_commentable_article
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, describe_violations, run_axe

pytestmark = pytest.mark.browser

THREADS = 21  # one more than a page, so "show all" appears


@pytest.fixture
def live_article(
    request,
    transactional_db,
    django_db_serialized_rollback,
    django_db_blocker,
    settings,
    monkeypatch,
):
    """A committed article with 21 threads (the live server thread sees them).

    Playwright's sync API runs an event loop in the test thread; the test still talks to the
    database between browser steps, which Django allows once told so.
    """
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    settings.COMMENTS = {
        **settings.COMMENTS,
        "MODERATION": "none",
        "MIN_FORM_SECONDS": 0,
        "RATE_COMMENTS": ["100/60"],
        "RATE_VOTES": ["100/1"],
    }
    article = make_commentable_article("Il telefono pieghevole arriva in Italia")
    for number in range(THREADS):
        make_comment(article, f"Discussione numero {number}", name=f"Lettore {number}")
    return article


def context_for(chromium, live_server, *, javascript: bool):
    from edicola.news.tests.conftest import NetworkGuard

    context = chromium.new_context(
        java_script_enabled=javascript, locale="it-IT", viewport={"width": 1200, "height": 900}
    )
    context.route("**/*", NetworkGuard("/nonexistent"))
    context.set_default_timeout(10_000)
    return context


def fill_guest_form(form, body: str, name: str = "Lucia Ferri"):
    form.locator("textarea[name=body]").fill(body)
    if form.locator("input[name=name]").count():
        form.locator("input[name=name]").fill(name)
        form.locator("input[name=email]").fill("lucia@example.org")
        form.locator("input[name=consent]").check()


def comment_li(page, text: str):
    return page.locator(f"li.comment:has(> .comment-main > .comment-text:has-text('{text}'))").first


def test_reader_flows_without_javascript(live_article, chromium, live_server):
    context = context_for(chromium, live_server, javascript=False)
    page = context.new_page()
    url = live_server.url + live_article.url
    page.goto(url)

    # Post as a guest: back on the article, with the note and the comment.
    fill_guest_form(page.locator("#commento-form"), "Primo commento senza script")
    page.locator("#commento-form button[type=submit]").click()
    page.wait_for_url(re.compile("nota=pubblicato"))
    expect(page.locator(".discussion-notice p")).to_have_count(1)
    expect(comment_li(page, "Primo commento senza script")).to_be_visible()

    # Reply: the form opens under that comment.
    other = Comment.objects.get(body="Discussione numero 20")
    page.locator(f"#commento-{other.pk} .comment-reply").first.click()
    reply_form = page.locator(f"#risposta-{other.pk} form")
    fill_guest_form(reply_form, "Una risposta senza script")
    reply_form.locator("button[type=submit]").click()
    expect(page.locator(f"#commento-{other.pk} .comment-replies .comment-text").first).to_have_text(
        "Una risposta senza script"
    )

    # Vote on someone else's comment.
    page.locator(f"#commento-{other.pk} .vote-up").first.click()
    expect(page.locator(f"#commento-{other.pk} .comment-score").first).to_have_attribute(
        "data-score", "1"
    )

    # Sort by votes, remembered: the voted comment leads the list on a fresh visit.
    page.get_by_role("link", name=re.compile("Most voted|Più votati")).click()
    page.wait_for_load_state()
    page.goto(url)
    first = page.locator(".comment-list > li.comment").first
    expect(first).to_have_attribute("id", f"commento-{other.pk}")

    # Load all: every thread is on the page.
    page.locator(".comment-show-all").click()
    expect(page.locator(".comment-list > li.comment")).to_have_count(THREADS + 1)

    # Edit within the window (the edit token is in a cookie).
    page.goto(url)
    mine = comment_li(page, "Primo commento senza script")
    mine.locator(".comment-edit").click()
    page.locator("textarea[name=body]").fill("Commento corretto senza script")
    page.locator(".comment-edit-form button[type=submit]").click()
    expect(comment_li(page, "Commento corretto senza script")).to_be_visible()

    # Report someone's comment.
    page.locator(f"#commento-{other.pk} .comment-report").first.click()
    page.locator("input[name=reason][value=offensive]").check()
    page.locator(".comment-report-form button[type=submit]").click()
    page.wait_for_url(re.compile("nota=segnalato"))
    assert Report.objects.filter(comment=other, reason="offensive").exists()
    context.close()


def test_reader_flows_with_javascript_and_live_updates(live_article, chromium, live_server):
    context = context_for(chromium, live_server, javascript=True)
    watcher = context_for(chromium, live_server, javascript=True)
    page = context.new_page()
    url = live_server.url + live_article.url
    page.goto(url)
    page.evaluate("window.__stillHere = true")  # gone if anything reloads the page
    watching = watcher.new_page()
    watching.goto(url)

    # Post without a reload; the comment appears with an edit link.
    fill_guest_form(page.locator("#commento-form"), "Commento con lo script")
    page.locator("#commento-form button[type=submit]").click()
    mine = comment_li(page, "Commento con lo script")
    mine.wait_for()
    assert mine.locator(".comment-edit").count() == 1

    # Reply in place.
    other = Comment.objects.get(body="Discussione numero 20")
    page.locator(f"#commento-{other.pk} .comment-reply").first.click()
    reply_form = page.locator(f"#commento-{other.pk} .comment-reply-box form")
    fill_guest_form(reply_form, "Risposta con lo script")
    reply_form.locator("button[type=submit]").click()
    page.locator(f"#commento-{other.pk} .comment-replies .comment-text").first.wait_for()

    # Vote, then see the button pressed and the score.
    page.locator(f"#commento-{other.pk} .vote-up").first.click()
    score = page.locator(f"#commento-{other.pk} .comment-score").first
    page.wait_for_function(
        "id => document.querySelector('#commento-' + id + ' .comment-score').textContent.trim()"
        ".endsWith('1')",
        arg=other.pk,
    )
    assert "1" in score.inner_text()
    assert page.locator(f"#commento-{other.pk} .vote-up").first.get_attribute("aria-pressed") == (
        "true"
    )

    # Sort by votes and load everything, without leaving the page.
    page.locator(".comment-sort a[data-sort=votes]").click()
    page.wait_for_function(
        "id => document.querySelector('.comment-list > li.comment').id === 'commento-' + id",
        arg=other.pk,
    )
    page.locator(".comment-show-all").click()
    # A function, not an expression: the page's CSP (no 'unsafe-eval') refuses evaluated strings.
    page.wait_for_function(
        "n => document.querySelectorAll('.comment-list > li.comment').length === n",
        arg=THREADS + 1,
    )

    # Edit in the window, inline.
    mine = comment_li(page, "Commento con lo script")
    mine.locator(".comment-edit").click()
    mine.locator(".comment-edit-form textarea").fill("Commento con lo script, corretto")
    mine.locator(".comment-edit-form button[type=submit]").click()
    comment_li(page, "Commento con lo script, corretto").wait_for()

    # The enhanced section, with open inline forms, stays accessible.
    violations = run_axe(page)
    assert not violations, describe_violations(violations)

    # Report inline.
    target = page.locator(f"#commento-{other.pk}")
    target.locator(".comment-report").first.click()
    target.locator("input[name=reason][value=spam]").check()
    target.locator(".comment-report-form button[type=submit]").click()
    page.locator(".discussion-notice p").wait_for()
    assert Report.objects.filter(comment=other, reason="spam").exists()
    assert page.evaluate("window.__stillHere") is True

    # A comment approved by a moderator shows up in the other browser within 10 s.
    held = make_comment(live_article, "Approvato dalla redazione", status=Comment.Status.PENDING)
    moderation.moderate([held], "approve", actor=None)
    comment_li(watching, "Approvato dalla redazione").wait_for(timeout=10_000)
    assert watching.locator(f"#commento-{held.pk}").is_visible()
    context.close()
    watcher.close()
