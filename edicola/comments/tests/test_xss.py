"""Hostile input in Chromium: script tags, event handlers, javascript: links, SVG, broken markup
and Markdown link tricks, posted as comment text, name and website, approved, then shown on the
article. No script may run and no attribute may escape its quotes."""

import pytest

from edicola.comments import moderation, services
from edicola.comments.forms import CommentInput
from edicola.comments.models import Comment
from edicola.comments.services import CommentError
from edicola.comments.tests.factories import guest, make_commentable_article
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, NetworkGuard

pytestmark = pytest.mark.browser

MARK = "window.__xss=1"
PAYLOADS = [
    f"<script>{MARK}</script>",
    f"<SCRIPT SRC=data:text/javascript,{MARK}></SCRIPT>",
    f"<img src=x onerror={MARK}>",
    f'<img src="x" onerror="{MARK}">',
    f"<svg onload={MARK}>",
    f"<svg><script>{MARK}</script></svg>",
    f"<svg><animate onbegin={MARK} attributeName=x dur=1s>",
    f'<svg><a xlink:href="javascript:{MARK}"><text x="20" y="20">x</text></a></svg>',
    f"<body onload={MARK}>",
    f"<iframe src=javascript:{MARK}></iframe>",
    f'<iframe srcdoc="<script>parent.{MARK}</script>"></iframe>',
    f"<object data=javascript:{MARK}></object>",
    f"<embed src=javascript:{MARK}>",
    f"<details open ontoggle={MARK}>",
    f"<input autofocus onfocus={MARK}>",
    f"<select autofocus onfocus={MARK}></select>",
    f"<video><source onerror={MARK}></video>",
    f"<audio src=x onerror={MARK}>",
    f"<marquee onstart={MARK}>x</marquee>",
    f'<a href="javascript:{MARK}">clic</a>',
    f'<a href="JaVaScRiPt:{MARK}">clic</a>',
    f'<a href="&#106;avascript:{MARK}">clic</a>',
    f'<a href=" javascript:{MARK}">clic</a>',
    f'<a href="java\tscript:{MARK}">clic</a>',
    f'<a href="data:text/html,<script>{MARK}</script>">clic</a>',
    f'<a href="vbscript:{MARK}">clic</a>',
    f"[clic](javascript:{MARK})",
    f"[clic](JAVASCRIPT:{MARK})",
    f"[clic](javascript&#58;{MARK})",
    f"[clic](<javascript:{MARK}>)",
    "[clic](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)",
    f'[clic](https://example.org/"onmouseover="{MARK})',
    f'[clic](https://example.org/ "title" onmouseover={MARK})',
    f"![img](x onerror={MARK})",
    f'![img](x"onerror="{MARK})',
    f"<javascript:{MARK}>",
    f"[a][r]\n\n[r]: javascript:{MARK}",
    f"`<script>{MARK}</script>`",
    f"> <script>{MARK}</script>",
    f"||<img src=x onerror={MARK}>||",
    f"**<img src=x onerror={MARK}>**",
    f'"><script>{MARK}</script>',
    f"'><img src=x onerror={MARK}>",
    f"</textarea><script>{MARK}</script>",
    f"</li></ol><script>{MARK}</script>",
    f"<scr<script>ipt>{MARK}</scr</script>ipt>",
    f"<<script>script>{MARK}<</script>/script>",
    f'<div style="background:url(javascript:{MARK})">x</div>',
    f"<style>@import 'javascript:{MARK}';</style>",
    f"<link rel=stylesheet href=javascript:{MARK}>",
    f'<meta http-equiv=refresh content="0;url=javascript:{MARK}">',
    f"<base href=javascript:{MARK}//>",
    f"<form action=javascript:{MARK}><button>x</button></form>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={MARK}>",
    f'<noscript><p title="</noscript><img src=x onerror={MARK}>">',
    "<img src=x onerror=&#119;indow.__xss=1>",
    f"<img src=`x` onerror={MARK}>",
    f'<a href="https://example.org" onclick="{MARK}">ok</a>',
    f"{{{{constructor.constructor('{MARK}')()}}}}",
    f"<img/src=x/onerror={MARK}>",
    f"<svg/onload={MARK}//",
    f'<a href="javas&#x09;cript:{MARK}">clic</a>',
    f'<a href="&#x6A;&#x61;&#x76;&#x61;script:{MARK}">clic</a>',
    f"[clic](  javascript:{MARK}  )",
    f"[clic](java%0ascript:{MARK})",
    f'<a href="#" onfocus="{MARK}" autofocus>x</a>',
    f"<template><script>{MARK}</script></template>",
    f"<xmp><img src=x onerror={MARK}></xmp>",
    f'<isindex type=image src=1 onerror="{MARK}">',
    f"<table background=javascript:{MARK}>",
    f"<!--<img src=--><img src=x onerror={MARK}//-->",
]
URLS = [
    f"javascript:{MARK}",
    f'https://example.org/"onmouseover="{MARK}',
    f"https://example.org/'onmouseover='{MARK}",
    f"data:text/html,<script>{MARK}</script>",
    f"https://example.org/<script>{MARK}</script>",
]


