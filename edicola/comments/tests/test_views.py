"""Reader flows with JavaScript off, through the Django client: the section on the article page,
posting and replying, editing in the window, votes, reports, sorting, paging, the origin check,
the reader-state and live-update endpoints."""

import json

import pytest
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from edicola.comments import services, stamps
from edicola.comments.models import Comment, Discussion, Report, Vote
from edicola.comments.tests.factories import make_comment, make_commentable_article, make_user
from edicola.comments.views import discussion as views

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none"}


@pytest.fixture
def article():
    return make_commentable_article("Il telefono pieghevole arriva in Italia")


def old_stamp(article, seconds: float = 60) -> str:
    """A stamp of this article's comment form, as if the form had been shown `seconds` ago."""
    return stamps.issue(stamps.form_for(article.pk), now=stamps.clock() - seconds)


def comment_data(article=None, **fields) -> dict:
    data = {
        "body": "Finalmente un prezzo **onesto**.",
        "name": "Lucia Ferri",
        "email": "lucia@example.org",
        "url": "",
        "consent": "1",
        "address": "",
        "stamp": old_stamp(article) if article is not None else "",
    }
    data.update(fields)
    return data


def post_url(article) -> str:
    return reverse("comments:post", args=[article.pk])


def post(client, article, **fields):
    return client.post(post_url(article), comment_data(article, **fields), **SAME_ORIGIN)


# -- The section on the article page --------------------------------------------------------------


def test_article_shows_count_form_and_consent_link(client, article, settings):
    from edicola.core.models import SiteSettings

    SiteSettings.objects.update(privacy_url="/privacy/")
    html = client.get(article.url).content.decode()
    assert 'id="commenti"' in html
    assert 'id="commento-form"' in html
    assert 'name="address"' in html and 'class="comment-hp"' in html
    assert 'href="/privacy/"' in html
    assert 'name="stamp"' in html
    assert "comments.js" in html


def test_consent_links_to_the_data_page_when_no_privacy_notice_is_set(client, article):
    html = client.get(article.url).content.decode()
    assert 'href="/commenti/privacy/"' in html


@pytest.mark.parametrize("count", [0, 1, 3])
def test_count_heading_is_pluralised(client, article, count):
    for number in range(count):
        make_comment(article, f"Commento {number}")
    html = client.get(article.url).content.decode()
    with_count = ngettext("%(counter)s comment", "%(counter)s comments", count)
    assert with_count % {"counter": count} in html


def test_threads_badges_placeholders_and_pinned_first(client, article):
    staff = make_user(staff=True)
    first = make_comment(article, "Il primo commento", name="Anna Verdi")
    make_comment(article, "Risposta della redazione", parent=first, user=staff, badge="staff")
    removed = make_comment(article, "Testo tolto", status=Comment.Status.REMOVED, count=False)
    make_comment(article, "Risposta a un commento tolto", parent=removed)
    pinned = make_comment(article, "In evidenza", is_pinned=True)
    html = client.get(article.url).content.decode()
    assert html.index(f'id="commento-{pinned.pk}"') < html.index(f'id="commento-{first.pk}"')
    assert gettext("Editorial staff") in html
    assert gettext("[comment removed]") in html
    assert "Testo tolto" not in html
    assert 'class="comment-avatar avatar-c' in html and ">AV<" in html
    assert "gravatar" not in html


def test_closed_discussion_shows_a_note_instead_of_the_form(client, article):
    Discussion.objects.update_or_create(article=article, defaults={"is_closed": True})
    html = client.get(article.url).content.decode()
    assert 'id="commento-form"' not in html
    assert gettext("Comments are closed for this article.") in html


