"""privacy.py and its pages: one test per kind of personal data (export and erasure), the erasure
as a whole, the mailed link (cap, same answer, expiry, forgery, replay) and network retention."""

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from edicola.comments import privacy
from edicola.comments.models import Comment, Discussion, ModerationLog, Report, Vote
from edicola.comments.signals import discussion_changed
from edicola.core.models import OutgoingMail
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db

EMAIL = "anna@example.test"
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def make_comment(article, *, email=EMAIL, name="Anna", parent=None, **fields):
    fields.setdefault("body", f"Commento di {name}")
    fields.setdefault("body_html", f"<p>{fields['body']}</p>")
    fields.setdefault("status", Comment.Status.APPROVED)
    return Comment.objects.create(
        article=article,
        parent=parent,
        depth=parent.depth + 1 if parent else 0,
        author_name=name,
        author_email=email,
        **fields,
    )


@pytest.fixture
def article():
    home = make_site()
    return make_article(make_category(home), "Lumio X3: prezzo e uscita")


@pytest.fixture
def anna(article):
    """Anna's two comments (one a reply to Bruno), her vote and her report, and Bruno's reply to
    her: what an erasure must clear, and what it must leave."""
    bruno = make_comment(article, email="bruno@example.test", name="Bruno", ip_network="10.1.1.0")
    first = make_comment(
        article,
        author_url="https://anna.example.test",
        ip_network="192.0.2.0",
        reader_id="g:anna",
        body="Il prezzo mi sembra **alto**.",
    )
    reply = make_comment(article, parent=bruno, reader_id="g:anna", ip_network="2001:db8:1::")
    bruno_reply = make_comment(article, email="bruno@example.test", name="Bruno", parent=first)
    vote = Vote.objects.create(comment=bruno, voter="g:anna", value=1, ip_network="192.0.2.0")
    report = Report.objects.create(
        comment=bruno, reporter="g:anna", reason="off_topic", note="Fuori tema, scrivo io"
    )
    Discussion.objects.create(article=article, comment_count=4)
    return {
        "first": first,
        "reply": reply,
        "bruno": bruno,
        "bruno_reply": bruno_reply,
        "vote": vote,
        "report": report,
    }


def subject():
    return privacy.find_subject(EMAIL)


# -- The subject -----------------------------------------------------------------------------------


def test_subject_is_found_by_email_in_any_case_and_through_the_account(anna, article):
    user = get_user_model().objects.create_user("anna", email="Anna@Example.test")
    by_account = make_comment(article, email="", user=user)
    Vote.objects.create(comment=anna["bruno_reply"], voter=f"u:{user.pk}", value=-1)
    found = privacy.find_subject(" ANNA@example.test ")
    assert found.comment_ids == [anna["first"].pk, anna["reply"].pk, by_account.pk]
    assert found.reader_ids == sorted(["g:anna", f"u:{user.pk}"])
    assert found.votes().count() == 2
    assert privacy.find_subject("nobody@example.test").is_empty


# -- One test per kind: export, then erasure -------------------------------------------------------


def test_identity_is_exported_then_erased(anna):
    kind = privacy.IdentityData()
    records = kind.export(subject())
    assert {r["email"] for r in records} == {EMAIL}
    assert {r["name"] for r in records} == {"Anna"}
    assert "https://anna.example.test" in {r["website"] for r in records}
    assert {r["reader_id"] for r in records} == {"g:anna"}
    assert kind.erase(subject()) == 2
    for key in ("first", "reply"):
        anna[key].refresh_from_db()
        assert anna[key].author_email == "" and anna[key].author_url == ""
        assert anna[key].reader_id == "" and anna[key].user is None
        with translation.override("it"):
            assert anna[key].author_name == privacy.anonymous_name()
    assert kind.export(subject()) == []
    anna["bruno"].refresh_from_db()
    assert anna["bruno"].author_name == "Bruno" and anna["bruno"].author_email


def test_networks_are_exported_then_erased(anna):
    kind = privacy.NetworkData()
    records = kind.export(subject())
    assert {(r["kind"], r["network"]) for r in records} == {
        ("comment", "192.0.2.0"),
        ("comment", "2001:db8:1::"),
        ("vote", "192.0.2.0"),
    }
    assert kind.erase(subject()) == 3
    assert kind.export(subject()) == []
    assert not Comment.objects.filter(pk__in=subject().comment_ids).exclude(ip_network="")
    anna["vote"].refresh_from_db()
    assert anna["vote"].ip_network == ""
    anna["bruno"].refresh_from_db()
    assert anna["bruno"].ip_network == "10.1.1.0", "someone else's network is kept"


