"""spam.py signals: they score and report, never write."""

import pytest
from django.utils import timezone

from edicola.comments import spam
from edicola.comments.models import Comment
from edicola.comments.tests.factories import make_comment, make_commentable_article, set_comments


def test_honeypot_and_fast_forms_are_bot_signals(settings):
    set_comments(settings, MIN_FORM_SECONDS=3)
    assert spam.bot_signals(honeypot="x").reject_reasons == ("honeypot",)
    assert spam.bot_signals(honeypot="   ").reject_reasons == ()
    assert spam.bot_signals(form_age_seconds=2.9).reject_reasons == ("too_fast",)
    assert spam.bot_signals(form_age_seconds=3).reject_reasons == ()
    assert spam.bot_signals(form_age_seconds=None).reject_reasons == ()  # the API sends none


def test_links_are_counted_in_every_form(settings):
    set_comments(settings, MAX_LINKS=2)
    assert spam.content_signals("[a](https://a.it) <https://b.it> www.c.it").links == 3
    assert spam.content_signals("[a](https://a.it) <https://b.it> www.c.it").too_many_links
    assert not spam.content_signals("solo https://a.it e http://b.it").too_many_links


def test_blocklist_matches_whole_words_ignoring_case(settings):
    set_comments(settings, BLOCKLIST=["viagra", "soldi facili"])
    assert spam.blocklisted_words("Compra VIAGRA qui") == ("viagra",)
    assert spam.blocklisted_words("SOLDI  facili") == ()  # exact phrase only
    assert spam.blocklisted_words("Soldi facili!") == ("soldi facili",)
    assert spam.blocklisted_words("viagrande è un paese") == ()
    assert spam.content_signals("ok", name="viagra").hold_reasons == ("blocklist",)


def test_score_weighs_refusing_signals_more():
    assert spam.Signals(honeypot=True).score > spam.Signals(too_many_links=True).score


@pytest.mark.django_db
def test_duplicates_are_recent_same_text_from_same_email_account_or_network(settings):
    article = make_commentable_article()
    make_comment(article, "Testo ripetuto", email="a@example.org", ip_network="192.0.2.0/24")
    assert spam.is_duplicate("Testo ripetuto", email="a@example.org")
    assert spam.is_duplicate("Testo ripetuto", ip_network="192.0.2.0/24")
    assert not spam.is_duplicate("Testo ripetuto", email="b@example.org", ip_network="10.0.0.0/24")
    assert not spam.is_duplicate("Altro testo", email="a@example.org")
    assert not spam.is_duplicate("Testo ripetuto")
    Comment.objects.update(created_at=timezone.now() - timezone.timedelta(days=2))
    assert not spam.is_duplicate("Testo ripetuto", email="a@example.org")


@pytest.mark.django_db
def test_assess_skips_the_database_for_bots(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert spam.assess("x", email="a@example.org", honeypot="y").reject_reasons
    with django_assert_num_queries(1):
        assert spam.assess("x", email="a@example.org").reject_reasons == ()
