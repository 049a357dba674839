"""The JSON API: every endpoint, every refusal (status, JSON shape, nothing saved), the origin
check, and the OpenAPI document it serves."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from edicola.comments import moderation
from edicola.comments.models import Comment, Discussion, Report, Vote
from edicola.news.tests.factories import make_article, make_category, make_site

pytestmark = pytest.mark.django_db

ROOT = "/api/commenti"
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
GUEST = {"name": "Marta Gallo", "email": "Marta@Example.it", "consent": True}


@pytest.fixture(autouse=True)
def open_policy(settings):
    """Publish at once and keep rate limits out of the way, unless a test says otherwise."""
    settings.COMMENTS = {
        **settings.COMMENTS,
        "MODERATION": "none",
        "RATE_COMMENTS": ["1000/60"],
        "RATE_VOTES": ["1000/1"],
        "RATE_REPORTS": ["1000/60"],
        "MIN_FORM_SECONDS": 0,
    }


@pytest.fixture
def category():
    return make_category(make_site())


@pytest.fixture
def article(category):
    return make_article(category, "Il nuovo telefono pieghevole")


def call(
    client,
    method,
    url,
    data=None,
    *,
    raw=None,
    content_type="application/json",
    token=None,
    **headers,
):
    headers = {**SAME_SITE, **headers}
    if token is not None:
        headers["X-Edit-Token"] = token
    body = raw if raw is not None else (json.dumps(data) if data is not None else "")
    return client.generic(method, url, body, content_type=content_type, headers=headers)


def post(client, url, data, **kwargs):
    return call(client, "POST", url, data, **kwargs)


def comments_url(article, prefix=ROOT):
    return f"{prefix}/articoli/{article.pk}/"


def create(client, article, body="Bel pezzo, grazie.", **fields):
    response = post(client, comments_url(article), {"body": body, **GUEST, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def assert_refused(response, status, field=None):
    """A JSON refusal of the documented shape, naming `field` if given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert isinstance(data["message"], str) and data["message"]
    assert isinstance(data["errors"], dict) and data["errors"]
    for messages in data["errors"].values():
        assert messages and all(isinstance(message, str) and message for message in messages)
    if field:
        assert field in data["errors"], data
    return data


# -- The schema ---------------------------------------------------------------------------------


def test_schema_is_valid_openapi_31(client):
    from openapi_spec_validator import validate

    response = client.get(f"{ROOT}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_documented_limits_are_the_ones_the_server_enforces(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MAX_LENGTH": 300}
    document = client.get(f"{ROOT}/openapi.json").json()
    listing = document["paths"]["/articoli/{article_id}/"]["get"]["parameters"]
    page = next(p for p in listing if p["name"] == "page")["schema"]
    body = document["components"]["schemas"]["NewComment"]["properties"]["body"]
    edit = document["components"]["schemas"]["CommentEdit"]["properties"]["body"]
    assert body["maxLength"] == edit["maxLength"] == 300
    assert client.get(comments_url(article), {"page": page["maximum"]}).status_code == 200
    too_far = client.get(comments_url(article), {"page": page["maximum"] + 1})
    assert assert_refused(too_far, 400, "page")
    assert create(client, article, "a" * body["maxLength"])
    too_long = post(client, comments_url(article), {**GUEST, "body": "a" * (body["maxLength"] + 1)})
    assert_refused(too_long, 400, "body")
    assert Comment.objects.count() == 1


def test_every_documented_operation_is_served(client, article):
    document = client.get(f"{ROOT}/openapi.json").json()
    comment = create(client, article)["comment"]
    values = {"{article_id}": str(article.pk), "{comment_id}": str(comment["id"])}
    for server in document["servers"]:
        for template, operations in document["paths"].items():
            url = server["url"] + template
            for placeholder, value in values.items():
                url = url.replace(placeholder, value)
            options = call(client, "OPTIONS", url)
            assert options.status_code == 204, url  # served by the API, not a 404
            allowed = options["Allow"]
            for method in operations:
                if method != "parameters":
                    assert method.upper() in allowed, (url, method)


# -- Listing ------------------------------------------------------------------------------------


