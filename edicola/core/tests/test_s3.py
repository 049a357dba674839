"""S3 media against a real S3 API (moto_server on loopback): public objects with a long cache
life, or private objects behind signed links; links a reader's browser can open either way."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from storages.backends.s3 import S3Storage

from edicola import settings as edicola_settings

BUCKET = "edicola-media"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(endpoint, timeout=2).close()
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.2)
        yield endpoint
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    for name, value in {
        "S3_BUCKET": BUCKET,
        "S3_ENDPOINT_URL": s3_endpoint,
        "S3_ACCESS_KEY_ID": "edicola",
        "S3_SECRET_ACCESS_KEY": "edicola-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("S3_CUSTOM_DOMAIN", raising=False)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="edicola",
        aws_secret_access_key="edicola-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def fetch(url: str):
    """What a reader's browser gets: (status, Cache-Control)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Cache-Control")
    except urllib.error.HTTPError as error:
        return error.code, None


def test_public_media_open_for_everyone_and_cache_for_a_year(bucket, monkeypatch):
    monkeypatch.delenv("S3_SIGNED_URLS", raising=False)
    storage = S3Storage(**edicola_settings.s3_storage_options())

    name = storage.save("original_images/lumio-x3.jpg", ContentFile(b"\xff\xd8 una foto"))
    again = storage.save("original_images/lumio-x3.jpg", ContentFile(b"\xff\xd8 un'altra foto"))

    url = storage.url(name)
    assert "Signature" not in url
    assert fetch(url) == (200, "public, max-age=31536000, immutable")
    # Names never repeat, so a copy cached for a year never shows an old picture.
    assert again != name
    assert bucket.get_object(Bucket=BUCKET, Key=name)["Body"].read() == b"\xff\xd8 una foto"


def test_signed_links_open_private_media_and_bare_links_do_not(bucket, monkeypatch):
    monkeypatch.setenv("S3_SIGNED_URLS", "1")
    storage = S3Storage(**edicola_settings.s3_storage_options())

    name = storage.save("documents/listino.pdf", ContentFile(b"%PDF-1.4 listino"))
    url = storage.url(name)

    assert "Signature=" in url
    assert fetch(url) == (200, "private, max-age=3600")
    assert fetch(url.split("?", 1)[0])[0] == 403


def test_signed_links_must_outlive_cached_pages(monkeypatch):
    monkeypatch.setenv("S3_BUCKET", BUCKET)
    monkeypatch.setenv("S3_SIGNED_URLS", "1")
    monkeypatch.setenv("S3_SIGNED_URL_SECONDS", "600")
    with pytest.raises(ImproperlyConfigured, match="S3_SIGNED_URL_SECONDS"):
        edicola_settings.s3_storage_options()
