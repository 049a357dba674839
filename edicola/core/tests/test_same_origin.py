"""Where a request comes from: Sec-Fetch-Site, else Origin, else Referer, and the origin must be
this site's own: same scheme, host and port. An https page of the same host name is another
origin for a plain-HTTP site (and the other way round)."""

import pytest
from django.test import RequestFactory

from edicola.core.origin import is_same_origin


def request_to(host: str = "edicola.example", *, secure: bool = False, **headers):
    return RequestFactory().post("/commenti/", secure=secure, headers={"Host": host, **headers})


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["edicola.example", "localhost"]


@pytest.mark.parametrize(
    "origin",
    ["http://edicola.example", "http://EDICOLA.example", "http://edicola.example:80"],
)
def test_the_same_origin_over_plain_http_is_accepted(origin):
    assert is_same_origin(request_to(Origin=origin))


@pytest.mark.parametrize(
    "origin",
    ["https://edicola.example", "https://edicola.example:443", "https://edicola.example:80"],
)
def test_an_https_origin_is_not_a_plain_http_site(origin):
    assert not is_same_origin(request_to(Origin=origin))


def test_an_http_origin_is_not_an_https_site():
    assert is_same_origin(request_to(secure=True, Origin="https://edicola.example"))
    assert is_same_origin(request_to(secure=True, Origin="https://edicola.example:443"))
    assert not is_same_origin(request_to(secure=True, Origin="http://edicola.example"))
    assert not is_same_origin(request_to(secure=True, Origin="http://edicola.example:443"))


@pytest.mark.parametrize(
    ("host", "origin", "same"),
    [
        ("localhost:8000", "http://localhost:8000", True),
        ("localhost:8000", "http://localhost:8001", False),
        ("localhost:8000", "http://localhost", False),
        ("localhost", "http://localhost:8000", False),
        ("localhost:8000", "https://localhost:8000", False),
        ("edicola.example", "http://edicola.example:8080", False),
    ],
)
def test_the_port_must_match_too(host, origin, same):
    assert is_same_origin(request_to(host, Origin=origin)) is same


@pytest.mark.parametrize(
    ("referer", "same"),
    [
        ("http://edicola.example/articolo/telefono/", True),
        ("https://edicola.example/articolo/telefono/", False),
        ("http://edicola.example:8080/articolo/", False),
        ("http://altro.example/articolo/", False),
        ("http://edicola.example.altro.example/", False),
        ("ftp://edicola.example/", False),
        ("http://utente@edicola.example/", False),
        ("/articolo/senza/origine/", False),
    ],
)
def test_the_referer_is_read_the_same_way_when_there_is_no_origin(referer, same):
    assert is_same_origin(request_to(Referer=referer)) is same


def test_an_origin_wins_over_the_referer():
    request = request_to(Origin="https://edicola.example", Referer="http://edicola.example/a/")
    assert not is_same_origin(request)


@pytest.mark.parametrize(
    "value", ["null", "", "http://", "http://[::1", "http://edicola.example:x"]
)
def test_an_unreadable_origin_is_refused(value):
    assert not is_same_origin(request_to(Origin=value))


def test_sec_fetch_site_is_the_browser_s_own_answer():
    assert is_same_origin(request_to(**{"Sec-Fetch-Site": "same-origin"}))
    assert is_same_origin(request_to(**{"Sec-Fetch-Site": "none"}))
    assert not is_same_origin(request_to(**{"Sec-Fetch-Site": "same-site"}))
    assert not is_same_origin(request_to(**{"Sec-Fetch-Site": "cross-site"}))


def test_no_source_at_all_is_refused():
    assert not is_same_origin(request_to())