def test_empty_discussion(client, article):
    response = client.get(comments_url(article))
    assert response.status_code == 200
    data = response.json()
    assert data["article"] == {
        "id": article.pk,
        "title": article.title,
        "url": article.get_url(),
        "is_closed": False,
    }
    assert data["comment_count"] == 0
    assert data["threads"] == []
    assert data["page"] == 1
    assert data["sort"] == "newest"
    assert "Set-Cookie" not in response.headers


def test_listing_nests_replies_and_shows_public_fields_only(client, article):
    top = create(client, article, "Primo commento **importante**.", url="https://marta.example")
    reply = create(client, article, "Una risposta.", parent=top["comment"]["id"])
    create(client, article, "Risposta alla risposta.", parent=reply["comment"]["id"])

    response = client.get(comments_url(article))
    data = response.json()
    assert data["comment_count"] == 3
    assert data["thread_count"] == 1
    [thread] = data["threads"]
    assert thread["html"].count("<strong>importante</strong>") == 1
    assert thread["author"]["name"] == "Marta Gallo"
    assert thread["author"]["website"] == "https://marta.example"
    assert thread["author"]["avatar"]["initials"] == "MG"
    assert 0 <= thread["author"]["avatar"]["colour"] <= 7
    assert thread["status"] == "approved"
    assert thread["created"].endswith(("+01:00", "+02:00"))
    assert thread["permalink"] == f"{article.get_url()}#commento-{thread['id']}"
    [second] = thread["replies"]
    assert second["parent"] == thread["id"] and second["depth"] == 1
    assert second["replies"][0]["depth"] == 2
    text = response.content.decode().lower()
    assert "marta@example.it" not in text
    assert "127.0.0" not in text
    assert "edit_key" not in text and "ip_network" not in text


def test_listing_sorts_and_pages(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "PAGE_SIZE": 2}
    ids = [create(client, article, f"Commento numero {n}.")["comment"]["id"] for n in range(3)]
    newest = client.get(comments_url(article)).json()
    assert [node["id"] for node in newest["threads"]] == ids[::-1][:2]
    assert newest["page_count"] == 2
    oldest = client.get(comments_url(article), {"sort": "oldest", "page": 2}).json()
    assert [node["id"] for node in oldest["threads"]] == ids[2:]
    everything = client.get(comments_url(article), {"all": "1"}).json()
    assert everything["showing_all"] is True
    assert len(everything["threads"]) == 3


@pytest.mark.parametrize(
    "query,field",
    [({"sort": "random"}, "sort"), ({"page": "0"}, "page"), ({"page": "x"}, "page")],
)
def test_listing_refuses_bad_parameters(client, article, query, field):
    assert_refused(client.get(comments_url(article), query), 400, field)


@pytest.mark.parametrize(
    "path",
    [
        "/articoli/abc/",
        "/articoli/1.5/",
        "/articoli/-3/",
        f"/articoli/{2**64}/",
        "/articoli/%F0%9F%93%B1/",
        "/abc/",
        "/abc/voto/",
        "/0/segnalazione/",
        "/nessuna/strada/qui/",
        "/articoli/%0A/",
        "/%0A%C2%94k/voto/",
        "/",
    ],
)
def test_an_address_the_api_does_not_serve_gets_its_json_404(client, path):
    for method in ("get", "post", "patch", "delete"):
        response = getattr(client, method)(f"{ROOT}{path}", headers=SAME_SITE)
        assert_refused(response, 404)
    assert client.get(f"{ROOT}{path}").json()["message"] == (
        "A questo indirizzo dell'API non c'è nulla."
    )
    english = client.get(f"/en{ROOT}{path}").json()
    assert english["message"] == "There is nothing at this address in the API."


def test_listing_of_unknown_or_unpublished_article_is_404(client, article):
    assert_refused(client.get(f"{ROOT}/articoli/999999/"), 404)
    article.unpublish()
    assert_refused(client.get(comments_url(article)), 404)


def test_anonymous_listing_revalidates_with_etag(client, article):
    first = client.get(comments_url(article))
    etag = first["ETag"]
    again = client.get(comments_url(article), headers={"If-None-Match": etag})
    assert again.status_code == 304
    create(client, article)
    from django.test import Client

    changed = Client().get(comments_url(article), headers={"If-None-Match": etag})
    assert changed.status_code == 200