@pytest.fixture
def hostile_article(
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
        "MODERATION": "all",
        "RATE_COMMENTS": ["1000/60"],
        "MAX_LINKS": 100,
    }
    article = make_commentable_article("Un articolo preso di mira")
    saved = []
    for number, payload in enumerate(PAYLOADS):
        url = URLS[number % len(URLS)]
        for data in (
            CommentInput(body=payload, name=payload[:80], email=f"x{number}@example.org", url=url),
            CommentInput(body=payload, name=payload[:80], email=f"x{number}@example.org"),
            CommentInput(body=payload, name=f"Ospite {number}", email=f"x{number}@example.org"),
        ):
            try:
                saved.append(services.submit_comment(article, data, client=guest()))
                break
            except CommentError:
                continue
    assert len(saved) >= 60
    moderation.moderate([c for c in saved if c.pk], "approve", actor=None)
    assert Comment.objects.approved().count() >= 60
    return article


def test_no_payload_runs_or_escapes(hostile_article, chromium, live_server):
    context = chromium.new_context(java_script_enabled=True)
    context.route("**/*", NetworkGuard("/nonexistent"))
    dialogs = []
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}{hostile_article.url}?commenti=tutti", wait_until="load")
    page.locator(".comment-list").wait_for()
    # Hover, focus and click what an attacker would hope for; reveal spoilers.
    for link in page.locator("#commenti .comment-text a, #commenti .comment-author a").all()[:80]:
        link.hover()
        link.evaluate("a => { a.focus(); a.dispatchEvent(new MouseEvent('mouseover')); }")
    for spoiler in page.locator("#commenti .spoiler").all()[:20]:
        spoiler.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    found = page.evaluate(
        """() => {
        const section = document.querySelector('#commenti .comment-thread');
        const bad = [];
        for (const el of section.querySelectorAll('*')) {
            for (const attr of el.attributes) {
                const name = attr.name.toLowerCase();
                if (name.startsWith('on') || ['style', 'srcdoc', 'src'].includes(name))
                    bad.push(el.tagName + ' ' + name);
            }
            if (el.hasAttribute('href')) {
                const href = el.getAttribute('href').trim().toLowerCase();
                if (!/^(https?:|mailto:|\\/|\\?|#)/.test(href)) bad.push('href ' + href);
            }
        }
        for (const tag of ['script', 'iframe', 'object', 'embed', 'svg', 'img', 'style', 'link',
                           'meta', 'base', 'math', 'video', 'audio', 'details', 'select']) {
            if (section.querySelector(tag)) bad.push('tag ' + tag);
        }
        const texts = section.querySelectorAll('.comment-text');
        return {bad, comments: texts.length};
    }"""
    )
    assert found["bad"] == []
    assert found["comments"] >= 60
    # Every comment's text stays inside its own element (no markup escaped into the page).
    assert page.locator("#commenti .comment-list > li.comment").count() >= 60
    context.close()
