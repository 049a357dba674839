"""Passage endpoints through the Django client: the question block and corrections on the article
page, the "Inline feedback" filter with JavaScript off, posting answers and passage comments
(form and JSON), the passage map with its ETag, error reports, and bad input never a 500."""

import json

import pytest
from django.urls import reverse
from django.utils import translation

from edicola.comments import stamps
from edicola.comments.models import Comment
from edicola.comments.tests.factories import make_user, relax_limits
from edicola.passages import services
from edicola.passages.models import ErrorReport, PassageAnchor
from edicola.passages.tests.factories import make_passage_article, selection

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_SEC_FETCH_SITE": "same-origin"}
JSON = {"HTTP_ACCEPT": "application/json", **SAME_ORIGIN}


@pytest.fixture(autouse=True)
def _publish_at_once(settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none"}
    relax_limits(settings)


@pytest.fixture
def article():
    return make_passage_article()


def stamp(article) -> str:
    """A stamp of this article's passage forms, as if the form had been shown a minute ago."""
    return stamps.issue(stamps.form_for(article.pk, "passage"), now=stamps.clock() - 60)


def reader(article, **fields) -> dict:
    data = {
        "body": "Risposta di prova.",
        "name": "Lucia Ferri",
        "email": "lucia@example.org",
        "consent": "1",
        "address": "",
        "stamp": stamp(article),
    }
    data.update(fields)
    return data


def words(article, text: str) -> dict:
    passage = selection(article, text)
    return {
        "exact": passage.exact,
        "prefix": passage.prefix,
        "suffix": passage.suffix,
        "start": str(passage.start),
    }


def test_article_page_renders_question_block_and_passages_script(client, article):
    html = client.get(article.url).content.decode()
    assert 'id="domanda-prezzo"' in html and 'class="feedback-passage"' in html
    assert 'href="?commenti=feedback#risposte-prezzo"' in html
    assert 'id="passages-config"' in html and "passages/passages" in html
    assert 'class="feedback-filter"' in html


def test_answer_without_javascript_via_the_comment_section(client, article):
    html = client.get(article.url + "?commenti=feedback").content.decode()
    assert 'id="risposte-prezzo"' in html and 'name="question" value="prezzo"' in html
    response = client.post(
        reverse("passages:post", args=[article.pk]),
        reader(article, question="prezzo"),
        **SAME_ORIGIN,
    )
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert response["Location"].endswith(f"#commento-{comment.pk}")
    assert comment.passage.question_id == "prezzo"
    html = client.get(article.url + "?commenti=feedback").content.decode()
    with translation.override("it"):
        label = translation.gettext("Inline feedback (%(count)s)") % {"count": 1}
    assert label in html or "(1)" in html
    assert f'id="commento-{comment.pk}"' in html and 'class="passage-goto"' in html
    # The main thread shows the answer with its quoted passage too.
    html = client.get(article.url).content.decode()
    assert 'class="comment-passage' in html and "#domanda-prezzo" in html


def test_json_passage_comment_and_map(client, article):
    url = reverse("passages:post", args=[article.pk])
    response = client.post(url, reader(article, **words(article, "prezzo più basso")), **JSON)
    assert response.status_code == 201, response.content
    payload = response.json()
    assert payload["published"] and 'class="comment-passage' in payload["html"]
    map_url = reverse("passages:map", args=[article.pk])
    response = client.get(map_url)
    data = json.loads(response.content)
    assert data["passages"][0]["exact"] == "prezzo più basso"
    assert data["passages"][0]["comments"][0]["id"] == payload["id"]
    assert "private" in response["Cache-Control"]
    again = client.get(map_url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    second = client.post(
        url, reader(article, body="Un altro parere.", **words(article, "batteria")), **JSON
    )
    assert second.status_code == 201 and second.json()["published"]
    assert client.get(map_url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"exact": ""},
        {"exact": "x" * 5000},
        {"exact": "precedente.\nUn telefono"},
        {"exact": "Il CEO"},
        {"exact": "<img src=x onerror=alert(1)>"},
        {"exact": "prezzo più basso", "start": "-5"},
        {"exact": "prezzo più basso", "start": "9" * 30},
        {"exact": "prezzo più basso", "prefix": "\x00" * 10},
        {"question": "../../etc"},
        {"question": "x" * 500},
    ],
)
def test_bad_anchors_answer_with_a_translated_error_never_500(client, article, fields):
    url = reverse("passages:post", args=[article.pk])
    response = client.post(url, reader(article, **fields), **JSON)
    if response.status_code == 201:  # a usable passage despite odd hints
        assert PassageAnchor.objects.get().exact == "prezzo più basso"
        return
    assert response.status_code == 400
    assert response.json()["message"]
    assert not Comment.objects.exists()
    html = client.post(url, reader(article, **fields), **SAME_ORIGIN)
    assert html.status_code == 400
    assert b'class="form-errors"' in html.content and b"<script>alert" not in html.content