def test_listing_shows_a_known_readers_votes(client, article):
    other = create(client.__class__(), article)["comment"]
    assert post(client, f"{ROOT}/{other['id']}/voto/", {"value": 1}).status_code == 200
    [node] = client.get(comments_url(article)).json()["threads"]
    assert node["my_vote"] == 1
    assert node["score"] == 1


def test_removed_comment_is_a_placeholder_in_the_listing(client, article):
    top = create(client, article)
    create(client.__class__(), article, "Risposta.", parent=top["comment"]["id"])
    moderation.moderate(Comment.objects.filter(pk=top["comment"]["id"]), "remove", actor=None)
    [node] = client.get(comments_url(article)).json()["threads"]
    assert node["status"] == "removed"
    assert node["author"] is None and node["html"] == ""
    assert len(node["replies"]) == 1


# -- Posting ------------------------------------------------------------------------------------


def test_guest_posts_a_comment(client, article):
    response = post(
        client, comments_url(article), {"body": "Ottimo articolo.", **GUEST, "url": None}
    )
    assert response.status_code == 201
    data = response.json()
    assert data["comment"]["status"] == "approved"
    assert data["comment"]["author"]["name"] == "Marta Gallo"
    assert data["comment"]["parent"] is None
    assert data["edit_token"]
    assert data["message"]
    saved = Comment.objects.get()
    assert saved.author_email == "marta@example.it"
    assert saved.body == "Ottimo articolo."
    assert "edicola_lettore" in response.cookies


def test_held_comment_is_answered_as_pending(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    data = create(client, article)
    assert data["comment"]["status"] == "pending"
    assert client.get(comments_url(article)).json()["comment_count"] == 0


def test_logged_in_reader_needs_no_name_or_email(client, article):
    user = get_user_model().objects.create_user(
        "paolo", "paolo@example.it", "x-password-1", first_name="Paolo", last_name="Neri"
    )
    client.force_login(user)
    response = post(client, comments_url(article), {"body": "Scrivo da registrato."})
    assert response.status_code == 201, response.content
    assert response.json()["comment"]["author"]["name"] == "Paolo Neri"
    assert Comment.objects.get().user == user


def test_reply_is_attached_to_its_parent(client, article):
    top = create(client, article)["comment"]
    reply = create(client, article, "D'accordo.", parent=top["id"])["comment"]
    assert reply["parent"] == top["id"]
    assert reply["depth"] == 1


LONG = "a" * 5001


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"body": ""}, "body"),
        ({"body": "   \n "}, "body"),
        ({"body": LONG}, "body"),
        ({"body": "ciao\x00ciao"}, "body"),
        ({"body": "ok", "name": ""}, "name"),
        ({"body": "ok", "name": "x" * 81}, "name"),
        ({"body": "ok", "name": "Ma\x00rta"}, "name"),
        ({"body": "ok", "name": "\u200b\u202e"}, "name"),
        ({"body": "ok", "email": ""}, "email"),
        ({"body": "ok", "email": "non-valida"}, "email"),
        ({"body": "ok", "email": "a@b"}, "email"),
        ({"body": "ok", "url": "javascript:alert(1)"}, "url"),
        ({"body": "ok", "consent": False}, "consent"),
        ({"body": 12}, "body"),
        ({"body": ["a"]}, "body"),
        ({"body": "ok", "parent": "1"}, "parent"),
        ({"body": "ok", "parent": True}, "parent"),
        ({"body": "ok", "parent": 1.5}, "parent"),
        ({"body": "ok", "consent": "yes"}, "consent"),
        ({"body": "ok", "name": {"x": 1}}, "name"),
    ],
)
def test_bad_comment_is_refused_and_nothing_saved(client, article, fields, field):
    data = {"body": "ok", **GUEST, **fields}
    assert_refused(post(client, comments_url(article), data), 400, field)
    assert not Comment.objects.exists()


def test_missing_body_is_refused(client, article):
    assert_refused(post(client, comments_url(article), {**GUEST}), 400, "body")
    assert not Comment.objects.exists()


