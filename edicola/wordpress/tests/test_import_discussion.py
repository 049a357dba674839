"""Comments with their threads and states, votes, subscriptions and feedback answers."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from edicola.comments.forms import CommentInput
from edicola.comments.models import Comment, Notification, Subscriber, Subscription, Vote
from edicola.comments.readers import ClientInfo
from edicola.comments.services import CommentError, submit_comment
from edicola.passages.models import PassageAnchor
from edicola.wordpress import bodies
from edicola.wordpress.commentmarkdown import comment_markdown
from edicola.wordpress.models import ImportedObject

from .import_site import build_site
from .test_import_content import article, run

pytestmark = pytest.mark.django_db


def ours(source_id: str) -> Comment:
    row = ImportedObject.objects.get(kind="comment", source_id=source_id)
    return Comment.objects.get(pk=row.object_id)


def with_feedback_block(content, context):
    """The stub converter, plus the feedback block the real one makes of the shortcode."""
    result = bodies.BodyResult(blocks=[{"type": "paragraph", "value": "<p>Testo.</p>"}])
    form = context.feedback_form("prezzo")
    if form is not None:
        result.blocks.append(
            {
                "type": "feedback",
                "value": {
                    "passage": "Costa meno del precedente.",
                    "question": form.question,
                    "question_id": "prezzo",
                },
            }
        )
        result.feedback_ids.append("prezzo")
    return result


@pytest.fixture
def imported(tmp_path, monkeypatch, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MAX_DEPTH": 4}
    monkeypatch.setattr(bodies, "convert_body", with_feedback_block)
    source = build_site()
    return source, run(source, tmp_path)


def test_every_comment_keeps_its_thread_and_state(imported):
    top, reply, deeper = ours("100"), ours("101"), ours("102")
    assert reply.parent == top and deeper.parent == reply and ours("103").parent == deeper
    assert [ours(n).depth for n in ("100", "101", "102", "103")] == [0, 1, 2, 3]
    assert {ours(n).thread_id for n in ("100", "101", "102", "103")} == {top.pk}
    assert ours("105").status == Comment.Status.PENDING
    assert ours("106").status == Comment.Status.SPAM
    assert ours("107").status == Comment.Status.REMOVED
    assert ours("100").author_name == "Lettore 100"
    assert ours("100").author_email == "lettore100@example.org"


def test_a_reply_deeper_than_allowed_attaches_to_the_deepest_allowed_ancestor(imported):
    _source, report = imported
    assert ours("104").parent == ours("102") and ours("104").depth == 3
    assert any(n["id"] == "104" for n in report.notes_of("repaired", "comment"))


def test_broken_parents_are_repaired_and_reported(imported):
    _source, report = imported
    repaired = {note["id"]: note["reason"] for note in report.notes_of("repaired", "comment")}
    assert ours("110").parent is None and "manca" in repaired["110"]
    assert ours("111").parent is None and "su un altro articolo" in repaired["111"]
    assert ours("109").parent is None and "non è stato importato" in repaired["109"]
    # A reply listed before its parent waits for it.
    assert ours("112").parent == ours("113") and "112" not in repaired


def test_pingbacks_are_skipped_unless_asked_for(imported, tmp_path):
    _source, report = imported
    assert not ImportedObject.objects.filter(kind="comment", source_id="108").exists()
    assert any(n["id"] == "108" for n in report.notes_of("skipped", "comment"))
    run(build_site(), tmp_path, pingbacks=True)
    assert ours("108").author_name == "Un altro blog"
    assert ours("109").parent == ours("108")


def test_hostile_comment_html_is_inert(imported):
    hostile = ours("114")
    assert "<script" not in hostile.body_html and "onerror" not in hostile.body_html
    assert "javascript:" not in hostile.body_html
    assert "<strong>grassetto</strong>" in hostile.body_html
    assert 'alert("x")' not in hostile.body


def test_registered_commenters_get_reader_accounts_and_ips_become_networks(imported):
    marta = get_user_model().objects.get(email="marta.blu@example.org")
    assert (marta.first_name, marta.last_name) == ("Marta", "Blu")
    assert not marta.has_usable_password()
    assert ours("115").user == marta and ours("115").reader_id == f"u:{marta.pk}"
    assert ours("100").user is None
    assert ours("118").ip_network == "192.168.10.0/24"
    assert not Comment.objects.filter(ip_network__contains="77").exists()


def test_sticky_comment_is_pinned_and_counts_are_right(imported):
    assert ours("116").is_pinned and not ours("100").is_pinned
    first = article("10")
    approved = Comment.objects.filter(article=first, status=Comment.Status.APPROVED)
    first.discussion.refresh_from_db()
    assert first.discussion.comment_count == approved.count() > 0
    assert first.discussion.last_comment_at == max(c.created_at for c in approved)
    assert article("11").discussion.comment_count == 1


def test_votes_come_over_with_their_counts(imported):
    _source, report = imported
    top = ours("100")
    assert (top.upvotes, top.downvotes, top.score) == (2, 1, 1)
    marta = get_user_model().objects.get(email="marta.blu@example.org")
    voters = set(Vote.objects.filter(comment=top).values_list("voter", flat=True))
    assert f"u:{marta.pk}" in voters
    assert not any("a1b2c3" in voter for voter in voters)  # guests' ids hashed again
    assert ours("101").upvotes == 1
    assert report.count_of("vote", "skipped") == 1


def test_subscriptions_keep_their_confirmed_state_and_old_key(imported):
    _source, report = imported
    first = article("10")
    confirmed = Subscription.objects.get(subscriber__email="abbonata@example.org")
    assert confirmed.article_id == first.pk and confirmed.confirmed_at is not None
    assert confirmed.kind == Subscription.Kind.ARTICLE
    waiting = Subscription.objects.get(subscriber__email="attesa@example.org")
    assert waiting.confirmed_at is None and waiting.kind == Subscription.Kind.REPLIES
    row = ImportedObject.objects.get(kind="subscription", source_id="1")
    assert row.legacy_key == "k1" and row.target == confirmed
    assert any(n["id"] == "3" for n in report.notes_of("degraded", "subscription"))
    assert not Subscriber.objects.filter(email__in=["altro@example.org", "non-un-indirizzo"])


def test_an_import_never_mails_anyone(imported):
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_feedback_answers_are_linked_to_the_question(imported):
    anchor = PassageAnchor.objects.get(comment=ours("117"))
    assert anchor.kind == PassageAnchor.Kind.QUESTION and anchor.question_id == "prezzo"
    assert anchor.quote == "Costa meno del precedente."


def test_closed_wpdiscuz_threads_are_closed_here_and_refuse_replies(imported):
    _source, report = imported
    thread = [ours(source_id) for source_id in ("100", "101", "102", "103", "104")]
    assert all(comment.thread_closed for comment in thread)
    assert not ours("113").thread_closed
    assert report.count_of("closed thread", "closed") == 1
    skipped = report.notes_of("skipped", "comment")
    assert [note["id"] for note in skipped if "chiusa" in note["reason"]] == ["4243"]
    refusal = pytest.raises(CommentError, match="chiusa")
    with refusal as caught:
        submit_comment(
            thread[0].article,
            CommentInput(
                body="Rispondo.", name="Lia", email="lia@example.org", parent_id=thread[2].pk
            ),
            client=ClientInfo(ip="203.0.113.5", user=None, reader_id="g:lia"),
        )
    assert caught.value.status == 403


@pytest.mark.parametrize(
    ("html", "markdown"),
    [
        ("Ciao <b>mondo</b> &amp; amici", "Ciao **mondo** & amici"),
        ('<a href="https://lumio.example/x">qui</a>', "[qui](https://lumio.example/x)"),
        ("<p>uno</p><p>due</p>", "uno\n\ndue"),
        ("riga<br>dopo\nancora", "riga\ndopo\nancora"),
        ("<blockquote>detto</blockquote>risposta", "> detto\n\nrisposta"),
        ("2*3 e [nota] e ||x||", r"2\*3 e \[nota\] e \|\|x\|\|"),
        ("<script>alert(1)</script>testo", "testo"),
        ('<a href="javascript:alert(1)">clic</a>', "clic"),
        ("&lt;b&gt;non grassetto&lt;/b&gt;", "<b>non grassetto</b>"),
        ("", ""),
    ],
)
def test_comment_html_becomes_our_markdown(html, markdown):
    assert comment_markdown(html) == markdown