def test_texts_are_exported_then_erased(anna):
    kind = privacy.TextData()
    texts = {(r["kind"], r["text"]) for r in kind.export(subject())}
    assert ("comment", "Il prezzo mi sembra **alto**.") in texts
    assert ("report", "Fuori tema, scrivo io") in texts
    kind.erase(subject())
    anna["first"].refresh_from_db()
    anna["report"].refresh_from_db()
    assert anna["first"].body == "" and anna["first"].body_html == ""
    assert anna["report"].note == ""
    assert {r["text"] for r in kind.export(subject())} == {""}, "only empty comment texts remain"
    anna["bruno"].refresh_from_db()
    assert anna["bruno"].body == "Commento di Bruno"


def test_votes_and_reports_are_exported_then_unlinked(anna, article):
    kind = privacy.ActivityData()
    records = kind.export(subject())
    assert {(r["kind"], r["comment"]) for r in records} == {
        ("vote", anna["bruno"].pk),
        ("report", anna["bruno"].pk),
    }
    assert all(r["article_url"].endswith(article.url_path.split("/", 2)[2]) for r in records)
    assert kind.erase(subject()) == 2
    assert kind.export(subject()) == []
    anna["vote"].refresh_from_db()
    anna["report"].refresh_from_db()
    assert anna["vote"].voter.startswith("x:") and anna["vote"].value == 1, "score kept"
    assert anna["report"].reporter.startswith("x:")


def test_mail_sent_to_the_address_is_exported_then_deleted(anna):
    from edicola.core.mail import queue_mail

    queue_mail(EMAIL, "Oggetto", privacy.LINK_TEMPLATE, {"link": "x", "valid_hours": 1})
    queue_mail("other@example.test", "Altro", privacy.LINK_TEMPLATE, {"valid_hours": 1})
    kind = privacy.MailData()
    assert [r["subject"] for r in kind.export(subject())] == ["Oggetto"]
    assert kind.erase(subject()) == 1
    assert kind.export(subject()) == []
    assert OutgoingMail.objects.filter(to="other@example.test").exists()


# -- Export and erasure as a whole -----------------------------------------------------------------


def test_export_lists_comments_with_article_and_every_kind(anna, article):
    data = privacy.export(subject())
    json.dumps(data)  # JSON-ready
    assert data["email"] == EMAIL
    [first, reply] = data["comments"]
    assert first["id"] == anna["first"].pk and first["article_title"] == article.title
    assert first["article_url"].endswith(f"/{article.slug}/") and first["status"] == "approved"
    assert reply["reply_to"] == anna["bruno"].pk
    assert set(data["data"]) == {
        "identity",
        "networks",
        "texts",
        "activity",
        "error_reports",
        "mail",
    }


def test_erasure_keeps_the_thread_shape_logs_and_recounts(anna, article):
    report = privacy.erase(subject())
    assert report.comments == 2
    first = Comment.objects.get(pk=anna["first"].pk)
    assert first.status == Comment.Status.REMOVED and first.is_anonymised
    assert first.body == "" and first.author_email == "" and first.ip_network == ""
    assert first.edit_key != anna["first"].edit_key
    bruno_reply = Comment.objects.get(pk=anna["bruno_reply"].pk)
    assert bruno_reply.parent_id == first.pk and bruno_reply.status == Comment.Status.APPROVED
    assert set(
        ModerationLog.objects.filter(action=ModerationLog.Action.ERASE).values_list(
            "comment_id", flat=True
        )
    ) == {anna["first"].pk, anna["reply"].pk}
    discussion = Discussion.objects.get(article=article)
    assert discussion.comment_count == 2 and discussion.version >= 1
    assert privacy.find_subject(EMAIL).is_empty


def test_erasure_signals_the_discussion_after_commit(
    anna, article, django_capture_on_commit_callbacks
):
    sent = []

    def receiver(sender, article, **kwargs):
        sent.append(article.pk)

    discussion_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            privacy.erase(subject())
            assert sent == []
    finally:
        discussion_changed.disconnect(receiver)
    assert sent == [article.pk]


