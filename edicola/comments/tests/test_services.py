"""The discussion's rules, through the service functions every entry point calls."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import PageViewRestriction

from edicola.comments import moderation, reactions, services, threads
from edicola.comments.forms import CommentInput
from edicola.comments.models import Comment, Discussion, ModerationLog, Report, Vote
from edicola.comments.readers import ClientInfo
from edicola.comments.services import CommentError
from edicola.comments.signals import discussion_changed
from edicola.comments.tests.factories import (
    guest,
    make_comment,
    make_commentable_article,
    make_user,
    member,
    relax_limits,
    set_comments,
)
from edicola.comments.threads import thread_page
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return make_commentable_article()


def post(article, body="Ottimo articolo, complimenti.", *, client=None, **fields):
    fields.setdefault("name", "Lucia")
    fields.setdefault("email", "lucia@example.org")
    return services.submit_comment(
        article, CommentInput(body=body, **fields), client=client or guest()
    )


def refused(call) -> CommentError:
    with pytest.raises(CommentError) as caught:
        call()
    return caught.value


def discussion(article) -> Discussion:
    return Discussion.objects.get(pk=article.pk)


# ---------------------------------------------------------------- posting and the policy


def test_first_comment_of_a_guest_waits_for_review_and_is_not_shown(article):
    comment = post(article, email="  Lucia.Rossi@Example.ORG ")
    assert comment.pk and comment.status == Comment.Status.PENDING
    assert comment.author_email == "lucia.rossi@example.org"
    assert comment.ip_network == "203.0.113.0/24"
    page = threads.thread_page(article)
    assert page.threads == [] and page.comment_count == 0


def test_a_guest_with_an_approved_comment_is_published_at_once(article):
    lucia = guest()  # the same browser (signed reader cookie) both times
    first = post(article, client=lucia)
    moderation.moderate([first], "approve", actor=None)
    second = post(article, "Seconda osservazione.", email="LUCIA@example.org", client=lucia)
    assert second.status == Comment.Status.APPROVED
    assert discussion(article).comment_count == 2
    assert [node.comment for node in threads.thread_page(article).threads] == [second, first]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("none", Comment.Status.APPROVED), ("all", Comment.Status.PENDING)],
)
def test_moderation_modes(settings, article, mode, expected):
    set_comments(settings, MODERATION=mode)
    if mode == "all":
        make_comment(article, email="lucia@example.org")  # known readers are held too
    assert post(article).status == expected


def test_is_staff_alone_is_not_the_editorial_staff(settings, article):
    set_comments(settings, MODERATION="all")
    employee = make_user("impiegato@example.org", is_staff=True)
    comment = post(article, client=member(employee))
    assert (comment.status, comment.badge) == ("pending", "")


def test_staff_and_article_authors_are_published_with_a_badge(article):
    staff = make_user("redazione@example.org", staff=True, first_name="Anna", last_name="Neri")
    comment = post(article, client=member(staff), name="ignored", email="ignored@example.org")
    assert (comment.status, comment.badge, comment.author_name) == (
        "approved",
        "staff",
        "Anna Neri",
    )
    assert comment.author_email == "redazione@example.org"

    writer = make_user("giulia@example.org")
    article.test_author.user = writer
    article.test_author.save_revision().publish()
    reply = post(article, "Grazie a tutti!", client=member(writer), parent_id=comment.pk)
    assert (reply.status, reply.badge, reply.author_name) == ("approved", "author", "giulia")


def test_registered_readers_are_named_from_their_account_and_moderated_like_guests(article):
    reader = make_user("mario.bianchi@example.org")
    comment = post(article, client=member(reader), name="", email="")
    assert comment.author_name == "mario.bianchi"
    assert comment.user == reader and comment.badge == ""
    assert comment.status == Comment.Status.PENDING


@pytest.mark.parametrize(
    "fields",
    [{"honeypot": "http://spam.example"}, {"form_age_seconds": 0.8}],
    ids=["honeypot", "too-fast"],
)
def test_bots_are_refused_silently_and_nothing_is_saved(article, fields):
    comment = post(article, **fields)
    assert comment.pk is None and comment.status == Comment.Status.SPAM
    assert not Comment.objects.exists()


def test_a_slow_enough_form_is_accepted(article):
    assert post(article, form_age_seconds=12).pk


@pytest.mark.parametrize(
    "body",
    [
        "Vedi https://a.example e https://b.example e https://c.example",
        "[uno](https://a.example) [due](https://b.example) www.c.example",
        "Compra il CASINÒ online adesso",
    ],
)
def test_many_links_or_blocklisted_words_hold_even_a_known_reader(settings, article, body):
    set_comments(settings, BLOCKLIST=["casinò"])
    make_comment(article, email="lucia@example.org")
    assert post(article, body).status == Comment.Status.PENDING


def test_two_links_are_fine_for_a_known_reader(article):
    make_comment(article, email="lucia@example.org", reader_id="g:lucia")
    body = "Fonti: https://a.example e https://b.example"
    assert post(article, body, client=guest(reader="g:lucia")).status == "approved"


def test_the_same_text_again_from_the_same_network_is_held(settings, article):
    set_comments(settings, MODERATION="none")
    assert post(article, "Primo!").status == "approved"
    again = post(article, "Primo!", email="altro@example.org", client=guest("203.0.113.99"))
    assert again.status == "pending"
    elsewhere = post(article, "Primo!", email="terzo@example.org", client=guest("192.0.2.1"))
    assert elsewhere.status == "approved"


def test_closed_discussion_refuses_with_403(article):
    moderation.set_closed(article, True, actor=None)
    error = refused(lambda: post(article))
    assert error.status == 403 and not Comment.objects.exists()


def test_a_closed_thread_refuses_replies_with_403_and_takes_new_threads(article):
    top = make_comment(article, "Regole della discussione.")
    reply = make_comment(article, "Ricevuto.", parent=top)
    Comment.objects.filter(pk=top.pk).update(thread_closed=True)
    for parent in (top, reply):
        error = refused(lambda parent=parent: post(article, parent_id=parent.pk))
        assert error.status == 403 and error.field == "parent"
    assert Comment.objects.count() == 2
    assert post(article, "Un nuovo filo.").pk is not None


def test_a_staff_reply_in_a_closed_thread_is_closed_too(article):
    top = make_comment(article, "Regole della discussione.")
    Comment.objects.filter(pk=top.pk).update(thread_closed=True)
    top.refresh_from_db()
    moderator = make_user(staff=True)
    answer = moderation.reply_as_staff(top, "La redazione risponde.", actor=moderator)
    assert answer.thread_closed


def test_unpublished_or_private_article_refuses_with_404(article):
    PageViewRestriction.objects.create(page=article, restriction_type="login")
    assert refused(lambda: post(article)).status == 404
    PageViewRestriction.objects.all().delete()
    article.unpublish()
    assert refused(lambda: post(article)).status == 404
    assert not Comment.objects.exists()


def test_reply_to_a_comment_of_another_article_or_unknown_or_hidden_is_refused(article):
    other = make_commentable_article("Altro articolo")
    foreign = make_comment(other)
    held = make_comment(article, status=Comment.Status.PENDING)
    for parent_id in (foreign.pk, 999_999, held.pk, "abc"):
        error = refused(lambda parent_id=parent_id: post(article, parent_id=parent_id))
        assert (error.status, error.field) == (400, "parent")
    removed = make_comment(article, status=Comment.Status.REMOVED)
    assert refused(lambda: post(article, parent_id=removed.pk)).status == 409
    assert Comment.objects.count() == 3


def test_replies_beyond_the_maximum_depth_attach_to_the_deepest_level(settings, article):
    set_comments(settings, MAX_DEPTH=4, MODERATION="none")
    chain = [make_comment(article)]
    for _level in range(3):
        chain.append(make_comment(article, parent=chain[-1]))
    assert chain[-1].depth == 3
    reply = post(article, "Più in fondo", parent_id=chain[-1].pk)
    assert (reply.depth, reply.parent_id, reply.thread_id) == (3, chain[2].pk, chain[0].pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   \n\u200b\u202e  "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "x" * 1_000_000}, "body"),
        ({"body": "ciao\x00"}, "body"),
        ({"name": ""}, "name"),
        ({"name": "\u200b\u200d\u202e\u2066"}, "name"),
        ({"name": "n" * 81}, "name"),
        ({"email": "non-una-mail"}, "email"),
        ({"email": "a@b@example.org"}, "email"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "ftp://example.org"}, "url"),
        ({"url": "https://exa mple.org"}, "url"),
    ],
)
def test_bad_input_is_refused_with_a_field_error_and_nothing_saved(article, fields, field):
    values = {"body": "Testo valido", "name": "Lucia", "email": "lucia@example.org"} | fields
    error = refused(
        lambda: services.submit_comment(article, CommentInput(**values), client=guest())
    )
    assert (error.status, error.field) == (400, field)
    assert error.message and field in error.errors
    assert not Comment.objects.exists()


def test_every_bad_field_is_reported_at_once(article):
    error = refused(lambda: post(article, "", name="", email="x"))
    assert set(error.errors) == {"body", "name", "email"}


def test_hostile_text_is_stored_as_typed_and_rendered_inert(settings, article):
    set_comments(settings, MODERATION="none")
    comment = post(
        article,
        "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        name="<b onmouseover=alert(1)>Eve</b>\u202e",
    )
    assert "<script" not in comment.body_html and "<img" not in comment.body_html
    assert "href" not in comment.body_html
    assert comment.author_name == "<b onmouseover=alert(1)>Eve</b>"  # templates escape it
    sql = post(article, "'; DROP TABLE comments_comment; --", email="sql@example.org")
    assert sql.body == "'; DROP TABLE comments_comment; --" and Comment.objects.count() == 2


def test_body_length_is_counted_after_normalising(article):
    body = "a" * 4990 + "\u200b" * 50 + "\r\n" * 5
    assert len(post(article, body).body) == 4990


def test_rtl_and_zero_width_tricks_are_stripped_from_names_and_text(article):
    comment = post(article, "ok\u202egnp.exe \u200bciao", name="Ma\u200bria\u202e")
    assert comment.author_name == "Maria"
    assert comment.body == "okgnp.exe ciao"


def test_ipv6_keeps_only_the_48_network(article):
    comment = post(article, client=guest("2001:db8:abcd:12:1:2:3:4"))
    assert comment.ip_network == "2001:db8:abcd::/48"


def test_too_many_comments_from_one_address_get_429_with_a_wait(article):
    for number in range(5):
        post(article, f"Commento {number}", email=f"p{number}@example.org")
    error = refused(lambda: post(article, "Sesto", email="p6@example.org"))
    assert error.status == 429 and 0 < error.retry_after <= 60
    assert Comment.objects.count() == 5


def test_a_burst_across_a_minute_boundary_is_still_five_per_minute(article, rate_limit_clock):
    """Issue 13 point 7: ten comments in a second around :00 under "5 per minute"."""
    rate_limit_clock.now = 1_800_000_000 + 59.5  # 59.5 s into a minute
    for number in range(5):
        post(article, f"Prima {number}", email=f"a{number}@example.org")
    rate_limit_clock.advance(1)  # 0.5 s into the next minute
    for number in range(5):
        error = refused(lambda n=number: post(article, f"Dopo {n}", email=f"b{n}@example.org"))
        assert error.status == 429 and error.retry_after == 12
    assert Comment.objects.count() == 5
    rate_limit_clock.advance(12)
    post(article, "Dodici secondi dopo", email="c@example.org")
    assert Comment.objects.count() == 6


def test_too_many_comments_from_one_email_get_429_whatever_the_address(article):
    for number in range(5):
        post(article, f"Commento {number}", client=guest(f"192.0.2.{number + 1}"))
    assert refused(lambda: post(article, "Sesto", client=guest("198.51.100.1"))).status == 429


def test_posting_takes_few_queries(settings, article):
    make_comment(article, email="lucia@example.org")
    post(article, "riscaldamento", email="lucia@example.org")  # creates this minute's counters
    with CaptureQueriesContext(connection) as queries:
        post(article, "Un commento", email="lucia@example.org")
    assert len(queries) <= 14


# ---------------------------------------------------------------- editing and deleting


def test_author_edits_within_the_window_with_the_token(settings, article):
    set_comments(settings, MODERATION="none")
    client = guest()
    comment = post(article, "Prima versione", client=client)
    token = services.edit_token(comment)
    stranger = guest("192.0.2.50")
    assert services.can_edit(comment, client=stranger, token=token)  # the token is the proof
    edited = services.edit_comment(comment, "Seconda **versione**", client=stranger, token=token)
    assert edited.body_html == "<p>Seconda <strong>versione</strong></p>" and edited.edited_at


def test_forged_or_foreign_tokens_are_refused(settings, article):
    set_comments(settings, MODERATION="none")
    mine, theirs = post(article, "Mio"), post(article, "Tuo", email="tuo@example.org")
    for token in ("", "forged", services.edit_token(theirs), services.edit_token(mine) + "x"):
        assert not services.can_edit(mine, client=guest(), token=token)
        error = refused(lambda t=token: services.edit_comment(mine, "No", client=guest(), token=t))
        assert error.status == 403
    mine.refresh_from_db()
    assert mine.body == "Mio"


def test_no_edit_after_the_window_or_after_a_reply(settings, article):
    set_comments(settings, MODERATION="none")
    old = post(article, "Vecchio")
    token = services.edit_token(old)
    Comment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    old.refresh_from_db()
    assert (
        refused(lambda: services.edit_comment(old, "x", client=guest(), token=token)).status == 403
    )

    answered = post(article, "Risposto", email="b@example.org")
    make_comment(article, parent=answered)
    token = services.edit_token(answered)
    assert refused(lambda: services.delete_comment(answered, client=guest(), token=token))


def test_rotating_the_edit_key_voids_tokens(settings, article):
    set_comments(settings, MODERATION="none")
    comment = post(article)
    token = services.edit_token(comment)
    Comment.objects.filter(pk=comment.pk).update(edit_key="nuovo")
    comment.refresh_from_db()
    assert not services.can_edit(comment, client=guest(), token=token)


def test_the_account_owner_edits_without_token(article):
    reader = make_user()
    comment = post(article, client=member(reader))
    assert services.can_edit(comment, client=member(reader))
    assert not services.can_edit(comment, client=member(make_user()))


def test_an_edit_that_adds_links_goes_back_to_review(settings, article):
    set_comments(settings, MODERATION="none")
    comment = post(article)
    assert discussion(article).comment_count == 1
    edited = services.edit_comment(
        comment,
        "https://a.example https://b.example https://c.example",
        client=guest(),
        token=services.edit_token(comment),
    )
    assert edited.status == "pending" and discussion(article).comment_count == 0


def test_delete_leaves_a_placeholder_only_where_it_has_replies(settings, article):
    set_comments(settings, MODERATION="none")
    lonely, answered = post(article, "Solo"), post(article, "Con risposta", email="c@example.org")
    reply = make_comment(article, parent=answered)
    services.delete_comment(lonely, client=guest(), token=services.edit_token(lonely))
    lonely.refresh_from_db()
    assert lonely.is_removed and lonely.body == "" and lonely.body_html == ""
    moderation.moderate([answered], "remove", actor=None)
    page = threads.thread_page(article)
    assert [node.comment.pk for node in page.threads] == [answered.pk]
    assert page.threads[0].comment.is_removed
    assert [node.comment for node in page.threads[0].replies] == [reply]
    assert page.thread_count == 1 and discussion(article).comment_count == 1


# ---------------------------------------------------------------- votes


def test_votes_count_change_and_withdraw(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    voter = guest()
    assert reactions.vote(comment, 1, client=voter).score == 1
    assert reactions.vote(comment, 1, client=voter).upvotes == 1  # same vote again: no change
    comment = reactions.vote(comment, -1, client=voter)
    assert (comment.upvotes, comment.downvotes, comment.score) == (0, 1, -1)
    reactions.vote(comment, 1, client=guest("192.0.2.9"))
    comment = reactions.vote(comment, 0, client=voter)
    assert (comment.upvotes, comment.downvotes, comment.score) == (1, 0, 1)
    assert Vote.objects.count() == 1


def test_no_vote_on_your_own_comment(settings, article):
    relax_limits(settings)
    author = guest()
    comment = post(article, client=author)
    moderation.moderate([comment], "approve", actor=None)
    comment.refresh_from_db()
    assert refused(lambda: reactions.vote(comment, 1, client=author)).status == 403
    reader = make_user("lucia@example.org")  # same e-mail as the guest who wrote it
    assert refused(lambda: reactions.vote(comment, 1, client=member(reader))).status == 403


def test_guests_of_one_network_have_a_few_votes_per_comment(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    for number in range(3):
        reactions.vote(comment, 1, client=guest(f"203.0.113.{number}"))
    assert refused(lambda: reactions.vote(comment, 1, client=guest("203.0.113.200"))).status == 403
    # Accounts count toward the same cap (issue 13 point 4); other networks still vote.
    account = member(make_user(), ip="203.0.113.201")
    assert refused(lambda: reactions.vote(comment, 1, client=account)).status == 403
    reactions.vote(comment, 1, client=member(make_user(), ip="192.0.2.201"))
    comment.refresh_from_db()
    assert comment.score == 4


def test_fifteen_throwaway_accounts_on_one_address_are_capped(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    answers = []
    for _ in range(15):
        try:
            reactions.vote(comment, 1, client=member(make_user(), ip="198.51.100.44"))
            answers.append("counted")
        except CommentError as error:
            answers.append(error.status)
    comment.refresh_from_db()
    assert comment.score == comment.upvotes == 3  # GUEST_VOTES_PER_NETWORK
    assert answers == ["counted"] * 3 + [403] * 12
    assert Vote.objects.filter(comment=comment).count() == 3


def _aged(user, days: float):
    type(user).objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days))
    user.refresh_from_db()
    return user


def test_three_accounts_on_one_address_cannot_hide_a_comment(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    for _ in range(3):  # old, established accounts, but all from one network
        comment = reactions.report(comment, "spam", client=member(_aged(make_user(), 30)))
    assert comment.status == "approved" and not comment.held_by_reports
    assert comment.report_count == 3


def test_reports_from_enough_networks_hide_the_comment(settings, article):
    relax_limits(settings)
    set_comments(settings, REPORT_MIN_NETWORKS=3)
    comment = make_comment(article)
    reactions.report(comment, "spam", client=member(_aged(make_user(), 30), ip="192.0.2.5"))
    reactions.report(comment, "spam", client=member(_aged(make_user(), 30), ip="198.51.100.5"))
    comment.refresh_from_db()
    assert comment.status == "approved"  # two networks of the three needed
    comment = reactions.report(comment, "spam", client=member(_aged(make_user(), 2), ip="::1"))
    assert comment.status == "pending" and comment.held_by_reports


def test_new_accounts_report_as_their_network_like_guests(settings, article):
    relax_limits(settings)
    set_comments(settings, REPORT_MIN_NETWORKS=1)
    comment = make_comment(article)
    for _ in range(3):  # made a minute ago: three accounts, one network, one source
        comment = reactions.report(comment, "spam", client=member(make_user(), ip="192.0.2.9"))
    assert comment.status == "approved"
    comment = reactions.report(comment, "spam", client=member(_aged(make_user(), 7)))
    assert comment.status == "approved"
    # A week old, from the same network as the one before: each counts on its own.
    comment = reactions.report(comment, "spam", client=member(_aged(make_user(), 7)))
    assert comment.status == "pending" and comment.held_by_reports


def test_vote_rate_limit_is_two_per_second(article):
    comments = [make_comment(article) for _ in range(3)]
    voter = guest()
    reactions.vote(comments[0], 1, client=voter)
    reactions.vote(comments[1], 1, client=voter)
    assert refused(lambda: reactions.vote(comments[2], 1, client=voter)).status == 429


def test_hidden_comments_and_bad_values_cannot_be_voted(article):
    held = make_comment(article, status=Comment.Status.PENDING)
    assert refused(lambda: reactions.vote(held, 1, client=guest())).status == 404
    comment = make_comment(article)
    assert refused(lambda: reactions.vote(comment, 5, client=guest())).field == "value"
    anonymous = ClientInfo(ip="1.2.3.4")
    assert refused(lambda: reactions.vote(comment, 1, client=anonymous)).status == 400


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_all_count(
    settings, request, django_db_serialized_rollback, django_db_blocker
):
    # Emptied tables get back what migrations created, for the tests that follow.
    request.node.stash[RESTORE_MIGRATED_DATA] = django_db_blocker
    relax_limits(settings)
    article = make_commentable_article()
    comment = make_comment(article)
    errors = []

    def cast(number):
        try:
            # Each voter on a network of their own: accounts share their network's vote cap.
            voter = member(make_user(), ip=f"198.51.{100 + number}.20")
            reactions.vote(comment, 1 if number % 3 else -1, client=voter)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    comment.refresh_from_db()
    assert errors == []
    assert (comment.upvotes, comment.downvotes, comment.score) == (8, 4, 4)


# ---------------------------------------------------------------- reports


def test_three_reports_from_different_networks_hide_the_comment(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    reactions.report(comment, "spam", client=guest("192.0.2.1"))
    with pytest.raises(CommentError) as again:
        reactions.report(comment, "spam", client=guest("192.0.2.1", reader="g:stesso"))
        reactions.report(comment, "spam", client=guest("192.0.2.1", reader="g:stesso"))
    assert again.value.status == 409
    reactions.report(comment, "offensive", client=guest("192.0.2.7"))  # same network: counts once
    comment.refresh_from_db()
    assert comment.status == "approved" and comment.report_count == 3
    reactions.report(comment, "off_topic", client=guest("198.51.100.3"))
    # A new account counts as its network (issue 13 point 4): this one reports from a third.
    account = member(make_user(), ip="203.0.113.30")
    comment = reactions.report(comment, "other", client=account, note="Vedi sopra")
    assert comment.status == "pending" and comment.held_by_reports
    assert ModerationLog.objects.filter(comment=comment, action="reported").count() == 1
    assert discussion(article).comment_count == 0
    assert Report.objects.filter(comment=comment).count() == 5


def test_after_a_moderator_approves_only_new_reports_count(settings, article):
    set_comments(settings, REPORT_THRESHOLD=1, REPORT_MIN_NETWORKS=1)
    comment = make_comment(article)
    reactions.report(comment, "spam", client=guest("192.0.2.1"))
    moderation.moderate([comment], "approve", actor=None)
    comment.refresh_from_db()
    assert comment.status == "approved" and not comment.held_by_reports
    reactions.report(comment, "spam", client=guest("198.51.100.1"))
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_bad_report_reasons_are_refused(article):
    comment = make_comment(article)
    assert refused(lambda: reactions.report(comment, "boh", client=guest())).field == "reason"
    assert refused(lambda: reactions.report(comment, "spam", client=guest(), note="x" * 501))


# ---------------------------------------------------------------- moderation


def test_moderation_actions_are_logged_and_keep_counts_right(article):
    moderator = make_user(staff=True)
    held = [make_comment(article, status="pending") for _ in range(3)]
    assert moderation.moderate(held, "approve", actor=moderator) == 3
    assert moderation.moderate(held, "approve", actor=moderator) == 0
    assert discussion(article).comment_count == 3
    moderation.moderate(Comment.objects.filter(pk=held[0].pk), "spam", actor=moderator)
    moderation.moderate([held[1].pk], "remove", actor=moderator, note="fuori tema")
    assert discussion(article).comment_count == 1
    log = ModerationLog.objects.filter(actor=moderator)
    assert log.count() == 5 and log.filter(action="remove", note="fuori tema").exists()
    assert refused(lambda: moderation.moderate(held, "explode", actor=moderator)).status == 400


def test_reader_visible_changes_announce_after_commit(article, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, article, **kwargs):
        heard.append(article.pk)

    discussion_changed.connect(listener)
    try:
        make_comment(article, email="lucia@example.org", reader_id="g:lucia")
        with django_capture_on_commit_callbacks(execute=True):
            post(article, client=guest(reader="g:lucia"))
        assert heard == [article.pk]
        with django_capture_on_commit_callbacks(execute=True):
            post(article, "In attesa", email="nuovo@example.org")
        assert heard == [article.pk]  # a held comment changes nothing readers see
    finally:
        discussion_changed.disconnect(listener)
    assert discussion(article).version >= 1


def test_pinned_comment_stays_on_top_and_closing_is_logged(article):
    oldest = make_comment(article, created_at=timezone.now() - timedelta(hours=2))
    make_comment(article)
    moderation.set_pinned(oldest, True, actor=None)
    page = threads.thread_page(article, sort="newest")
    assert page.threads[0].comment == oldest
    reply = make_comment(article, parent=oldest)
    assert refused(lambda: moderation.set_pinned(reply, True, actor=None)).status == 400
    moderation.set_closed(article, True, actor=None)
    assert discussion(article).is_closed
    assert ModerationLog.objects.filter(action__in=["pin", "close"]).count() == 2


def test_staff_reply_is_published_and_logged_even_on_a_closed_discussion(article):
    moderator = make_user(staff=True, first_name="Redazione")
    parent = make_comment(article)
    moderation.set_closed(article, True, actor=moderator)
    reply = moderation.reply_as_staff(parent, "Grazie della segnalazione.", actor=moderator)
    assert (reply.status, reply.badge, reply.parent_id) == ("approved", "staff", parent.pk)
    assert ModerationLog.objects.filter(action="reply", comment=reply).exists()


# ---------------------------------------------------------------- reading


def test_thread_page_sorts_pages_and_builds_the_tree(settings, article):
    set_comments(settings, PAGE_SIZE=2)
    now = timezone.now()
    first = make_comment(article, "primo", created_at=now - timedelta(minutes=30))
    second = make_comment(article, "secondo", created_at=now - timedelta(minutes=20))
    third = make_comment(article, "terzo", created_at=now - timedelta(minutes=10))
    late = make_comment(article, parent=first, created_at=now)
    early = make_comment(article, parent=first, created_at=now - timedelta(minutes=5))
    make_comment(article, parent=first, status="pending")
    Comment.objects.filter(pk=second.pk).update(score=5)

    newest = threads.thread_page(article)
    assert [n.comment for n in newest.threads] == [third, second]
    assert (newest.page_count, newest.thread_count, newest.showing_all) == (2, 3, False)
    older = threads.thread_page(article, page=2)
    assert [n.comment for n in older.threads] == [first]
    assert [n.comment for n in older.threads[0].replies] == [early, late]
    assert [n.comment for n in threads.thread_page(article, sort="votes").threads][0] == second
    assert [n.comment for n in threads.thread_page(article, sort="oldest").threads] == [
        first,
        second,
    ]
    everything = threads.thread_page(article, show_all=True, sort="bogus", page="x")
    assert len(everything.threads) == 3 and everything.sort == "newest"
    assert threads.thread_page(article, page=99).page == 2
    assert everything.comment_count == 6 - 1  # counted by the factory, pending not counted


def test_thread_page_reads_in_a_fixed_number_of_queries(settings, article):
    def queries_for(threads):
        for number in range(threads):
            top = make_comment(article, f"c{number}", count=False)
            make_comment(
                make_comment(article, parent=top, count=False).article, parent=top, count=False
            )
        with CaptureQueriesContext(connection) as captured:
            page = thread_page(article, show_all=True, viewer=guest())
        return len(captured), page

    small, _ = queries_for(2)
    large, page = queries_for(40)
    assert small == large <= 6
    assert len(page.threads) == 42


def test_viewer_sees_their_votes_and_own_pending_comments(settings, article):
    relax_limits(settings)
    viewer = guest()
    comment = make_comment(article)
    reactions.vote(comment, -1, client=viewer)
    mine = post(article, "In attesa di revisione", client=viewer)
    page = threads.thread_page(article, viewer=viewer)
    assert page.viewer_votes == {comment.pk: -1}
    assert page.own_pending == [mine]
    assert threads.thread_page(article, viewer=guest()).own_pending == []


def test_approving_a_reported_published_comment_marks_the_reports_reviewed(settings, article):
    relax_limits(settings)
    comment = make_comment(article)
    reactions.report(comment, "spam", client=guest("192.0.2.1"))
    assert moderation.moderate([comment], "approve", actor=None) == 1
    comment.refresh_from_db()
    assert comment.reviewed_at and comment.status == "approved"
    assert ModerationLog.objects.filter(comment=comment, action="approve").count() == 1
    assert moderation.moderate([comment], "approve", actor=None) == 0  # nothing new to review
    assert discussion(article).comment_count == 1