def test_a_closed_thread_shows_a_note_and_refuses_replies_in_italian(client, article):
    top = make_comment(article, "Regole della discussione.")
    reply = make_comment(article, "Ricevuto.", parent=top)
    open_one = make_comment(article, "Un altro filo, aperto.")
    Comment.objects.filter(thread_id=top.pk).update(thread_closed=True)
    html = client.get(f"{article.url}?rispondi={reply.pk}").content.decode()
    assert gettext("Thread closed to replies") in html
    assert f"?rispondi={reply.pk}" not in html and f'id="risposta-{reply.pk}"' not in html
    assert f"?rispondi={open_one.pk}" in html
    response = post(client, article, parent=str(reply.pk), body="Rispondo lo stesso")
    assert response.status_code == 403
    assert "Questa conversazione è chiusa" in response.content.decode()
    assert not Comment.objects.filter(body="Rispondo lo stesso").exists()


def test_reply_link_renders_the_form_under_that_comment(client, article):
    comment = make_comment(article)
    html = client.get(f"{article.url}?rispondi={comment.pk}").content.decode()
    assert f'id="risposta-{comment.pk}"' in html
    assert f'name="parent" value="{comment.pk}"' in html


def test_logged_in_reader_comments_without_name_and_email(client, article):
    user = make_user(first_name="Paolo", last_name="Neri")
    client.force_login(user)
    html = client.get(article.url).content.decode()
    assert 'name="email"' not in html
    assert "Paolo Neri" in html
    response = client.post(
        post_url(article), {"body": "Da registrato", "stamp": old_stamp(article)}, **SAME_ORIGIN
    )
    assert response.status_code == 303
    assert Comment.objects.get(body="Da registrato").user == user


def test_first_twenty_threads_then_show_all_and_pages(client, article):
    for number in range(23):
        make_comment(article, f"Discussione numero {number}")
    html = client.get(article.url).content.decode()
    assert html.count('class="comment"') == 20
    assert "?commenti=tutti" in html and "?pagina-commenti=2" in html
    assert (
        client.get(f"{article.url}?commenti=tutti").content.decode().count('class="comment"') == 23
    )
    assert (
        client.get(f"{article.url}?pagina-commenti=2").content.decode().count('class="comment"')
        == 3
    )


def test_sort_link_is_remembered_in_a_cookie(client, article):
    low = make_comment(article, "Poco votato")
    high = make_comment(article, "Molto votato", score=5, upvotes=5)
    response = client.get(reverse("comments:sort", args=[article.pk]) + "?ordine=votes")
    assert response.status_code == 303 and response["Location"].endswith("#commenti")
    assert response.cookies[views.SORT_COOKIE].value == "votes"
    html = client.get(article.url).content.decode()
    assert html.index(f'id="commento-{high.pk}"') < html.index(f'id="commento-{low.pk}"')
    client.cookies[views.SORT_COOKIE] = "oldest"
    html = client.get(article.url).content.decode()
    assert html.index(f'id="commento-{low.pk}"') < html.index(f'id="commento-{high.pk}"')


# -- Posting ------------------------------------------------------------------------------------


def test_guest_post_redirects_to_the_comment_with_a_note(client, article):
    response = post(client, article)
    comment = Comment.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"{article.url}?nota=pubblicato#commento-{comment.pk}"
    assert f"{views.EDIT_COOKIE_PREFIX}{comment.pk}" in response.cookies
    page = client.get(response["Location"]).content.decode()
    assert gettext("Thank you: your comment is published.") in page
    assert "<strong>onesto</strong>" in page
    assert reverse("comments:edit", args=[comment.pk]) in page  # the author sees Edit