def test_cross_site_post_is_refused(client, article):
    url = reverse("passages:post", args=[article.pk])
    response = client.post(
        url, reader(article, question="prezzo"), HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 403 and not Comment.objects.exists()


def test_form_fragment_for_question_comment_and_report(client, article):
    url = reverse("passages:form", args=[article.pk])
    assert b'name="question" value="prezzo"' in client.get(url + "?domanda=prezzo").content
    assert b'name="exact"' in client.get(url + "?tipo=commento").content
    assert b'name="explanation"' in client.get(url + "?tipo=errore").content
    assert client.get(url + "?domanda=nessuna").status_code == 404
    assert client.get(url + "?tipo=commento")["Cache-Control"] == "private, no-store"


def test_error_report_json_and_without_javascript(client, article):
    url = reverse("passages:report", args=[article.pk])
    data = {"explanation": "Il prezzo è sbagliato", **words(article, "prezzo più basso")}
    response = client.post(url, data, **JSON)
    assert response.status_code == 201 and ErrorReport.objects.count() == 1
    response = client.post(url, data, **SAME_ORIGIN)
    assert response.status_code == 303 and response["Location"].endswith("#correzioni")
    bad = client.post(url, {"explanation": "", **words(article, "batteria")}, **JSON)
    assert bad.status_code == 400 and bad.json()["errors"] == {
        "explanation": [bad.json()["message"]]
    }
    page = client.post(url, {"explanation": "ok", "exact": "non c'è"}, **SAME_ORIGIN)
    assert page.status_code == 400 and b'class="form-errors"' in page.content
    assert ErrorReport.objects.count() == 2


def test_too_many_error_reports_say_when_to_retry(client, article):
    """Five reports per ten minutes, the limiter's clock 30.5 s into a ten-minute window: in the
    sliding window the five weigh less than five 120 s into the next one, 690 s from now, and
    the JSON answer and the page both say so."""
    url = reverse("passages:report", args=[article.pk])
    data = {"explanation": "Il prezzo è sbagliato", **words(article, "prezzo più basso")}
    for _ in range(5):
        assert client.post(url, data, **JSON).status_code == 201
    as_json = client.post(url, data, **JSON)
    assert as_json.status_code == 429 and as_json["Retry-After"] == "690"
    as_page = client.post(url, data, **SAME_ORIGIN)
    assert as_page.status_code == 429 and as_page["Retry-After"] == "690"
    assert ErrorReport.objects.count() == 5


def test_corrections_note_lists_fixes_with_date(client, article):
    url = reverse("passages:report", args=[article.pk])
    client.post(url, {"explanation": "Errore", **words(article, "batteria")}, **JSON)
    report = ErrorReport.objects.get()
    services.resolve_error(report, "fixed", actor=make_user(staff=True), correction="Durata.")
    html = client.get(article.url).content.decode()
    assert 'id="correzioni"' in html and "Durata." in html and "<time datetime=" in html


def test_modified_passage_shows_the_mark_in_the_thread(client, article):
    from edicola.passages.tests.factories import article_body, publish_body

    url = reverse("passages:post", args=[article.pk])
    client.post(url, reader(article, **words(article, "prezzo più basso")), **JSON)
    publish_body(article, article_body(["<p>Tutto riscritto.</p>"]))
    html = client.get(article.url).content.decode()
    assert 'class="passage-modified"' in html and "prezzo più basso" in html


def test_admin_error_queue_lists_and_resolves(client, article):
    url = reverse("passages:report", args=[article.pk])
    client.post(url, {"explanation": "Errore qui", **words(article, "batteria")}, **JSON)
    admin = make_user(staff=True, is_superuser=True)
    client.force_login(admin)
    queue = reverse("passages_error_queue")
    html = client.get(queue).content.decode()
    assert "Errore qui" in html and "data-error-reports" in html
    report = ErrorReport.objects.get()
    response = client.post(queue, {"report": report.pk, "status": "fixed", "correction": "Ok"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "fixed" and report.resolved_by == admin
    client.logout()
    reader_user = make_user()
    client.force_login(reader_user)
    assert client.get(queue).status_code in (302, 403)


@pytest.mark.validator
def test_pages_with_passages_are_valid_html(client, article, tmp_path):
    from edicola.news.tests.conftest import describe_nu_errors, nu_check

    url = reverse("passages:post", args=[article.pk])
    client.post(url, reader(article, **words(article, "prezzo più basso")), **JSON)
    client.post(url, reader(article, body="Una risposta.", question="prezzo"), **JSON)
    documents = {
        "article": client.get(article.url).content,
        "feedback": client.get(article.url + "?commenti=feedback").content,
        "form error": client.post(url, reader(article, exact="<b>x</b>"), **SAME_ORIGIN).content,
    }
    errors = nu_check(documents, tmp_path)
    assert not any(errors.values()), describe_nu_errors(errors)
