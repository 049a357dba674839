"""Readers who had an account in WordPress log in here with the password they had there: their
WordPress hash comes over from the database, is checked on their first login and stored again
our way. Hashes are made here with the same libraries WordPress's formats are defined by."""

import base64
import hashlib
import hmac
import io

import bcrypt
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from passlib.hash import phpass

from edicola.wordpress.hashers import django_password

from . import mariadb
from .conftest import FIXTURES

WORDPRESS_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",  # the tests' fast stand-in for PBKDF2
    "edicola.wordpress.hashers.WordPressPhpassHasher",
    "edicola.wordpress.hashers.WordPressBcryptHasher",
]
SARA = "sara.conti@posta.example"
REDAZIONE = "redazione@lumio.example"


def wordpress_6_8_hash(password: str) -> str:
    """What wp_hash_password() writes since WordPress 6.8."""
    keyed = hmac.new(b"wp-sha384", password.encode(), hashlib.sha384).digest()
    made = bcrypt.hashpw(base64.b64encode(keyed), bcrypt.gensalt(rounds=4)).decode()
    return "$wp" + made.replace("$2b$", "$2y$", 1)


@pytest.fixture
def hashers(settings):
    settings.PASSWORD_HASHERS = WORDPRESS_HASHERS


def login(client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"email": email, "password": password})


@pytest.mark.parametrize(
    "value",
    ["", "5f4dcc3b5aa765d61d8327deb882cf99", "$P$short", "$2y$10$" + "a" * 53, "plain"],
)
def test_hashes_wordpress_does_not_write_give_no_password(value):
    assert django_password(value) is None


@pytest.mark.django_db
@pytest.mark.mariadb
def test_readers_log_in_with_their_wordpress_password(client, hashers, wordpress_db, tmp_path):
    url = wordpress_db(FIXTURES / "lumio.sql")
    sara_hash, redazione_hash = phpass.hash("la-batteria-dura"), wordpress_6_8_hash("red-2025")
    mariadb.execute(
        url.rsplit("/", 1)[1],
        f"UPDATE wp_users SET user_pass = '{sara_hash}' WHERE ID = 3",
        f"UPDATE wp_users SET user_pass = '{redazione_hash}' WHERE ID = 1",
        # Plain MD5, from WordPress 2.4 and older: not carried over.
        "UPDATE wp_users SET user_pass = 'e10adc3949ba59abbe56e057f20f883e' WHERE ID = 2",
    )
    out = io.StringIO()
    call_command("import_wordpress", "--database", url, "--report", str(tmp_path / "r.json"),
                 stdout=out)  # fmt: skip
    users = get_user_model().objects
    sara = users.get(email=SARA)
    assert sara.password.startswith("wp_phpass$$P$")

    assert login(client, SARA, "password-sbagliata").status_code == 400
    response = login(client, SARA, "la-batteria-dura")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(sara.pk)
    # Stored again our way on that first login; the old password keeps working.
    sara.refresh_from_db()
    assert sara.password.startswith("md5$") and sara.check_password("la-batteria-dura")

    client.logout()
    response = login(client, REDAZIONE, "red-2025")
    assert response.status_code == 302
    assert users.get(email=REDAZIONE).password.startswith("md5$")
    # The report says how many accounts kept their WordPress password, in Italian.
    assert "password dei nuovi account di lettori: quella di WordPress, ancora valida 2" in (
        out.getvalue()
    )


@pytest.mark.django_db
def test_an_account_without_a_wordpress_hash_cannot_log_in(client, hashers):
    user = get_user_model().objects.create(username="lettore", email="lettore@example.org")
    user.set_unusable_password()
    user.save()
    assert login(client, "lettore@example.org", "").status_code == 400
    assert login(client, "lettore@example.org", "qualcosa").status_code == 400
