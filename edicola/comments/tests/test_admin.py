"""The moderation queue in Wagtail's admin: menu count, filters, search, bulk and per-comment
actions through the services (each one logged), staff replies, closing, pinning, history, log,
permissions and bad input."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from edicola.comments import readers, services
from edicola.comments.models import Comment, Discussion, ModerationLog, Report
from edicola.comments.tests.factories import make_comment
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db

QUEUE = "/admin/comments/"


@pytest.fixture(autouse=True)
def _english():
    translation.activate("en")
    yield
    translation.activate("it")


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("capo", "capo@example.org", "pw-12345-x")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _admin_user(username: str, *codenames: str):
    """A user who may enter Wagtail's admin, with the extra permissions named."""
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "pw-1-x")
    group = Group.objects.create(name=f"group-{username}")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="comments", codename__in=codenames),
    )
    user.groups.add(group)
    return user


@pytest.fixture
def articles():
    category = make_category(make_site())
    return make_article(category, "Il telefono pieghevole"), make_article(category, "Un tablet")


def make(article, body="Bel pezzo, grazie.", **fields):
    """A comment stored directly (C1's builder keeps the discussion counters right)."""
    fields.setdefault("email", "marta@example.org")
    return make_comment(article, body, **fields)


def rows(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-comment-id="(\d+)"', response.content.decode())]


def flashed(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


# Menu and dashboard -----------------------------------------------------------------------------


def test_menu_shows_how_many_comments_await_review(admin_client, articles):
    article, other = articles
    make(article, status=Comment.Status.PENDING)
    make(other, status=Comment.Status.PENDING)
    make(article, report_count=1)  # published but reported
    make(article)  # nothing to do
    make(article, status=Comment.Status.SPAM)
    html = admin_client.get("/admin/").content.decode()
    assert 'data-review-count=\\"3\\"' in html or 'data-review-count="3"' in html
    assert gettext("Comments (%(count)d)") % {"count": 3} in html
    assert 'id="comments-review-section"' in html  # the dashboard panel


def test_menu_is_hidden_from_users_who_cannot_moderate(client, articles):
    client.force_login(_admin_user("lettore"))
    html = client.get("/admin/").content.decode()
    assert "/admin/comments/" not in html and 'id="comments-review-section"' not in html


# The queue: filters, search, order, pagination -------------------------------------------------


def test_queue_lists_newest_first_with_staff_details(admin_client, articles):
    article, _ = articles
    old = make(article, "Primo commento", created_at=timezone.now() - timedelta(days=1))
    new = make(article, "Secondo **commento**", score=7)
    Report.objects.create(comment=new, reporter="g:a", reason=Report.Reason.SPAM)
    Report.objects.create(comment=new, reporter="g:b", reason=Report.Reason.SPAM)
    Report.objects.create(comment=new, reporter="g:c", reason=Report.Reason.OFFENSIVE)
    response = admin_client.get(QUEUE)
    assert response.status_code == 200
    assert rows(response) == [new.pk, old.pk]
    html = response.content.decode()
    assert "marta@example.org" in html and "192.0.2.0/24" in html
    assert "Il telefono pieghevole" in html
    assert f"{gettext('Spam')} × 2" in html and f"{gettext('Offensive')} × 1" in html
    assert "<p>Secondo" not in html  # excerpt is plain text


def test_queue_filters_by_status(admin_client, articles):
    article, _ = articles
    pending = make(article, status=Comment.Status.PENDING)
    approved = make(article)
    spam = make(article, status=Comment.Status.SPAM)
    removed = make(article, status=Comment.Status.REMOVED)
    reported = make(article, report_count=2)
    assert rows(admin_client.get(QUEUE, {"status": "pending"})) == [pending.pk]
    assert rows(admin_client.get(QUEUE, {"status": "approved"})) == [reported.pk, approved.pk]
    assert rows(admin_client.get(QUEUE, {"status": "spam"})) == [spam.pk]
    assert rows(admin_client.get(QUEUE, {"status": "removed"})) == [removed.pk]
    assert rows(admin_client.get(QUEUE, {"status": "review"})) == [reported.pk, pending.pk]


def test_reported_comment_leaves_review_once_reviewed_until_reported_again(admin_client, articles):
    article, _ = articles
    comment = make(article, report_count=1, reviewed_at=timezone.now())
    Report.objects.create(
        comment=comment, reporter="g:a", reason="spam", created_at=timezone.now() - timedelta(1)
    )
    assert rows(admin_client.get(QUEUE, {"status": "review"})) == []
    assert 'data-row-action="approve"' not in admin_client.get(QUEUE).content.decode()
    Report.objects.create(comment=comment, reporter="g:b", reason="spam")
    assert rows(admin_client.get(QUEUE, {"status": "review"})) == [comment.pk]
    html = admin_client.get(QUEUE).content.decode()
    assert 'data-row-action="approve"' in html and "data-needs-review" in html


def test_approving_a_reported_published_comment_dismisses_the_reports(admin_client, articles):
    comment = make(articles[0], report_count=1)
    Report.objects.create(comment=comment, reporter="g:a", reason="spam")
    assert rows(admin_client.get(QUEUE, {"status": "review"})) == [comment.pk]
    admin_client.post(QUEUE + "bulk/", {"action": "approve", "ids": [comment.pk]})
    assert rows(admin_client.get(QUEUE, {"status": "review"})) == []
    assert ModerationLog.objects.filter(comment=comment, action="approve").exists()


def test_queue_filters_by_article_email_network_and_reports(admin_client, articles):
    article, other = articles
    first = make(article, email="anna@example.org", ip_network="198.51.100.0/24")
    second = make(other, report_count=1)
    assert rows(admin_client.get(QUEUE, {"article": other.pk})) == [second.pk]
    assert rows(admin_client.get(QUEUE, {"email": " Anna@Example.org "})) == [first.pk]
    assert rows(admin_client.get(QUEUE, {"network": "198.51.100.0/24"})) == [first.pk]
    assert rows(admin_client.get(QUEUE, {"reported": "true"})) == [second.pk]
    assert rows(admin_client.get(QUEUE, {"reported": "false"})) == [first.pk]
    both = admin_client.get(QUEUE, {"article": article.pk, "reported": "true"})
    assert rows(both) == []


def test_results_fragment_used_by_wagtail_filters(admin_client, articles):
    article, other = articles
    make(article)
    wanted = make(other)
    response = admin_client.get(QUEUE + "results/", {"article": other.pk})
    assert response.status_code == 200 and rows(response) == [wanted.pk]
    assert "<html" not in response.content.decode()


def test_queue_searches_text_name_and_email(admin_client, articles):
    article, _ = articles
    by_text = make(article, "La batteria dura poco")
    by_name = make(article, name="Beppe Verdi", email="b@example.org")
    by_email = make(article, email="zorro@example.net")
    assert rows(admin_client.get(QUEUE, {"q": "batteria"})) == [by_text.pk]
    assert rows(admin_client.get(QUEUE, {"q": "verdi"})) == [by_name.pk]
    assert rows(admin_client.get(QUEUE, {"q": "zorro@"})) == [by_email.pk]


def test_queue_paginates(admin_client, articles):
    article, _ = articles
    for number in range(55):
        make(article, f"Commento {number}")
    assert len(rows(admin_client.get(QUEUE))) == 50
    assert len(rows(admin_client.get(QUEUE, {"p": 2}))) == 5
    assert admin_client.get(QUEUE, {"p": "tante"}).status_code == 200


def test_bad_filters_show_an_error_and_nothing_else(admin_client, articles):
    article, _ = articles
    make(article)
    for query in ({"article": 999999}, {"article": "x"}, {"status": "forged"}):
        response = admin_client.get(QUEUE, query)
        assert response.status_code == 200, query
        assert rows(response) == [] and "data-filter-errors" in response.content.decode()


# Bulk and per-comment actions ------------------------------------------------------------------


def test_bulk_actions_change_states_and_are_logged(admin_client, superuser, articles):
    article, _ = articles
    a = make(article, status=Comment.Status.PENDING)
    b = make(article, status=Comment.Status.PENDING)
    c = make(article, status=Comment.Status.PENDING)
    back = f"{QUEUE}?status=pending"
    response = admin_client.post(
        QUEUE + "bulk/", {"action": "approve", "ids": [a.pk, b.pk], "next": back}
    )
    assert response.status_code == 302 and response.url == back
    assert {Comment.objects.get(pk=pk).status for pk in (a.pk, b.pk)} == {"approved"}
    assert Comment.objects.get(pk=c.pk).status == "pending"
    log = ModerationLog.objects.filter(action="approve")
    assert {entry.comment_id for entry in log} == {a.pk, b.pk}
    assert {entry.actor_id for entry in log} == {superuser.pk}
    for action, status in [("spam", "spam"), ("remove", "removed"), ("pending", "pending")]:
        admin_client.post(QUEUE + "bulk/", {"action": action, "ids": [a.pk, c.pk]})
        assert {Comment.objects.get(pk=pk).status for pk in (a.pk, c.pk)} == {status}
        assert ModerationLog.objects.filter(action=action, comment=c).exists()


def test_per_row_action_and_send_back_to_review(admin_client, articles):
    article, _ = articles
    comment = make(article)
    response = admin_client.post(f"{QUEUE}{comment.pk}/moderate/", {"action": "pending"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == "pending"
    assert ModerationLog.objects.get(comment=comment).action == "pending"
    assert gettext("%(count)d comment sent back to review.") % {"count": 1} in flashed(response)
    again = admin_client.post(f"{QUEUE}{comment.pk}/moderate/", {"action": "pending"})
    assert gettext("Nothing changed: the comments were already in that state.") in flashed(again)
    assert ModerationLog.objects.filter(comment=comment).count() == 1


def test_queue_buttons_post_to_the_right_endpoints(admin_client, articles):
    comment = make(articles[0], status=Comment.Status.PENDING)
    html = admin_client.get(QUEUE).content.decode()
    assert 'action="/admin/comments/bulk/"' in html and 'name="csrfmiddlewaretoken"' in html
    assert f'formaction="/admin/comments/{comment.pk}/moderate/"' in html
    assert 'data-row-action="approve"' in html and 'data-row-action="pending"' not in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "approve"}, "Select at least one comment."),
        ({"action": "approve", "ids": ["uno"]}, "The selection is not valid."),
        (
            {"action": "approve", "ids": ["999999"]},
            "Some of the selected comments do not exist. Nothing was changed.",
        ),
        ({"action": "delete_everything", "ids": ["1"]}, "Unknown moderation action."),
        ({"ids": ["1"]}, "Unknown moderation action."),
    ],
)
def test_bad_bulk_input_is_refused_with_a_message(admin_client, articles, data, message):
    comment = make(articles[0], status=Comment.Status.PENDING)
    data = {**data, "ids": [str(comment.pk) if v == "1" else v for v in data.get("ids", [])]}
    if "999999" in data["ids"]:
        data["ids"].append(str(comment.pk))
    response = admin_client.post(QUEUE + "bulk/", data)
    assert response.status_code == 302
    assert gettext(message) in flashed(response)
    comment.refresh_from_db()
    assert comment.status == "pending" and not ModerationLog.objects.exists()


