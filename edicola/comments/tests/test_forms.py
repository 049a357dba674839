"""The shape of reader input: what the forms accept, normalise and refuse."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser

from edicola.comments.forms import (
    CommentForm,
    EditForm,
    ReplyForm,
    ReportForm,
    VoteForm,
    clean_name,
    clean_url,
)

GUEST = {"body": "Bel pezzo", "name": "Lucia", "email": "Lucia@Example.org", "consent": "on"}


def test_a_guest_comment_is_parsed_into_service_input():
    form = CommentForm({**GUEST, "url": "lucia.example", "started": time.time() - 30})
    assert form.is_valid(), form.errors
    data = form.to_input()
    assert (data.body, data.email, data.url) == (
        "Bel pezzo",
        "lucia@example.org",
        "https://lucia.example",
    )
    assert data.parent_id is None and data.honeypot == ""
    assert 29 < data.form_age_seconds < 60


def test_guests_must_consent():
    form = CommentForm({**GUEST, "consent": ""})
    assert not form.is_valid() and "consent" in form.errors


@pytest.mark.django_db
def test_logged_in_readers_are_not_asked_for_name_email_or_consent(django_user_model):
    user = django_user_model.objects.create_user("u", "u@example.org", "x")
    form = CommentForm({"body": "Ciao"}, user=user)
    assert form.is_valid(), form.errors
    assert set(form.fields) >= {"body"} and "email" not in form.fields
    assert CommentForm({"body": "Ciao"}, user=AnonymousUser()).is_valid() is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"body": "x" * 1_000_000}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({"name": "\u200b\u200c\u2060"}, "name"),
        ({"name": "a\x00"}, "name"),
        ({"email": "lucia"}, "email"),
        ({"email": ""}, "email"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "data:text/html,x"}, "url"),
        ({"url": "https://" + "a" * 250 + ".it"}, "url"),
    ],
)
def test_bad_input_gets_a_field_error(changes, field):
    form = CommentForm({**GUEST, **changes})
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert all(message for message in form.errors[field])


def test_honeypot_is_passed_through_for_the_services_to_judge():
    form = CommentForm({**GUEST, "address": "Via Roma 1"})
    assert form.is_valid() and form.to_input().honeypot == "Via Roma 1"


def test_reply_needs_a_parent():
    assert "parent" in ReplyForm(GUEST).errors
    form = ReplyForm({**GUEST, "parent": "12"})
    assert form.is_valid() and form.to_input().parent_id == 12


def test_names_are_cleaned_of_tricks():
    assert clean_name("  Mario \u202eRossi\u200b ") == "Mario Rossi"
    assert clean_name("ｍａｒｉｏ") == "mario"  # full-width letters folded
    assert clean_name("Zoë 👩\u200d💻") == "Zoë 👩\u200d💻"  # joiners inside emoji kept


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://a.example/x?y=1", "https://a.example/x?y=1"),
        ("HTTP://A.example", "HTTP://A.example"),
        ("a.example", "https://a.example"),
        ("", ""),
    ],
)
def test_websites(typed, stored):
    assert clean_url(typed) == stored


def test_edit_vote_and_report_forms():
    assert EditForm({"body": " nuovo testo ", "token": "t"}).is_valid()
    assert not EditForm({"body": ""}).is_valid()
    vote = VoteForm({"value": "-1"})
    assert vote.is_valid() and vote.cleaned_data["value"] == -1
    assert not VoteForm({"value": "2"}).is_valid()
    assert ReportForm({"reason": "off_topic"}).is_valid()
    assert "reason" in ReportForm({"reason": "boh"}).errors
    assert "note" in ReportForm({"reason": "spam", "note": "x" * 501}).errors
