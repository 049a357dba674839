"""Passage rules: answers and passage comments are comments with an anchor, bad anchors save
nothing, anchors follow edits on publish, error reports reach the newsroom."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from edicola.comments.forms import CommentInput
from edicola.comments.models import Comment
from edicola.comments.tests.factories import guest, make_comment, make_user, relax_limits
from edicola.core.models import OutgoingMail
from edicola.passages import services
from edicola.passages.models import ErrorReport, PassageAnchor
from edicola.passages.services import PassageError, PassageInput
from edicola.passages.tests.factories import (
    PARAGRAPHS,
    article_body,
    make_passage_article,
    publish_body,
    selection,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none"}
    relax_limits(settings)


@pytest.fixture
def article():
    return make_passage_article()


def reader_input(body="Sono d'accordo con questo passaggio.", **fields):
    return CommentInput(body=body, name="Lucia Ferri", email="lucia@example.org", **fields)


def test_comment_on_passage_saves_comment_and_anchor(article):
    comment = services.comment_on_passage(
        article, selection(article, "prezzo più basso"), reader_input(), client=guest()
    )
    anchor = comment.passage
    assert comment.status == Comment.Status.APPROVED
    assert anchor.kind == PassageAnchor.Kind.SELECTION
    assert anchor.quote == anchor.exact == "prezzo più basso"
    assert anchor.revision_id == article.live_revision_id
    assert anchor.prefix.endswith("con un ") and anchor.suffix.startswith(" rispetto")
    text = services.current_text(article).text
    assert text[anchor.start : anchor.end] == "prezzo più basso"


def test_answer_to_question_is_a_moderated_comment(settings, article):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    comment = services.answer_question(article, "prezzo", reader_input("Sì."), client=guest())
    assert comment.status == Comment.Status.PENDING
    assert comment.passage.kind == PassageAnchor.Kind.QUESTION
    assert comment.passage.question_id == "prezzo"
    assert comment.passage.quote.startswith("Il prezzo resterà")


@pytest.mark.parametrize(
    ("passage", "field"),
    [
        (PassageInput(""), "exact"),
        (PassageInput("   \n "), "exact"),
        (PassageInput("x" * 1001), "exact"),
        (PassageInput("generazione precedente.\nUn telefono"), "exact"),
        (PassageInput("Foto redazione"), "exact"),
        (PassageInput("un testo che non compare nell'articolo"), "exact"),
        (PassageInput('<script>alert("x")</script>'), "exact"),
    ],
    ids=["empty", "blank", "too long", "spans blocks", "caption", "not in text", "hostile"],
)
def test_bad_passages_are_refused_and_nothing_saved(article, passage, field):
    with pytest.raises(PassageError) as refused:
        services.comment_on_passage(article, passage, reader_input(), client=guest())
    assert refused.value.field == field and refused.value.status == 400
    assert not Comment.objects.exists() and not PassageAnchor.objects.exists()


def test_anchor_from_another_article_is_refused(article):
    other = make_passage_article(
        "Un altro articolo", body=[("paragraph", "<p>Testo di un altro articolo.</p>")]
    )
    with pytest.raises(PassageError):
        services.comment_on_passage(
            article, selection(other, "Testo di un altro"), reader_input(), client=guest()
        )
    assert not Comment.objects.exists()


def test_unknown_question_is_refused(article):
    with pytest.raises(PassageError) as refused:
        services.answer_question(article, "non-esiste", reader_input(), client=guest())
    assert refused.value.field == "question"
    assert not Comment.objects.exists()


def test_bad_comment_text_saves_no_anchor(article):
    with pytest.raises(services.CommentError):
        services.comment_on_passage(
            article, selection(article, "prezzo più basso"), reader_input(""), client=guest()
        )
    assert not PassageAnchor.objects.exists()


def test_bot_refused_comment_saves_no_anchor(article):
    comment = services.comment_on_passage(
        article,
        selection(article, "prezzo più basso"),
        reader_input(honeypot="http://spam.example"),
        client=guest(),
    )
    assert comment.pk is None and not PassageAnchor.objects.exists()


def test_publish_reanchors_after_insert_before_and_word_change_after(article):
    comment = services.comment_on_passage(
        article, selection(article, "prezzo più basso"), reader_input(), client=guest()
    )
    paragraphs = [
        "<p>Aggiornamento: la casa ha diffuso anche i prezzi europei.</p>",
        PARAGRAPHS[0].replace("generazione precedente", "versione precedente"),
        PARAGRAPHS[1],
    ]
    article = publish_body(article, article_body(paragraphs))
    anchor = PassageAnchor.objects.get(pk=comment.pk)
    text = services.current_text(article).text
    assert anchor.state == PassageAnchor.State.ANCHORED
    assert text[anchor.start : anchor.end] == "prezzo più basso"
    assert anchor.revision_id == article.live_revision_id


def test_rewritten_passage_is_marked_modified_and_kept(article):
    comment = services.comment_on_passage(
        article, selection(article, "prezzo più basso"), reader_input(), client=guest()
    )
    answer = services.answer_question(article, "prezzo", reader_input("Sì"), client=guest())
    paragraphs = ["<p>Il listino non è ancora stato comunicato.</p>", PARAGRAPHS[1]]
    publish_body(article, article_body(paragraphs, question=False))
    anchor = PassageAnchor.objects.get(pk=comment.pk)
    assert anchor.state == PassageAnchor.State.MODIFIED
    assert anchor.quote == "prezzo più basso"
    assert PassageAnchor.objects.get(pk=answer.pk).state == PassageAnchor.State.MODIFIED
    assert Comment.objects.filter(pk=comment.pk, status=Comment.Status.APPROVED).exists()


def test_modified_passage_comes_back_when_the_text_returns(article):
    comment = services.comment_on_passage(
        article, selection(article, "prezzo più basso"), reader_input(), client=guest()
    )
    publish_body(article, article_body([PARAGRAPHS[1]]))
    assert PassageAnchor.objects.get(pk=comment.pk).is_modified
    publish_body(article, article_body())
    assert not PassageAnchor.objects.get(pk=comment.pk).is_modified


def test_passage_map_groups_published_comments(article):
    words = selection(article, "prezzo più basso")
    first = services.comment_on_passage(article, words, reader_input(), client=guest())
    second = services.comment_on_passage(article, words, reader_input("Anche io"), client=guest())
    services.answer_question(article, "prezzo", reader_input("Sì"), client=guest())
    hidden = services.comment_on_passage(
        article, selection(article, "batteria"), reader_input("Nascosto"), client=guest()
    )
    Comment.objects.filter(pk=hidden.pk).update(status=Comment.Status.PENDING)
    result = services.passage_map(article)
    assert result["questions"] == {"prezzo": 1}
    assert [p["exact"] for p in result["passages"]] == ["prezzo più basso"]
    assert [c["id"] for c in result["passages"][0]["comments"]] == [first.pk, second.pk]


def test_reanchoring_500_passages_is_bulk(article):
    text = services.current_text(article).text
    start = text.index("prezzo più basso")
    for number in range(50):
        comment = make_comment(article, f"Commento {number}")
        PassageAnchor.objects.create(
            comment=comment,
            article_id=article.pk,
            kind=PassageAnchor.Kind.SELECTION,
            quote="prezzo più basso",
            exact="prezzo più basso",
            start=start,
            end=start + 16,
        )
    page = publish_body(article, article_body(["<p>Nuovo attacco.</p>", *PARAGRAPHS]))
    with CaptureQueriesContext(connection) as queries:
        result = services.reanchor_article(page)
    assert result == {"anchors": 50, "changed": 0, "modified": 0}
    assert len(queries) <= 3


def test_error_report_is_saved_and_mailed_to_authors_and_editors(article):
    author_user = make_user("autrice@example.org")
    article.test_author.user = author_user
    article.test_author.save()
    editor = make_user("redattore@example.org")
    editor.groups.add(Group.objects.get_or_create(name="Editors")[0])
    make_user("lettore-qualsiasi@example.org")
    report = services.report_error(
        article,
        selection(article, "regge un'intera giornata"),
        "La batteria dura mezza giornata secondo la vostra prova.",
        client=guest(),
        email="Lettore@Example.org",
    )
    assert report.status == ErrorReport.Status.OPEN
    assert report.email == "lettore@example.org"
    assert report.exact == "regge un'intera giornata"
    recipients = sorted(OutgoingMail.objects.values_list("to", flat=True))
    assert recipients == ["autrice@example.org", "redattore@example.org"]
    mail = OutgoingMail.objects.first()
    assert "regge un'intera giornata" in mail.body_text


@pytest.mark.parametrize(
    ("explanation", "email", "field"),
    [("", "", "explanation"), ("x" * 501, "", "explanation"), ("Errore", "non-mail", "email")],
)
def test_bad_error_reports_are_refused(article, explanation, email, field):
    with pytest.raises(PassageError) as refused:
        services.report_error(
            article, selection(article, "batteria"), explanation, client=guest(), email=email
        )
    assert refused.value.field == field
    assert not ErrorReport.objects.exists()


def test_error_reports_are_rate_limited(article):
    client = guest()
    for _ in range(5):
        services.report_error(article, selection(article, "batteria"), "Sbagliato", client=client)
    with pytest.raises(PassageError) as refused:
        services.report_error(article, selection(article, "batteria"), "Sbagliato", client=client)
    assert refused.value.status == 429


def test_fixing_a_report_lists_it_in_corrections(article):
    editor = make_user(staff=True)
    report = services.report_error(
        article, selection(article, "batteria"), "Sbagliato", client=guest()
    )
    services.resolve_error(report, "fixed", actor=editor, correction="Corretta la durata.")
    other = services.report_error(article, selection(article, "pannello"), "No", client=guest())
    services.resolve_error(other, "rejected", actor=editor)
    fixes = services.corrections(article)
    assert [fix.correction for fix in fixes] == ["Corretta la durata."]
    assert fixes[0].resolved_at is not None
    with pytest.raises(PassageError):
        services.resolve_error(report, "boh", actor=editor)