def test_bad_single_actions_and_unknown_ids(admin_client, articles):
    comment = make(articles[0])
    response = admin_client.post(f"{QUEUE}{comment.pk}/moderate/", {"action": "burn"})
    assert gettext("Unknown moderation action.") in flashed(response)
    assert admin_client.post(f"{QUEUE}999999/moderate/", {"action": "approve"}).status_code == 404
    assert admin_client.get(f"{QUEUE}999999/").status_code == 404
    assert admin_client.post(f"{QUEUE}article/999999/close/", {"closed": "1"}).status_code == 404
    assert admin_client.post(f"{QUEUE}{comment.pk}/pin/", {"pinned": "maybe"}).status_code == 302
    assert admin_client.get(QUEUE + "bulk/").status_code == 405
    response = admin_client.post(
        QUEUE + "bulk/",
        {"action": "approve", "ids": [comment.pk], "next": "https://evil.example/"},
    )
    assert response.url == QUEUE  # no open redirect
    assert not Comment.objects.filter(is_pinned=True).exists()


# Staff reply, pin, close ----------------------------------------------------------------------


def test_reply_as_staff_publishes_a_badged_reply(admin_client, superuser, articles):
    comment = make(articles[0])
    response = admin_client.post(f"{QUEUE}{comment.pk}/", {"body": "Grazie, correggiamo."})
    reply = Comment.objects.get(parent=comment)
    assert response.status_code == 302 and response.url == f"{QUEUE}{reply.pk}/"
    assert reply.status == Comment.Status.APPROVED
    assert reply.badge == Comment.Badge.STAFF and reply.user == superuser
    assert ModerationLog.objects.filter(action="reply", actor=superuser).exists()
    html = admin_client.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert f'href="{QUEUE}{reply.pk}/"' in html and gettext("Editorial staff") in html