def test_guest_without_name_and_email_is_refused(client, article):
    data = assert_refused(post(client, comments_url(article), {"body": "ok"}), 400)
    assert {"name", "email"} <= set(data["errors"])
    assert not Comment.objects.exists()


def test_unknown_parent_is_refused(client, article):
    response = post(client, comments_url(article), {"body": "ok", **GUEST, "parent": 987654})
    assert response.status_code in (400, 404)
    assert_refused(response, response.status_code)
    assert not Comment.objects.exists()


def test_parent_from_another_article_is_refused(client, article, category):
    other = make_article(category, "Un altro articolo")
    foreign = create(client, other)["comment"]
    response = post(client, comments_url(article), {"body": "ok", **GUEST, "parent": foreign["id"]})
    assert response.status_code in (400, 404)
    assert_refused(response, response.status_code)
    assert Comment.objects.count() == 1


def test_closed_discussion_refuses_comments(client, article):
    moderation.set_closed(article, True, actor=None)
    assert_refused(post(client, comments_url(article), {"body": "ok", **GUEST}), 403)
    assert not Comment.objects.exists()
    assert client.get(comments_url(article)).json()["article"]["is_closed"] is True


def test_unpublished_or_unknown_article_refuses_comments(client, article):
    assert_refused(post(client, f"{ROOT}/articoli/999999/", {"body": "ok", **GUEST}), 404)
    article.unpublish()
    assert_refused(post(client, comments_url(article), {"body": "ok", **GUEST}), 404)
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "raw,content_type,status",
    [
        ("{not json", "application/json", 400),
        ('{"body": "ok",}', "application/json", 400),
        ('["a", "b"]', "application/json", 400),
        ('"solo testo"', "application/json", 400),
        ("null", "application/json", 400),
        ("[" * 50_000 + "]" * 50_000, "application/json", 413),
        ("[" * 20_000 + "]" * 20_000, "application/json", 400),
        (b'{"body": "\xff\xfe"}', "application/json", 400),
        ("body=ok&name=x", "application/x-www-form-urlencoded", 415),
        ('{"body": "ok"}', "text/plain", 415),
        ('{"body": "' + "x" * 1_048_576 + '"}', "application/json", 413),
        ('{"body": "' + "x" * 3_000_000 + '"}', "application/json", 413),
    ],
)
def test_unreadable_bodies_are_refused(client, article, raw, content_type, status):
    response = post(client, comments_url(article), None, raw=raw, content_type=content_type)
    assert_refused(response, status)
    assert not Comment.objects.exists()


def test_json_with_nul_escape_is_refused(client, article):
    raw = '{"body": "testo\\u0000nascosto", "name": "M", "email": "m@example.it", "consent": true}'
    assert_refused(post(client, comments_url(article), None, raw=raw), 400, "body")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": None, "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": None, "Origin": "null"},
        {"Sec-Fetch-Site": None, "Referer": "https://evil.example/pagina"},
        {"Sec-Fetch-Site": None},
    ],
)
def test_other_origins_are_refused(client, article, headers):
    headers = {**SAME_SITE, **headers}
    headers = {name: value for name, value in headers.items() if value is not None}
    response = client.post(
        comments_url(article),
        json.dumps({"body": "ok", **GUEST}),
        content_type="application/json",
        headers=headers,
    )
    assert_refused(response, 403)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert not Comment.objects.exists()


def test_same_origin_by_origin_header_is_accepted(client, article):
    response = client.post(
        comments_url(article),
        json.dumps({"body": "ok", **GUEST}),
        content_type="application/json",
        headers={"Origin": "http://testserver"},
    )
    assert response.status_code == 201


def test_comment_flood_is_answered_429(client, article, settings):
    settings.COMMENTS = {**settings.COMMENTS, "RATE_COMMENTS": ["2/60"]}
    create(client, article, "Uno.")
    create(client, article, "Due.")
    response = post(client, comments_url(article), {"body": "Tre.", **GUEST})
    assert_refused(response, 429)
    assert int(response["Retry-After"]) >= 1
    assert Comment.objects.count() == 2


def test_wrong_methods_are_refused_as_json(client, article):
    response = call(client, "PUT", comments_url(article), {"body": "ok"})
    assert_refused(response, 405)
    assert "POST" in response["Allow"]
    assert_refused(client.get(f"{ROOT}/1/voto/"), 405)


