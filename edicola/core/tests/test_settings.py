"""Configuration comes from the environment alone: embedded defaults, scale-out by variables,
and a production check without warnings."""

import json
import os
import secrets
import subprocess
import sys

import pytest

PROBE = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
    "'journal': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', ''), "
    "'cache': s.CACHES['default']['BACKEND'], 'tasks': s.TASKS['default']['BACKEND'], "
    "'debug': s.DEBUG, 'media': str(s.MEDIA_ROOT), 'storage': s.STORAGES['default']['BACKEND'], "
    "'ssl_redirect': getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "'mail_timeout': s.MAILERS['default']['OPTIONS']['timeout'], "
    "'mail_backend': s.MAILERS['default']['BACKEND']}))"
)


def run_edicola(tmp_path, *args, **env_overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "S3_BUCKET", "HTTPS"}
    }
    env.update(SECRET_KEY=secrets.token_urlsafe(50), EDICOLA_DATA_DIR=str(tmp_path / "data"))
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "edicola.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_with(tmp_path, **env) -> dict:
    result = run_edicola(tmp_path, "shell", "-c", PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_is_sqlite_wal_locmem_and_database_tasks(tmp_path):
    values = settings_with(tmp_path)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in values["journal"]
    assert values["cache"].endswith("LocMemCache")
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"
    assert values["debug"] is False and values["ssl_redirect"] is True
    assert values["media"] == str(tmp_path / "data" / "media")


def test_scale_out_is_chosen_by_environment(tmp_path):
    values = settings_with(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/test",
        REDIS_URL="redis://127.0.0.1:6379/0",
        S3_BUCKET="media",
        HTTPS="0",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["tasks"] == "django_tasks_rq.RQBackend"
    assert values["storage"] == "storages.backends.s3.S3Storage"
    assert values["ssl_redirect"] is False


@pytest.mark.postgres
def test_scale_out_passes_the_system_checks(tmp_path):
    """Wagtail's search indexes on PostgreSQL need django.contrib.postgres; without it every
    management command, migrate and serve included, stops at the system checks."""
    result = run_edicola(tmp_path, "check", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert result.returncode == 0, result.stdout + result.stderr


def test_smtp_time_out_comes_from_email_timeout(tmp_path):
    assert settings_with(tmp_path)["mail_timeout"] == 60
    values = settings_with(tmp_path, EMAIL_TIMEOUT="7.5")
    assert values["mail_timeout"] == 7.5
    assert values["mail_backend"] == "edicola.core.smtp.SMTPBackend"


def test_a_malformed_trusted_proxy_stops_start_up_with_its_name(tmp_path):
    result = run_edicola(tmp_path, "check", TRUSTED_PROXIES="10.0.0.0/8,nginx.local")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx.local'" in result.stderr


def test_missing_secret_key_stops_start_up_when_debug_is_off(tmp_path):
    result = run_edicola(tmp_path, "check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_check_passes_without_warnings(tmp_path):
    result = run_edicola(
        tmp_path, "check", "--deploy", "--fail-level", "WARNING", ALLOWED_HOSTS="news.example.org"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_debug_is_off_unless_asked(tmp_path, value):
    assert settings_with(tmp_path, DEBUG=value)["debug"] is False
