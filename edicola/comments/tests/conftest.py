"""Fixtures for discussion tests: the whole-site fixtures of the news app (live server,
Chromium through Playwright with the loopback-only guard, axe and Nu checker helpers)."""

from edicola.news.tests.conftest import *  # noqa: F403
from edicola.news.tests.conftest import RESTORE_MIGRATED_DATA, pytest_runtest_teardown  # noqa: F401