def test_held_comment_gets_the_moderation_note(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    response = post(client, article)
    assert response["Location"] == f"{article.url}?nota=in-attesa#commenti"
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_reply_is_saved_under_its_parent(client, article):
    parent = make_comment(article)
    response = post(client, article, parent=str(parent.pk), body="Sono d'accordo")
    reply = Comment.objects.get(body="Sono d'accordo")
    assert response.status_code == 303 and reply.parent == parent


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"body": ""}, "body"),
        ({"email": "non-una-mail"}, "email"),
        ({"name": ""}, "name"),
        ({"consent": ""}, "consent"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"body": "x" * 6000}, "body"),
        ({"body": "testo\x00nullo"}, "body"),
    ],
)
def test_bad_input_re_renders_the_form_with_the_text_kept(client, article, fields, field):
    data = {"body": "Il mio testo da non perdere"} | fields
    response = post(client, article, **data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="commento-{field}-error"' in html
    if field != "body":
        assert "Il mio testo da non perdere" in html
    assert Comment.objects.count() == 0


def test_foreign_parent_is_refused(client, article):
    other = make_commentable_article("Un altro articolo")
    foreign = make_comment(other)
    response = post(client, article, parent=str(foreign.pk))
    assert response.status_code in (400, 404)
    assert Comment.objects.filter(article=article).count() == 0


def test_honeypot_is_silently_dropped_and_a_forged_stamp_held(client, article):
    response = post(client, article, address="http://spam.example")
    assert response.status_code == 303 and "in-attesa" in response["Location"]
    assert Comment.objects.count() == 0
    # A bad stamp is no proof of a bot: the comment waits for review, as the reader is told.
    response = post(client, article, stamp="forged")
    assert response.status_code == 303 and "in-attesa" in response["Location"]
    assert Comment.objects.get().status == Comment.Status.PENDING


# -- Form stamps: one comment, one form, a short life (issue 13 point 8) ------------------------


def test_a_replayed_stamp_publishes_nothing_more(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "RATE_COMMENTS": ["1000/60"]}
    stamp = old_stamp(article)
    assert "nota=pubblicato" in post(client, article, body="Il primo", stamp=stamp)["Location"]
    for number in range(20):
        response = post(client, article, body=f"Ripetuto {number}", stamp=stamp)
        assert response.status_code == 303 and "in-attesa" in response["Location"]
    assert Comment.objects.filter(status=Comment.Status.APPROVED).count() == 1
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 20


def test_a_stamp_expires(client, article, settings, rate_limit_clock):
    assert settings.COMMENTS["STAMP_SECONDS"] == 7200
    stamp = old_stamp(article)
    rate_limit_clock.advance(7200 - 60)  # shown exactly two hours ago: still good
    assert "nota=pubblicato" in post(client, article, body="In tempo", stamp=stamp)["Location"]
    stamp = old_stamp(article)
    rate_limit_clock.advance(7200)  # two hours and a minute
    response = post(client, article, body="Troppo tardi", stamp=stamp)
    assert "in-attesa" in response["Location"]
    assert Comment.objects.get(body="Troppo tardi").status == Comment.Status.PENDING


def test_a_stamp_is_good_only_for_the_form_it_was_issued_for(client, article):
    other = make_commentable_article("Un altro articolo")
    for stamp in [
        old_stamp(other),  # another article's comment form
        stamps.issue(stamps.form_for(article.pk, "passage"), now=stamps.clock() - 60),
    ]:
        response = post(client, article, body=f"Con il timbro {stamp[:8]}", stamp=stamp)
        assert "in-attesa" in response["Location"]
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.PENDING}


def test_each_reader_gets_a_fresh_stamp_from_the_state_endpoint(client, article):
    state_url = reverse("comments:state", args=[article.pk])
    first, second = (client.get(state_url).json()["stamp"] for _ in range(2))
    assert first != second
    assert stamps.read(first, stamps.form_for(article.pk)).good


def test_a_json_post_hands_back_the_next_stamp(client, article, rate_limit_clock):
    response = client.post(
        post_url(article), comment_data(article), HTTP_ACCEPT="application/json", **SAME_ORIGIN
    )
    next_stamp = response.json()["stamp"]
    rate_limit_clock.advance(30)
    again = client.post(
        post_url(article),
        comment_data(article, body="Anche una risposta", stamp=next_stamp),
        HTTP_ACCEPT="application/json",
        **SAME_ORIGIN,
    )
    assert again.status_code == 201 and again.json()["published"]


