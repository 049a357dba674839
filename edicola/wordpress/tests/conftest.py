"""Fixtures for tests that read a real WordPress database: `wordpress_db(dump) -> url`.

    @pytest.mark.mariadb
    def test_something(wordpress_db):
        url = wordpress_db(FIXTURES / "lumio.sql")
        source = DatabaseSource(url)

Each call loads the dump into a fresh database on the test MariaDB server (see mariadb.py);
every database made by the test is dropped at its end.
"""

from pathlib import Path

import pytest

from . import mariadb

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def wordpress_db():
    made: list[str] = []

    def load(dump: Path | str) -> str:
        name = mariadb.create_database()
        made.append(name)
        mariadb.load_dump(name, Path(dump))
        return mariadb.url_for(name)

    yield load
    for name in made:
        mariadb.drop_database(name)