def test_a_moderator_by_group_permission_replies_published_with_the_staff_badge(
    client, articles, settings
):
    """Wagtail's user form cannot set is_staff: trust comes from the moderation permission."""
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    moderator = _admin_user("moderatrice", "change_comment")
    assert not moderator.is_staff and not moderator.is_superuser
    client.force_login(moderator)
    comment = make(articles[0])
    response = client.post(f"{QUEUE}{comment.pk}/", {"body": "Grazie, correggiamo subito."})
    reply = Comment.objects.get(parent=comment)
    assert response.status_code == 302
    assert reply.status == Comment.Status.APPROVED and reply.badge == Comment.Badge.STAFF
    client.logout()
    with translation.override("it"):
        thread = client.get(f"/api/commenti/articoli/{articles[0].pk}/").json()["threads"]
    shown = thread[0]["replies"][0]
    assert shown["author"]["badge"] == "staff" and shown["author"]["badge_label"] == "Redazione"


def test_empty_staff_reply_is_refused_and_nothing_saved(admin_client, articles):
    comment = make(articles[0])
    for body in ("", "x" * 5001):
        response = admin_client.post(f"{QUEUE}{comment.pk}/", {"body": body})
        assert response.status_code == 400
        assert not Comment.objects.filter(parent=comment).exists()
    assert "x" * 5001 in response.content.decode()  # the text is kept


