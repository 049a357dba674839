# ruff: noqa: F811 (the fixtures imported from the commenter privacy tests are requested by name)
"""passages/privacy.py: the errors a reader reported in a passage are part of the commenter's
data (edicola.comments.privacy): exported, unlinked by erasure, and their networks expire."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from edicola.comments import privacy
from edicola.comments.tests.test_privacy import (  # noqa: F401 (fixtures)
    EMAIL,
    SAME_ORIGIN,
    anna,
    article,
    subject,
    token_for,
)
from edicola.passages.models import ErrorReport
from edicola.passages.privacy import ErrorReportData

pytestmark = pytest.mark.django_db


def make_error_report(article, **fields):
    fields.setdefault("exact", "prezzo e uscita")
    fields.setdefault("explanation", "Il prezzo giusto è 499 euro.")
    return ErrorReport.objects.create(article=article, **fields)


@pytest.fixture
def errors(anna, article):
    """Anna's error reports (one with her address, one from her browser without it) and
    Bruno's, which must stay as they are."""
    return {
        "mailed": make_error_report(article, email=EMAIL, ip_network="192.0.2.0"),
        "browser": make_error_report(
            article, explanation="Manca la data di uscita.", reader_id="g:anna", ip_network="::"
        ),
        "bruno": make_error_report(
            article, email="bruno@example.test", reader_id="g:bruno", ip_network="10.1.1.0"
        ),
    }


def test_error_reports_are_exported_then_unlinked(errors, article):
    kind = ErrorReportData()
    records = kind.export(subject())
    assert [r["id"] for r in records] == [errors["mailed"].pk, errors["browser"].pk]
    mailed = records[0]
    assert mailed["article_title"] == article.title
    assert mailed["article_url"].endswith(f"/{article.slug}/")
    assert mailed["passage"] == "prezzo e uscita" and mailed["status"] == "open"
    assert mailed["explanation"] == "Il prezzo giusto è 499 euro."
    assert (mailed["email"], mailed["network"]) == (EMAIL, "192.0.2.0")
    json.dumps(records)
    assert kind.erase(subject()) == 2
    assert kind.export(subject()) == []
    for key in ("mailed", "browser"):
        errors[key].refresh_from_db()
        assert errors[key].email == errors[key].ip_network == errors[key].reader_id == ""
    # The explanation stays with the newsroom, no longer linked to anyone.
    assert errors["mailed"].explanation == "Il prezzo giusto è 499 euro."
    errors["bruno"].refresh_from_db()
    assert errors["bruno"].email == "bruno@example.test"
    assert errors["bruno"].ip_network == "10.1.1.0" and errors["bruno"].reader_id == "g:bruno"


def test_erasure_as_a_whole_unlinks_error_reports(errors):
    report = privacy.erase(subject())
    assert report.changed["error_reports"] == 2
    assert privacy.find_subject(EMAIL).is_empty


def test_address_with_only_an_error_report_can_export_and_erase(article, client):
    only = make_error_report(article, email="carla@example.test", ip_network="198.51.100.0")
    found = privacy.find_subject("Carla@Example.test")
    assert not found.is_empty
    token = token_for("carla@example.test")
    page = client.get(f"/commenti/privacy/{token}/")
    assert 'id="privacy-erase-form"' in page.text and 'id="privacy-nothing"' not in page.text
    data = json.loads(client.get(f"/commenti/privacy/{token}/export.json").content)
    assert [r["id"] for r in data["data"]["error_reports"]["records"]] == [only.pk]
    url = f"/commenti/privacy/{token}/erase/"
    assert client.post(url, {"confirm": "1"}, **SAME_ORIGIN).status_code == 200
    only.refresh_from_db()
    assert only.email == "" and only.ip_network == ""
    assert client.post(url, {"confirm": "1"}, **SAME_ORIGIN).status_code == 410, "no replay"


def test_purge_clears_old_error_report_networks_too(errors):
    old = timezone.now() - timedelta(days=31)
    ErrorReport.objects.filter(pk=errors["mailed"].pk).update(created_at=old)
    assert privacy.purge_networks() == 1
    errors["mailed"].refresh_from_db()
    errors["bruno"].refresh_from_db()
    assert errors["mailed"].ip_network == "" and errors["bruno"].ip_network == "10.1.1.0"