# -- The pages and the link ------------------------------------------------------------------------


def request_page(client, email=EMAIL, prefix=""):
    return client.post(f"{prefix}/commenti/privacy/", {"email": email}, **SAME_ORIGIN)


def token_for(email=EMAIL):
    return privacy.make_token(privacy.find_subject(email))


def test_request_page_renders_in_both_languages(article, client):
    italian = client.get("/commenti/privacy/")
    english = client.get("/en/commenti/privacy/")
    assert italian.status_code == english.status_code == 200
    assert 'lang="it"' in italian.text and 'lang="en"' in english.text
    assert 'id="privacy-request-form"' in english.text
    assert 'action="/en/commenti/privacy/"' in english.text


def test_request_page_says_what_is_stored_and_for_how_long(article, client, settings):
    settings.COMMENTS = {**settings.COMMENTS, "NETWORK_RETENTION_DAYS": 21}
    page = client.get("/en/commenti/privacy/").text
    assert 'id="privacy-what-we-store"' in page
    assert "never the full IP address" in page and "kept for 21 days" in page


def test_same_answer_whether_or_not_the_address_has_comments(anna, client):
    known = request_page(client, EMAIL)
    unknown = request_page(client, "nessuno@example.test")
    assert known.status_code == unknown.status_code == 200
    assert known.text.replace(EMAIL, "X") == unknown.text.replace("nessuno@example.test", "X")
    assert OutgoingMail.objects.filter(template=privacy.LINK_TEMPLATE).count() == 2


def test_fourth_request_in_a_day_is_refused_and_sends_nothing(anna, client):
    for _ in range(3):
        assert request_page(client).status_code == 200
    fourth = request_page(client, EMAIL.upper())
    assert fourth.status_code == 429
    # The first of the three links leaves the 24-hour window in (just under) a day.
    assert 23 * 3600 < int(fourth["Retry-After"]) <= 24 * 3600
    with translation.override("it"):
        assert str(privacy._too_many()) in fourth.text
    assert OutgoingMail.objects.filter(to=EMAIL).count() == 3
    other = request_page(client, "nessuno@example.test")
    assert other.status_code == 200, "the cap is per address"


def test_requests_are_capped_per_network_too(article, client):
    answers = [request_page(client, f"r{n}@example.test") for n in range(12)]
    assert [answer.status_code for answer in answers] == [200] * 10 + [429, 429]
    # 10 an hour, the limiter's clock 1,830.5 s into the hour: in the sliding hour the ten weigh
    # less than ten once 360 s of the next hour have passed, 2,130 s from now.
    assert answers[10]["Retry-After"] == answers[11]["Retry-After"] == "2130"


def test_bad_email_is_refused_with_a_message_and_nothing_sent(article, client):
    for value in ["", "not-an-email", "a\x00b@example.test", "x" * 300 + "@example.test"]:
        response = request_page(client, value)
        assert response.status_code == 400
        assert 'id="privacy-email-error"' in response.text
    assert not OutgoingMail.objects.exists()