def test_messages_follow_the_url_language(client, article):
    italian = assert_refused(post(client, comments_url(article), {**GUEST}), 400, "body")
    english = assert_refused(
        post(client, comments_url(article, "/en/api/commenti"), {**GUEST}), 400, "body"
    )
    assert english["errors"]["body"] == ["This field is required."]
    assert italian["errors"]["body"] == ["Questo campo è obbligatorio."]


# -- Editing and deleting -----------------------------------------------------------------------


def test_author_edits_with_the_token_header(client, article):
    created = create(client, article, "Prima versione.")
    url = f"{ROOT}/{created['comment']['id']}/"
    other_browser = client.__class__()
    response = call(
        other_browser,
        "PATCH",
        url,
        {"body": "Seconda *versione*."},
        token=created["edit_token"],
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert "<em>versione</em>" in data["comment"]["html"]
    assert data["comment"]["edited"]
    assert Comment.objects.get().body == "Seconda *versione*."


def test_author_edits_with_the_token_field(client, article):
    created = create(client, article, "Prima versione.")
    url = f"{ROOT}/{created['comment']['id']}/"
    body = {"body": "Corretto.", "edit_token": created["edit_token"]}
    assert call(client.__class__(), "PATCH", url, body).status_code == 200
    assert Comment.objects.get().body == "Corretto."


def _refused_edit(client, comment_id, token, body="Cambiato."):
    return call(client.__class__(), "PATCH", f"{ROOT}/{comment_id}/", {"body": body}, token=token)


def test_forged_or_missing_token_cannot_edit(client, article):
    created = create(client, article, "Originale.")
    pk = created["comment"]["id"]
    assert_refused(_refused_edit(client, pk, "forgiato:123"), 403)
    assert_refused(_refused_edit(client, pk, created["edit_token"] + "x"), 403)
    assert_refused(_refused_edit(client, pk, ""), 403)
    assert Comment.objects.get().body == "Originale."


def test_token_of_one_comment_cannot_edit_another(client, article):
    first = create(client, article, "Il primo.")
    second = create(client, article, "Il secondo.")
    response = _refused_edit(client, second["comment"]["id"], first["edit_token"])
    assert_refused(response, 403)
    assert Comment.objects.get(pk=second["comment"]["id"]).body == "Il secondo."


def test_expired_token_cannot_edit(client, article, settings):
    created = create(client, article, "Originale.")
    pk = created["comment"]["id"]
    past = timezone.now() - timedelta(seconds=settings.COMMENTS["EDIT_WINDOW_SECONDS"] + 60)
    Comment.objects.filter(pk=pk).update(created_at=past)
    assert_refused(_refused_edit(client, pk, created["edit_token"]), 403)
    assert Comment.objects.get().body == "Originale."


def test_no_edit_after_a_reply(client, article):
    created = create(client, article, "Originale.")
    create(client.__class__(), article, "Risposta.", parent=created["comment"]["id"])
    response = _refused_edit(client, created["comment"]["id"], created["edit_token"])
    assert response.status_code in (403, 409)
    assert_refused(response, response.status_code)
    assert Comment.objects.get(pk=created["comment"]["id"]).body == "Originale."


@pytest.mark.parametrize(
    "body,field",
    [({"body": ""}, "body"), ({"body": LONG}, "body"), ({"body": 5}, "body"), ({}, "body")],
)
def test_bad_edit_is_refused(client, article, body, field):
    created = create(client, article, "Originale.")
    url = f"{ROOT}/{created['comment']['id']}/"
    response = call(client, "PATCH", url, body, token=created["edit_token"])
    assert_refused(response, 400, field)
    assert Comment.objects.get().body == "Originale."


def test_edit_of_unknown_comment_is_404(client, article):
    assert_refused(_refused_edit(client, 424242, "x"), 404)


def test_author_deletes_within_the_window(client, article):
    created = create(client, article, "Da cancellare.")
    url = f"{ROOT}/{created['comment']['id']}/"
    assert_refused(call(client.__class__(), "DELETE", url, token="falso"), 403)
    response = call(client.__class__(), "DELETE", url, token=created["edit_token"])
    assert response.status_code == 200, response.content
    assert response.json()["comment"]["status"] == "removed"
    assert response.json()["comment"]["author"] is None
    assert Comment.objects.get().status == Comment.Status.REMOVED


def test_delete_with_the_token_in_the_body(client, article):
    created = create(client, article, "Da cancellare.")
    url = f"{ROOT}/{created['comment']['id']}/"
    response = call(client.__class__(), "DELETE", url, {"edit_token": created["edit_token"]})
    assert response.status_code == 200
    assert Comment.objects.get().status == Comment.Status.REMOVED


def test_edits_are_protected_by_origin_too(client, article):
    created = create(client, article, "Originale.")
    url = f"{ROOT}/{created['comment']['id']}/"
    response = call(
        client,
        "PATCH",
        url,
        {"body": "Cambiato."},
        token=created["edit_token"],
        **{"Sec-Fetch-Site": "cross-site"},
    )
    assert_refused(response, 403)
    assert Comment.objects.get().body == "Originale."


# -- Votes and reports --------------------------------------------------------------------------


def test_vote_change_and_withdraw(client, article):
    pk = create(client.__class__(), article)["comment"]["id"]
    url = f"{ROOT}/{pk}/voto/"
    first = post(client, url, {"value": 1})
    assert first.status_code == 200, first.content
    assert first.json() == {"id": pk, "score": 1, "upvotes": 1, "downvotes": 0, "my_vote": 1}
    assert "edicola_lettore" in first.cookies
    assert post(client, url, {"value": -1}).json()["score"] == -1
    assert post(client, url, {"value": 0}).json()["score"] == 0
    assert not Vote.objects.exists()


@pytest.mark.parametrize("value", [2, -2, "1", True, None, 1.0])
def test_bad_vote_is_refused(client, article, value):
    pk = create(client.__class__(), article)["comment"]["id"]
    assert_refused(post(client, f"{ROOT}/{pk}/voto/", {"value": value}), 400, "value")
    assert not Vote.objects.exists()


def test_cannot_vote_on_own_comment(client, article):
    pk = create(client, article)["comment"]["id"]
    response = post(client, f"{ROOT}/{pk}/voto/", {"value": 1})
    assert response.status_code in (403, 409)
    assert_refused(response, response.status_code)
    assert not Vote.objects.exists()


def test_vote_on_unknown_or_held_comment_is_404(client, article, settings):
    assert_refused(post(client, f"{ROOT}/999999/voto/", {"value": 1}), 404)
    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "all"}
    pk = create(client.__class__(), article)["comment"]["id"]
    assert_refused(post(client, f"{ROOT}/{pk}/voto/", {"value": 1}), 404)