def test_pin_and_unpin(admin_client, articles):
    comment = make(articles[0])
    admin_client.post(f"{QUEUE}{comment.pk}/pin/", {"pinned": "1"})
    comment.refresh_from_db()
    assert comment.is_pinned
    admin_client.post(f"{QUEUE}{comment.pk}/pin/", {"pinned": "0"})
    comment.refresh_from_db()
    assert not comment.is_pinned
    actions = list(ModerationLog.objects.filter(comment=comment).values_list("action", flat=True))
    assert sorted(actions) == ["pin", "unpin"]


def test_close_and_reopen_an_article(admin_client, superuser, articles):
    article, _ = articles
    url = f"{QUEUE}article/{article.pk}/"
    response = admin_client.post(url + "close/", {"closed": "1"})
    assert response.status_code == 302 and response.url == url
    assert Discussion.objects.get(article=article).is_closed
    assert "data-closed" in admin_client.get(url).content.decode()
    guest = readers.ClientInfo(ip="203.0.113.9", reader_id="g:test")
    data = services.CommentInput(body="Posso?", name="Ospite", email="o@example.org")
    with pytest.raises(services.CommentError):
        services.submit_comment(article, data, client=guest)
    assert not Comment.objects.filter(article=article).exists()
    admin_client.post(url + "close/", {"closed": "0"})
    assert not Discussion.objects.get(article=article).is_closed
    log = ModerationLog.objects.filter(article=article).values_list("action", flat=True)
    assert sorted(log) == ["close", "open"]


# History, log, detail --------------------------------------------------------------------------