def test_post_from_another_site_is_refused(article, client):
    response = client.post(
        "/commenti/privacy/", {"email": EMAIL}, HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403
    assert not OutgoingMail.objects.exists()


def test_link_page_shows_counts_and_offers_export_and_erasure(anna, client):
    token = token_for()
    response = client.get(f"/commenti/privacy/{token}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert 'data-comments="2"' in response.text and 'data-activity="2"' in response.text
    assert f"/commenti/privacy/{token}/export.json" in response.text
    assert 'id="privacy-erase-form"' in response.text


def test_link_for_an_address_without_data_says_so(article, client):
    response = client.get(f"/en/commenti/privacy/{token_for('nessuno@example.test')}/")
    assert response.status_code == 200
    assert 'id="privacy-nothing"' in response.text
    assert 'id="privacy-erase-form"' not in response.text


def test_export_downloads_json(anna, client):
    response = client.get(f"/commenti/privacy/{token_for()}/export.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [c["id"] for c in data["comments"]] == [anna["first"].pk, anna["reply"].pk]


def test_erasure_needs_a_confirmed_same_origin_post(anna, client):
    token = token_for()
    url = f"/commenti/privacy/{token}/erase/"
    assert client.get(url).status_code == 405
    assert client.post(url, {"confirm": "1"}).status_code == 403
    unconfirmed = client.post(url, {}, **SAME_ORIGIN)
    assert unconfirmed.status_code == 400 and 'role="alert"' in unconfirmed.text
    assert not Comment.objects.filter(is_anonymised=True).exists()
    done = client.post(url, {"confirm": "1"}, **SAME_ORIGIN)
    assert done.status_code == 200 and 'data-comments="2"' in done.text
    assert Comment.objects.filter(is_anonymised=True).count() == 2


def test_replayed_link_is_refused_and_changes_nothing(anna, client):
    token = token_for()
    url = f"/commenti/privacy/{token}/erase/"
    assert client.post(url, {"confirm": "1"}, **SAME_ORIGIN).status_code == 200
    logged = ModerationLog.objects.count()
    snapshot = list(Comment.objects.order_by("pk").values())
    for replay in (
        client.post(url, {"confirm": "1"}, **SAME_ORIGIN),
        client.get(f"/commenti/privacy/{token}/"),
        client.get(f"/commenti/privacy/{token}/export.json"),
    ):
        assert replay.status_code == 410 and 'id="privacy-error"' in replay.text
    assert ModerationLog.objects.count() == logged
    assert list(Comment.objects.order_by("pk").values()) == snapshot


def test_expired_link_is_refused(anna, client, monkeypatch):
    token = token_for()
    monkeypatch.setattr(privacy, "link_max_age", lambda: -1)
    response = client.post(f"/commenti/privacy/{token}/erase/", {"confirm": "1"}, **SAME_ORIGIN)
    assert response.status_code == 410
    assert not Comment.objects.filter(is_anonymised=True).exists()


@pytest.mark.parametrize(
    "token",
    ["abc", "x" * 500, "eyJlIjoiYW5uYUBleGFtcGxlLnRlc3QifQ:1abc:forged", "%00", "..%2F"],
)
def test_forged_link_is_refused(anna, client, token):
    for response in (
        client.get(f"/commenti/privacy/{token}/"),
        client.post(f"/commenti/privacy/{token}/erase/", {"confirm": "1"}, **SAME_ORIGIN),
    ):
        assert response.status_code in (400, 404)
    assert not Comment.objects.filter(is_anonymised=True).exists()


def test_link_signed_for_another_purpose_is_refused(anna, client):
    from django.core import signing

    token = signing.dumps({"e": EMAIL, "f": privacy.fingerprint(subject())}, salt="other")
    assert client.get(f"/commenti/privacy/{token}/").status_code == 400


def test_english_error_page_is_in_english(anna, client):
    response = client.get("/en/commenti/privacy/forged/")
    assert response.status_code == 400
    with translation.override("en"):
        assert "This link is not valid" in response.text


# -- Retention -------------------------------------------------------------------------------------


def test_purge_clears_networks_older_than_the_retention(anna, article):
    old = timezone.now() - timedelta(days=31)
    Comment.objects.filter(pk=anna["first"].pk).update(created_at=old)
    Vote.objects.filter(pk=anna["vote"].pk).update(created_at=old)
    assert privacy.purge_networks() == 2
    assert privacy.purge_networks() == 0, "safe to run again"
    anna["first"].refresh_from_db()
    anna["reply"].refresh_from_db()
    assert anna["first"].ip_network == "" and anna["reply"].ip_network == "2001:db8:1::"


def test_retention_is_configurable_and_the_command_reports(anna, settings):
    settings.COMMENTS = {**settings.COMMENTS, "NETWORK_RETENTION_DAYS": 0}
    out = io.StringIO()
    call_command("purge_networks", stdout=out)
    assert "Cleared 4 stored networks" in out.getvalue()
    assert not Comment.objects.exclude(ip_network="").exists()


def test_purge_task_runs(anna):
    from edicola.comments.tasks import purge_networks_task

    Comment.objects.update(created_at=timezone.now() - timedelta(days=40))
    result = purge_networks_task.enqueue()
    assert result.return_value == 3


def test_reverse_names_are_stable():
    with translation.override("en"):
        assert reverse("comments_privacy:request") == "/en/commenti/privacy/"
    with translation.override("it"):
        assert reverse("comments_privacy:erase", args=["t"]) == "/commenti/privacy/t/erase/"