def test_vote_from_another_site_is_refused(client, article):
    pk = create(client.__class__(), article)["comment"]["id"]
    response = post(client, f"{ROOT}/{pk}/voto/", {"value": 1}, **{"Sec-Fetch-Site": "cross-site"})
    assert_refused(response, 403)
    assert not Vote.objects.exists()


def test_report_a_comment(client, article):
    pk = create(client.__class__(), article)["comment"]["id"]
    response = post(client, f"{ROOT}/{pk}/segnalazione/", {"reason": "spam", "note": "Pubblicità"})
    assert response.status_code == 200, response.content
    assert response.json()["id"] == pk and response.json()["message"]
    report = Report.objects.get()
    assert report.reason == "spam" and report.note == "Pubblicità"


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "reason"),
        ({"reason": "boh"}, "reason"),
        ({"reason": 3}, "reason"),
        ({"reason": "other", "note": "x" * 501}, "note"),
        ({"reason": "other", "note": "a\x00b"}, "note"),
    ],
)
def test_bad_report_is_refused(client, article, body, field):
    pk = create(client.__class__(), article)["comment"]["id"]
    assert_refused(post(client, f"{ROOT}/{pk}/segnalazione/", body), 400, field)
    assert not Report.objects.exists()


def test_report_of_unknown_comment_is_404(client, article):
    assert_refused(post(client, f"{ROOT}/999999/segnalazione/", {"reason": "spam"}), 404)


def test_discussion_version_moves_with_changes(client, article):
    create(client, article)
    assert Discussion.objects.get(pk=article.pk).version > 0
