"""Reader accounts: log in by e-mail in any case, sign up, log out, safe redirects."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db

PASSWORD = "lunga-e-sicura-2024"


@pytest.fixture
def reader():
    return get_user_model().objects.create_user(
        "maria", email="Maria.Rossi@Example.it", password=PASSWORD, first_name="Maria"
    )


def test_login_by_email_in_any_case(client, reader):
    response = client.post(
        reverse("accounts:login"), {"email": "maria.rossi@EXAMPLE.IT", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert client.session["_auth_user_id"] == str(reader.pk)


def test_wrong_password_is_refused_with_an_error(client, reader):
    response = client.post(
        reverse("accounts:login"), {"email": "maria.rossi@example.it", "password": "sbagliata"}
    )
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    message = gettext("The e-mail address or the password is not correct.")
    assert message in response.content.decode()
    assert 'value="maria.rossi@example.it"' in response.content.decode()


def test_unknown_email_and_inactive_account_are_refused(client, reader):
    url = reverse("accounts:login")
    assert (
        client.post(url, {"email": "nessuno@example.it", "password": PASSWORD}).status_code == 400
    )
    reader.is_active = False
    reader.save()
    assert client.post(url, {"email": reader.email, "password": PASSWORD}).status_code == 400
    assert "_auth_user_id" not in client.session


def test_admin_login_by_username_still_works(client):
    get_user_model().objects.create_superuser("redazione", "red@example.it", PASSWORD)
    response = client.post(
        "/admin/login/", {"username": "redazione", "password": PASSWORD}, follow=False
    )
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_login_page_is_not_cached_and_sets_a_csrf_cookie(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "csrftoken" in response.cookies
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_login_requires_a_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"email": "a@b.it", "password": "x"})
    assert response.status_code == 403


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("accounts:signup") + "?next=/tecnologia/articolo/",
        {"name": "Luca Bianchi Neri", "email": "Luca@Example.it", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/tecnologia/articolo/"
    user = get_user_model().objects.get(email="luca@example.it")
    assert user.username == "luca"
    assert user.get_full_name() == "Luca Bianchi Neri"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_signup_derives_a_free_username(client, reader):
    client.post(
        reverse("accounts:signup"),
        {"name": "Maria Verdi", "email": "maria@altro.it", "password": PASSWORD},
    )
    assert get_user_model().objects.get(email="maria@altro.it").username == "maria2"


def test_signup_refuses_a_duplicate_email_in_any_case(client, reader):
    response = client.post(
        reverse("accounts:signup"),
        {"name": "Altra Maria", "email": "MARIA.ROSSI@example.it", "password": PASSWORD},
    )
    assert response.status_code == 400
    message = gettext("An account with this e-mail address already exists. Log in instead.")
    assert message in response.content.decode()
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "email": "x@example.it", "password": PASSWORD},
        {"name": "X", "email": "non-una-email", "password": PASSWORD},
        {"name": "X", "email": "x@example.it", "password": "123"},
        {"name": "X" * 81, "email": "x@example.it", "password": PASSWORD},
        {"name": "X\x00Y", "email": "x@example.it", "password": PASSWORD},
    ],
)
def test_signup_refuses_bad_input_and_saves_nothing(client, data):
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
    ],
)
def test_next_never_leaves_the_site(client, reader, target):
    response = client.post(
        reverse("accounts:login"),
        {"email": reader.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_next_on_this_site_is_followed(client, reader):
    response = client.post(
        reverse("accounts:login") + "?next=/notizie/telefono/%23commenti",
        {"email": reader.email, "password": PASSWORD},
    )
    assert response.url == "/notizie/telefono/#commenti"


def test_logout_needs_post(client, reader):
    client.force_login(reader)
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"), {"next": "/notizie/"})
    assert response.status_code == 302
    assert response.url == "/notizie/"
    assert "_auth_user_id" not in client.session


def test_english_pages_live_under_en(client):
    with_language = client.get("/en/account/accedi/")
    assert with_language.status_code == 200
    assert with_language.content.decode().startswith("<!doctype html>")
    assert '<html lang="en">' in with_language.content.decode()


def test_repeated_failed_logins_are_limited_per_email(client, reader):
    url = reverse("accounts:login")
    statuses = [
        client.post(url, {"email": reader.email, "password": "sbagliata"}).status_code
        for _ in range(9)
    ]
    assert statuses[:8] == [400] * 8
    assert statuses[8] == 429
    limited = client.post(url, {"email": reader.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert gettext("Too many login attempts. Try again in a few minutes.") in (
        limited.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_successful_login_forgets_earlier_failures(client, reader):
    url = reverse("accounts:login")
    for _ in range(5):
        client.post(url, {"email": reader.email, "password": "sbagliata"})
    assert client.post(url, {"email": reader.email, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(5):
        assert client.post(url, {"email": reader.email, "password": "no"}).status_code == 400


def test_logged_in_reader_comments_through_the_api_without_name_or_email(client, reader, settings):
    import json

    from edicola.comments.models import Comment
    from edicola.comments.tests.factories import confirm_email
    from edicola.news.tests.factories import make_article, make_category, make_site

    settings.COMMENTS = {**settings.COMMENTS, "MODERATION": "none"}
    confirm_email(reader)
    article = make_article(make_category(make_site()))
    client.post(
        reverse("accounts:login"), {"email": "MARIA.ROSSI@example.it", "password": PASSWORD}
    )
    response = client.post(
        f"/api/commenti/articoli/{article.pk}/",
        json.dumps({"body": "Commento da lettrice registrata."}),
        content_type="application/json",
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get()
    assert comment.user == reader
    assert comment.author_email == "maria.rossi@example.it"
    assert response.json()["comment"]["author"]["name"] == comment.author_name