def test_commenter_history_by_email_and_network(admin_client, articles):
    article, other = articles
    mine = [
        make(article, email="ugo@example.org", ip_network="203.0.113.0/24"),
        make(other, email="ugo@example.org", status=Comment.Status.SPAM),
        make(other, email="ugo@example.org", status=Comment.Status.SPAM),
    ]
    neighbour = make(article, email="eva@example.org", ip_network="203.0.113.0/24")
    response = admin_client.get(QUEUE + "history/", {"email": "UGO@example.org"})
    html = response.content.decode()
    assert sorted(rows(response)) == sorted(c.pk for c in mine)
    assert 'data-count-spam="2"' in html and 'data-count-approved="1"' in html
    assert 'data-count-total="3"' in html and "203.0.113.0/24" in html
    response = admin_client.get(QUEUE + "history/", {"network": "203.0.113.0/24"})
    assert sorted(rows(response)) == sorted([mine[0].pk, neighbour.pk])
    assert "eva@example.org" in response.content.decode()
    missing = admin_client.get(QUEUE + "history/")
    assert missing.status_code == 200 and "data-history-missing" in missing.content.decode()


def test_comment_detail_and_log_pages(admin_client, superuser, articles):
    comment = make(articles[0], status=Comment.Status.PENDING)
    Report.objects.create(comment=comment, reporter="g:a", reason="off_topic", note="Fuori tema")
    admin_client.post(f"{QUEUE}{comment.pk}/moderate/", {"action": "approve"})
    html = admin_client.get(f"{QUEUE}{comment.pk}/").content.decode()
    assert "Fuori tema" in html and 'data-log-action="approve"' in html
    assert "capo" in html and "data-staff-reply" in html
    response = admin_client.get(QUEUE + "log/")
    assert response.status_code == 200
    assert 'data-log-action="approve"' in response.content.decode()
    assert (
        "data-log-action"
        not in admin_client.get(QUEUE + "log/", {"action": "spam"}).content.decode()
    )
    for bad in ({"action": "forged"}, {"comment": "x"}, {"p": "zzz"}):
        bad_response = admin_client.get(QUEUE + "log/", bad)
        assert bad_response.status_code == 200
    article_page = admin_client.get(f"{QUEUE}article/{articles[0].pk}/").content.decode()
    assert 'data-count-approved="1"' in article_page


# Permissions -----------------------------------------------------------------------------------


ENDPOINTS_GET = ["", "results/", "log/", "history/?email=a@example.org", "{pk}/", "article/{art}/"]
ENDPOINTS_POST = ["bulk/", "{pk}/moderate/", "{pk}/pin/", "{pk}/", "article/{art}/close/"]


def test_users_without_the_permission_get_403_and_change_nothing(client, articles):
    comment = make(articles[0], status=Comment.Status.PENDING)
    client.force_login(_admin_user("stagista"))
    fill = {"pk": comment.pk, "art": articles[0].pk}
    for path in ENDPOINTS_GET:
        assert client.get(QUEUE + path.format(**fill)).status_code == 403, path
    data = {"action": "approve", "ids": [comment.pk], "pinned": "1", "closed": "1", "body": "x"}
    for path in ENDPOINTS_POST:
        assert client.post(QUEUE + path.format(**fill), data).status_code == 403, path
    comment.refresh_from_db()
    assert comment.status == "pending" and not comment.is_pinned
    assert not ModerationLog.objects.exists() and not Comment.objects.filter(parent=comment)


def test_actions_need_the_csrf_token(superuser, articles):
    from django.test import Client

    comment = make(articles[0], status=Comment.Status.PENDING)
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    response = client.post(QUEUE + "bulk/", {"action": "approve", "ids": [comment.pk]})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == "pending"


def test_anonymous_visitors_are_sent_to_the_login(client, articles):
    response = client.get(QUEUE)
    assert response.status_code == 302 and reverse("wagtailadmin_login") in response.url


def test_a_moderator_group_may_moderate(client, articles):
    comment = make(articles[0], status=Comment.Status.PENDING)
    client.force_login(_admin_user("moderatrice", "change_comment"))
    assert client.get(QUEUE).status_code == 200
    client.post(QUEUE + "bulk/", {"action": "approve", "ids": [comment.pk]})
    comment.refresh_from_db()
    assert comment.status == "approved"


def test_admin_pages_are_not_page_cached(admin_client, articles):
    response = admin_client.get(QUEUE)
    assert "private" in response.get("Cache-Control", "") or "no-cache" in response.get(
        "Cache-Control", ""
    )
