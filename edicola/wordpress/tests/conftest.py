"""Fixtures for tests that read a real WordPress database: `wordpress_db(dump) -> url`.

    @pytest.mark.mariadb
    def test_something(wordpress_db):
        url = wordpress_db(FIXTURES / "lumio.sql")
        source = DatabaseSource(url)

Each call loads the dump into a fresh database on the test MariaDB server (see mariadb.py);
every database made by the test is dropped at its end. `wordpress_db_module` loads each dump
once per test module, for tests that only read it.
"""

import os
from pathlib import Path

import pytest

from . import mariadb

FIXTURES = Path(__file__).parent / "fixtures"


def require_mariadb() -> None:
    """Skips the test when the MariaDB server does not answer; fails it instead when
    EDICOLA_REQUIRE names mariadb (as .ci/run does), like the `mariadb` marker."""
    if problem := mariadb.server_problem():
        if "mariadb" in {name.strip() for name in os.environ.get("EDICOLA_REQUIRE", "").split(",")}:
            pytest.fail(f"{problem}; EDICOLA_REQUIRE makes mariadb mandatory")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def wordpress_db_module():
    """Like wordpress_db, for dumps that the tests of a module only read: loaded once."""
    require_mariadb()
    made: dict[Path, str] = {}

    def load(dump: Path | str) -> str:
        dump = Path(dump)
        if dump not in made:
            made[dump] = mariadb.create_database()
            mariadb.load_dump(made[dump], dump)
        return mariadb.url_for(made[dump])

    yield load
    for name in made.values():
        mariadb.drop_database(name)


@pytest.fixture
def wordpress_db():
    require_mariadb()
    made: list[str] = []

    def load(dump: Path | str) -> str:
        name = mariadb.create_database()
        made.append(name)
        mariadb.load_dump(name, Path(dump))
        return mariadb.url_for(name)

    yield load
    for name in made:
        mariadb.drop_database(name)
