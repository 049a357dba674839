"""Setting a password by mailed link, received by a real SMTP server on loopback: for a reader
who forgot it, and for an account brought over from WordPress without one (a WXR file carries
no password hashes). The form never tells who has an account."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext

from edicola.core.models import OutgoingMail
from edicola.core.tests.fakes import smtp_server  # noqa: F401

pytestmark = pytest.mark.django_db

EMAIL = "paola@posta.example"
NEW_PASSWORD = "una-batteria-da-5000-mAh"


@pytest.fixture
def imported_reader():
    """An account as the WordPress import makes it from an export file: no usable password."""
    user = get_user_model().objects.create(username="paola", email=EMAIL, first_name="Paola")
    user.set_unusable_password()
    user.save()
    return user


def ask(client, email: str):
    return client.post(reverse("accounts:password_link"), {"email": email})


def test_an_imported_reader_sets_a_password_by_mailed_link_and_logs_in(
    client,
    imported_reader,
    smtp_server,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
):
    settings.BASE_URL = "https://lumio.example.test"
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_link") in login_page
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "Paola@Posta.example")
    assert response.status_code == 200
    assert "un link per impostarne la password è in arrivo" in response.content.decode()
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL and message["Subject"] == "Imposta la tua password"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https://lumio\.example\.test(/\S+/password/\S+/)", text).group(1)

    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response.url == reverse("accounts:account")
    assert client.session["_auth_user_id"] == str(imported_reader.pk)
    # The link worked once; the password works from now on.
    again = client.get(link)
    assert again.status_code == 400
    assert gettext("This link is not valid any more: it was used already, or it is too old.") in (
        again.content.decode()
    )
    client.logout()
    response = client.post(reverse("accounts:login"), {"email": EMAIL, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, imported_reader):
    known, unknown = ask(client, EMAIL), ask(client, "nessuno@posta.example")
    assert known.status_code == unknown.status_code == 200
    sent = "un link per impostarne la password è in arrivo"
    assert sent in known.content.decode() and sent in unknown.content.decode()
    assert list(OutgoingMail.objects.values_list("to", flat=True)) == [EMAIL]


def test_a_forged_link_is_refused(client, imported_reader):
    response = client.get(reverse("accounts:set_password", args=["MQ", "falso-token"]))
    assert response.status_code == 400
    response = client.post(
        reverse("accounts:set_password", args=["MQ", "falso-token"]),
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 400
    imported_reader.refresh_from_db()
    assert not imported_reader.has_usable_password()


def test_links_per_address_are_capped_with_a_clear_message(client, imported_reader):
    for _number in range(3):
        assert ask(client, EMAIL).status_code == 200
    refused = ask(client, EMAIL)
    assert refused.status_code == 429
    assert "troppe volte" in refused.content.decode()
    assert OutgoingMail.objects.count() == 3
