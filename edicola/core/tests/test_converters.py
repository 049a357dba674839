"""Database ids in URLs: every route of ours that takes one answers 404, never a server error,
to ids outside the 64-bit range a database can hold. The routes are read from the resolver, so a
route added later is covered without touching this file."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from edicola.core.converters import MAX_ID, IdConverter
from edicola.news.tests.factories import make_site

OUT_OF_RANGE = [str(2**63), str(2**64), str(10**30), "0", "00", "-1"]
CONVERTER = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>[^>]+)>")


def _our_routes(patterns=None, prefix: str = "", converters=None):
    """(route text, {name: converter}) for every URL pattern whose view is ours."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        merged = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _our_routes(entry.url_patterns, text.lstrip("^"), merged)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            if module.startswith("edicola."):
                yield text, merged


def _id_routes():
    routes = []
    for text, converters in _our_routes():
        numeric = [
            name for name, c in converters.items() if isinstance(c, IdConverter | IntConverter)
        ]
        if numeric:
            routes.append((text, numeric))
    return routes


def _url(route: str, values: dict[str, str]) -> str:
    return "/" + CONVERTER.sub(lambda match: values.get(match["name"], "x"), route)


@pytest.fixture
def superuser_client(client, db):
    make_site()
    user = get_user_model().objects.create_superuser("capo", "capo@example.org", "password")
    client.force_login(user)
    return client


def test_the_routes_named_in_the_issue_are_among_those_checked():
    routes = {text for text, _ in _id_routes()}
    for expected in [
        "commenti/articolo/<id:article_id>/",
        "commenti/articolo/<id:article_id>/stato/",
        "commenti/articolo/<id:article_id>/novita/",
        "commenti/articolo/<id:article_id>/discussione/",
        "commenti/articolo/<id:article_id>/ordine/",
        "api/commenti/articoli/<id:article_id>/",
        "passaggi/articolo/<id:article_id>/",
        "passaggi/articolo/<id:article_id>/errore/",
        "passaggi/articolo/<id:article_id>/modulo/",
        "passaggi/articolo/<id:article_id>/mappa/",
        "commenti/iscrizioni/articolo/<id:article_id>/",
        "admin/comments/<id:pk>/",
    ]:
        assert expected in routes


def test_every_route_of_ours_takes_ids_through_the_id_converter():
    plain_int = [text for text, _ in _id_routes() if "<int:" in text]
    assert plain_int == []


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_an_id_outside_the_database_range_is_not_found(superuser_client, value):
    answers = {}
    for route, names in _id_routes():
        url = _url(route, dict.fromkeys(names, value))
        for method in ("get", "post"):
            response = getattr(superuser_client, method)(url, HTTP_SEC_FETCH_SITE="same-origin")
            answers[f"{method.upper()} {url}"] = response.status_code
    assert answers and set(answers.values()) == {404}, answers


def test_the_largest_id_reaches_the_view_and_is_simply_not_there(superuser_client):
    failures = {}
    for route, names in _id_routes():
        url = _url(route, dict.fromkeys(names, str(MAX_ID)))
        for method in ("get", "post"):
            response = getattr(superuser_client, method)(url, HTTP_SEC_FETCH_SITE="same-origin")
            if response.status_code >= 500:
                failures[f"{method.upper()} {url}"] = response.status_code
    assert failures == {}


def test_the_converter_keeps_ordinary_ids():
    converter = IdConverter()
    assert converter.to_python("42") == 42
    assert converter.to_python(str(MAX_ID)) == MAX_ID
    assert converter.to_url(42) == "42"
    for value in ["0", str(MAX_ID + 1)]:
        with pytest.raises(ValueError):
            converter.to_python(value)
