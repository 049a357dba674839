"""edicola/core/origin.py: the client's address and scheme behind trusted proxies, and forged,
chained and malformed forwarding headers."""

import pytest
from django.test import RequestFactory

from edicola.core.origin import client_ip, forwarded_scheme, parse_address

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "192.0.2.1", "::1", "127.0.0.1"]


def request(remote: str, forwarded_for: str | None = None, proto: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    if proto is not None:
        headers["HTTP_X_FORWARDED_PROTO"] = proto
    return RequestFactory().get("/", **headers)


def test_without_a_proxy_the_address_is_remote_addr_and_headers_are_ignored():
    forged = request("203.0.113.9", "198.51.100.1", "https")
    assert client_ip(forged) == "203.0.113.9"
    assert forwarded_scheme(forged) is None
    assert not forged.is_secure()


def test_a_trusted_proxy_passes_on_the_client_address_and_scheme():
    behind = request(PROXY, "198.51.100.23", "https")
    assert client_ip(behind) == "198.51.100.23"
    assert forwarded_scheme(behind) == "https"


def test_addresses_a_client_forged_before_the_proxy_are_skipped():
    # The reader sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    assert client_ip(request(PROXY, "1.2.3.4, 198.51.100.23")) == "198.51.100.23"
    # Even when the forged entry claims to be one of our proxies.
    assert client_ip(request(PROXY, "10.0.0.9, 198.51.100.23")) == "198.51.100.23"


def test_several_trusted_hops_are_walked_right_to_left():
    chain = request(PROXY, "198.51.100.23, 192.0.2.1, 10.0.0.7", "https, http, http")
    assert client_ip(chain) == "198.51.100.23"
    assert forwarded_scheme(chain) == "https", "the scheme the outermost proxy saw"
    # Repeated headers arrive joined by the server; blanks around commas are fine.
    assert client_ip(request(PROXY, "198.51.100.23 ,10.0.0.7")) == "198.51.100.23"


def test_every_hop_trusted_gives_the_outermost_proxy():
    assert client_ip(request(PROXY, "10.0.0.8, 10.0.0.7")) == "10.0.0.8"


@pytest.mark.parametrize(
    "forwarded_for, expected",
    [
        ("", PROXY),
        ("unknown", PROXY),
        ("not an address", PROXY),
        ("198.51.100.23:443", PROXY),
        ("198.51.100.23, garbage", PROXY),
        ("garbage, 198.51.100.23", "198.51.100.23"),
        ("x" * 5000, PROXY),
        ("[2001:db8::7]", "2001:db8::7"),
        ("::ffff:198.51.100.23", "198.51.100.23"),
        ("198.51.100.23\x00", PROXY),
    ],
)
def test_malformed_entries_stop_at_the_nearest_known_hop(forwarded_for, expected):
    assert client_ip(request(PROXY, forwarded_for)) == expected


@pytest.mark.parametrize("proto", ["ftp", "", "HTTPS ", "javascript"])
def test_only_http_and_https_are_believed_as_schemes(proto):
    scheme = forwarded_scheme(request(PROXY, "198.51.100.23", proto))
    assert scheme in (None, "https") and (scheme == "https") == (proto.strip().lower() == "https")


def test_an_empty_trust_list_believes_nobody(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(request("127.0.0.1", "198.51.100.23", "https")) == "127.0.0.1"
    assert forwarded_scheme(request("127.0.0.1", "198.51.100.23", "https")) is None


def test_a_missing_or_odd_remote_addr_is_never_an_error():
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) == "0.0.0.0"
    assert client_ip(request("::ffff:10.0.0.5", "198.51.100.23")) == "198.51.100.23"
    assert parse_address("[::1]") is not None and parse_address("localhost") is None


def test_the_middleware_makes_a_proxied_https_request_secure(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    plain = client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert plain.status_code == 200, "healthz is exempt from the redirect"
    forged = client.get("/robots.txt", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert forged.status_code == 301 and forged["Location"].startswith("https://")
    proxied = client.get("/robots.txt", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert proxied.status_code == 200
