"""Test-wide settings: fast hashing, immediate tasks, plain static storage, a private data dir."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SECURE_SSL_REDIRECT = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from django.core.cache import cache
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    cache.clear()
    yield
    cache.clear()


class StillClock:
    """The rate limiter's clock in tests: still, in the middle of every window, until a test moves
    it; so no limit depends on how fast the machine runs the test."""

    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def rate_limit_clock(monkeypatch) -> StillClock:
    from edicola.core import ratelimit

    # 30.5 s into a minute, 1,830.5 s into an hour: a second, a minute and an hour all have room.
    still = StillClock(1_800_001_830.5)
    monkeypatch.setattr(ratelimit, "clock", still)
    return still


# Tools and services some tests need (markers in pyproject.toml). A missing tool skips its tests
# with the reason, unless EDICOLA_REQUIRE (set by .ci/run) names it: then it is a failure.
# PostgreSQL and Redis tests run in the second pass of .ci/test-suite, which enforces those two.
def _missing_tool(marker: str) -> str:
    import shutil
    from pathlib import Path

    modules = Path(__file__).parent / "node_modules"
    if marker == "browser":
        if not Path("/usr/bin/chromium").exists():
            return "Chromium is not installed (/usr/bin/chromium; Debian package chromium)"
        if not (modules / "axe-core" / "axe.min.js").exists():
            return "axe-core is not installed (run npm ci)"
    if marker == "mariadb":
        from edicola.wordpress.tests.mariadb import server_problem

        return server_problem()
    if marker == "validator":
        if not shutil.which("java"):
            return "Java is not installed (needed by the Nu HTML checker)"
        if not (modules / "vnu-jar" / "build" / "dist" / "vnu.jar").exists():
            return "the Nu HTML checker is not installed (run npm ci for vnu-jar)"
    return ""


def pytest_runtest_setup(item):
    import os

    from django.conf import settings

    required = {name.strip() for name in os.environ.get("EDICOLA_REQUIRE", "").split(",")}
    for marker, requirement in [
        ("browser", "chromium"),
        ("validator", "validator"),
        ("mariadb", "mariadb"),
    ]:
        if item.get_closest_marker(marker) and (reason := _missing_tool(marker)):
            if requirement in required:
                pytest.fail(f"{reason}; EDICOLA_REQUIRE makes {requirement} mandatory")
            pytest.skip(reason)
    if (
        item.get_closest_marker("postgres")
        and "postgresql" not in settings.DATABASES["default"]["ENGINE"]
    ):
        pytest.skip("needs PostgreSQL: runs in the DATABASE_URL pass of .ci/test-suite")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        pytest.skip("needs Redis: runs in the REDIS_URL pass of .ci/test-suite")
