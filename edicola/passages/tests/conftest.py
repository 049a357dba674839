"""Fixtures for passage tests: the whole-site fixtures of the news app (live server, Chromium
through Playwright with the loopback-only guard)."""

from edicola.news.tests.conftest import *  # noqa: F403
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, pytest_runtest_teardown  # noqa: F401