def test_readers_without_javascript_post_from_the_cached_page(client, article, rate_limit_clock):
    import re

    from django.test import Client

    client.get(article.url)
    page = client.get(article.url)
    assert page["X-Page-Cache"] == "hit"
    stamp = re.search(r'name="stamp" value="([^"]+)"', page.content.decode()).group(1)
    rate_limit_clock.advance(40)  # reading, then writing
    response = post(client, article, body="Senza JavaScript", stamp=stamp)
    assert "nota=pubblicato" in response["Location"]
    # A second reader on the same cached copy: held for review and told so, never lost.
    other = Client()
    response = post(other, article, body="Anch'io senza JavaScript", stamp=stamp)
    assert response.status_code == 303 and "nota=in-attesa" in response["Location"]
    note = other.get(response["Location"]).content.decode()
    assert (
        gettext("Thank you: your comment is awaiting moderation and will appear once approved.")
        in note
    )
    assert Comment.objects.get(body="Anch'io senza JavaScript").status == Comment.Status.PENDING


def test_flood_is_answered_429_with_the_text_kept(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "RATE_COMMENTS": ["2/60"]}
    for number in range(2):
        assert post(client, article, body=f"Messaggio {number}").status_code == 303
    response = post(client, article, body="Il terzo di troppo")
    assert response.status_code == 429
    assert "Il terzo di troppo" in response.content.decode()
    assert Comment.objects.count() == 2


def test_every_429_says_when_to_retry_with_the_limiters_seconds(client, article, settings):
    """The rate limiter's clock stands still 30.5 s into a minute. With sliding windows, two
    comments now under "2 a minute" leave room only once their weight in the sliding minute falls
    below one, 60 s from now (a vote under "1 a second": 2 s; a report under "1 a minute": 90 s,
    when the previous minute no longer weighs at all); the page, its JSON twin and the
    vote/report forms all say the limiter's seconds."""
    settings.COMMENTS = {
        **settings.COMMENTS,
        "RATE_COMMENTS": ["2/60"],
        "RATE_VOTES": ["1/1"],
        "RATE_REPORTS": ["1/60"],
    }
    for number in range(2):
        assert post(client, article, body=f"Messaggio {number}").status_code == 303
    page = post(client, article, body="Il terzo di troppo")
    assert page.status_code == 429 and page["Retry-After"] == "60"
    data = client.post(
        post_url(article), comment_data(), HTTP_ACCEPT="application/json", **SAME_ORIGIN
    )
    assert data.status_code == 429 and data["Retry-After"] == "60"
    assert "60" in data.json()["message"] or "1 minut" in data.json()["message"]

    first, second = make_comment(article, "Primo"), make_comment(article, "Secondo")
    votes = [reverse("comments:vote", args=[pk]) for pk in (first.pk, second.pk)]
    assert client.post(votes[0], {"value": "1"}, **SAME_ORIGIN).status_code == 303
    vote_page = client.post(votes[1], {"value": "1"}, **SAME_ORIGIN)
    assert vote_page.status_code == 429 and vote_page["Retry-After"] == "2"
    vote_json = client.post(votes[1], {"value": "1"}, HTTP_ACCEPT="application/json", **SAME_ORIGIN)
    assert vote_json.status_code == 429 and vote_json["Retry-After"] == "2"

    reports = [reverse("comments:report", args=[pk]) for pk in (first.pk, second.pk)]
    assert client.post(reports[0], {"reason": "spam"}, **SAME_ORIGIN).status_code == 303
    report_page = client.post(reports[1], {"reason": "spam"}, **SAME_ORIGIN)
    assert report_page.status_code == 429 and report_page["Retry-After"] == "90"
    assert Report.objects.count() == 1 and Vote.objects.count() == 1


def test_cross_site_post_is_refused(client, article):
    response = client.post(post_url(article), comment_data(), HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    response = client.post(post_url(article), comment_data(), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    response = client.post(post_url(article), comment_data())  # no origin information at all
    assert response.status_code == 403
    assert Comment.objects.count() == 0


def test_same_origin_header_is_accepted(client, article):
    response = client.post(post_url(article), comment_data(), HTTP_ORIGIN="http://testserver")
    assert response.status_code == 303


def test_posting_from_a_page_served_by_the_cache_works(client, article):
    assert client.get(article.url)["X-Page-Cache"] == "miss"
    cached = client.get(article.url)
    assert cached["X-Page-Cache"] == "hit"
    assert "csrfmiddlewaretoken" not in cached.content.decode()
    assert post(client, article).status_code == 303
    assert Comment.objects.count() == 1


def test_json_post_returns_the_rendered_comment(client, article):
    response = client.post(
        post_url(article), comment_data(article), HTTP_ACCEPT="application/json", **SAME_ORIGIN
    )
    assert response.status_code == 201
    body = response.json()
    assert body["published"] and f'id="commento-{body["id"]}"' in body["html"]
    response = client.post(
        post_url(article),
        comment_data(article, email="x"),
        HTTP_ACCEPT="application/json",
        **SAME_ORIGIN,
    )
    assert response.status_code == 400 and "email" in response.json()["errors"]


# -- Editing in the window ------------------------------------------------------------------------


def test_author_edits_and_deletes_within_the_window(client, article):
    post(client, article)
    comment = Comment.objects.get()
    edit = reverse("comments:edit", args=[comment.pk])
    assert client.get(edit).status_code == 200
    response = client.post(edit, {"body": "Testo corretto"}, **SAME_ORIGIN)
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.body == "Testo corretto" and comment.edited_at
    response = client.post(reverse("comments:delete", args=[comment.pk]), **SAME_ORIGIN)
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REMOVED


def test_someone_else_cannot_edit(client, article):
    comment = make_comment(article)
    edit = reverse("comments:edit", args=[comment.pk])
    assert client.get(edit).status_code == 403
    response = client.post(edit, {"body": "Cambiato da altri"}, **SAME_ORIGIN)
    assert response.status_code == 403
    client.cookies[f"{views.EDIT_COOKIE_PREFIX}{comment.pk}"] = "falso"
    assert client.post(edit, {"body": "Con token falso"}, **SAME_ORIGIN).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Bel pezzo, grazie."


def test_edit_after_the_window_is_refused(client, article, settings):
    post(client, article)
    comment = Comment.objects.get()
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - services.timezone.timedelta(minutes=16)
    )
    edit = reverse("comments:edit", args=[comment.pk])
    assert client.post(edit, {"body": "Troppo tardi"}, **SAME_ORIGIN).status_code == 403


# -- Votes and reports ---------------------------------------------------------------------------


def test_vote_without_javascript(client, article):
    comment = make_comment(article)
    vote = reverse("comments:vote", args=[comment.pk])
    response = client.post(vote, {"value": "1"}, **SAME_ORIGIN)
    assert response.status_code == 303 and response["Location"].endswith(f"#{comment.anchor}")
    comment.refresh_from_db()
    assert comment.score == 1
    assert Vote.objects.count() == 1
    assert client.post(vote, {"value": "7"}, **SAME_ORIGIN).status_code == 400


def test_cannot_vote_on_own_comment(client, article):
    post(client, article)
    comment = Comment.objects.get()
    response = client.post(
        reverse("comments:vote", args=[comment.pk]), {"value": "1"}, **SAME_ORIGIN
    )
    assert response.status_code == 403
    assert Vote.objects.count() == 0


def test_report_page_and_post(client, article):
    comment = make_comment(article)
    url = reverse("comments:report", args=[comment.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="reason"' in page.content.decode()
    assert client.post(url, {"reason": "nonsense"}, **SAME_ORIGIN).status_code == 400
    response = client.post(url, {"reason": "spam"}, **SAME_ORIGIN)
    assert response.status_code == 303
    assert Report.objects.get().reason == "spam"


# -- Reader state and live updates -----------------------------------------------------------------


def test_reader_state_lists_my_votes_and_editable_comments(client, article):
    other = make_comment(article)
    post(client, article, name="Lucia Ferri", email="lucia@example.org")
    mine = Comment.objects.exclude(pk=other.pk).get()
    client.post(reverse("comments:vote", args=[other.pk]), {"value": "-1"}, **SAME_ORIGIN)
    response = client.get(reverse("comments:state", args=[article.pk]))
    state = response.json()
    assert "private" in response["Cache-Control"]
    assert state["votes"] == {str(other.pk): -1}
    assert list(state["editable"]) == [str(mine.pk)]
    assert state["guest"]["email"] == "lucia@example.org"
    assert state["logged_in"] is False


def test_live_check_answers_304_until_something_changes(
    client, article, django_assert_max_num_queries
):
    make_comment(article)
    url = reverse("comments:live", args=[article.pk])
    first = client.get(url)
    etag = first["ETag"]
    with django_assert_max_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    post(client, article)
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    fragment = client.get(reverse("comments:fragment", args=[article.pk]))
    assert fragment.content.decode().count('class="comment"') == 2


def test_state_and_fragment_are_never_page_cached(client, article):
    for name in ("comments:state", "comments:live", "comments:fragment"):
        url = reverse(name, args=[article.pk])
        client.get(url)
        assert "X-Page-Cache" not in client.get(url)


def test_english_pages_work_too(client, article):
    response = client.get("/en" + article.url)
    assert response.status_code == 200
    assert "/en/commenti/" in response.content.decode()


def test_json_answers_are_json(client, article):
    comment = make_comment(article)
    response = client.post(
        reverse("comments:vote", args=[comment.pk]),
        {"value": "1"},
        HTTP_ACCEPT="application/json",
        **SAME_ORIGIN,
    )
    assert json.loads(response.content)["score"] == 1


def test_held_comment_is_shown_to_its_author_only(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    post(client, article, body="Aspetto la moderazione")
    page = client.get(article.url).content.decode()
    assert "X-Page-Cache" not in client.get(article.url)
    assert "Aspetto la moderazione" in page
    client.cookies.clear()
    assert "Aspetto la moderazione" not in client.get(article.url).content.decode()


@pytest.mark.validator
def test_discussion_markup_is_valid_html(client, article, tmp_path):
    from edicola.news.tests.conftest import describe_nu_errors, nu_check

    staff = make_user(staff=True)
    first = make_comment(article, "Un **primo** commento con [link](https://example.org)")
    make_comment(article, "Risposta", parent=first, user=staff, badge="staff")
    removed = make_comment(article, "Tolto", status=Comment.Status.REMOVED, count=False)
    make_comment(article, "Sotto un commento tolto ||spoiler||", parent=removed)
    make_comment(article, "In evidenza", is_pinned=True, author_url="https://example.org")
    for number in range(20):
        make_comment(article, f"Altro {number}")
    post(client, article, body="Il mio, modificabile")
    documents = {
        "article": client.get(article.url).content,
        "reply": client.get(f"{article.url}?rispondi={first.pk}").content,
        "all": client.get(f"{article.url}?commenti=tutti&nota=pubblicato").content,
        "errors": post(client, article, email="sbagliata").content,
        "report": client.get(reverse("comments:report", args=[first.pk])).content,
        "edit": client.get(
            reverse("comments:edit", args=[Comment.objects.get(body__startswith="Il mio").pk])
        ).content,
    }
    errors = nu_check(documents, tmp_path / "nu")
    assert not any(errors.values()), describe_nu_errors(errors)
