"""Throw-away MariaDB databases loaded from SQL dumps, for tests and benchmarks of the import.

The server is the machine's MariaDB (127.0.0.1:3306, root, no password) unless
EDICOLA_TEST_MARIADB_URL names another one (mysql://user:password@host:port/). Each database is
called edicola_wp_test_<random> and is dropped by `drop_database`.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pymysql

DEFAULT_SERVER_URL = "mysql://root@127.0.0.1:3306/"
DATABASE_PREFIX = "edicola_wp_test_"


def server() -> dict:
    parts = urlsplit(os.environ.get("EDICOLA_TEST_MARIADB_URL") or DEFAULT_SERVER_URL)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or "root"),
        "password": unquote(parts.password or ""),
    }


def connect(**extra) -> pymysql.connections.Connection:
    return pymysql.connect(**server(), charset="utf8mb4", connect_timeout=5, **extra)


@functools.cache
def server_problem() -> str:
    """Why the MariaDB server cannot be used for tests, or "" when it answers."""
    where = "{host}:{port}".format(**server())
    try:
        connect().close()
    except pymysql.MySQLError as error:
        return f"MariaDB does not answer on {where} ({error.args[-1]})"
    return ""


def url_for(database: str, user: str | None = None, password: str | None = None) -> str:
    """The mysql:// address DatabaseSource reads `database` through."""
    details = server()
    user = details["user"] if user is None else user
    password = details["password"] if password is None else password
    credentials = quote(user, safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    return f"mysql://{credentials}@{details['host']}:{details['port']}/{database}"


def create_database() -> str:
    name = DATABASE_PREFIX + secrets.token_hex(6)
    connection = connect()
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
            )
    finally:
        connection.close()
    return name


def load_dump(database: str, dump: Path) -> None:
    """Runs an SQL dump into `database`: with the mariadb client when it is installed (it
    streams files of any size), else statement by statement through PyMySQL."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    details = server()
    if client:
        command = [
            client,
            f"--host={details['host']}",
            f"--port={details['port']}",
            f"--user={details['user']}",
            "--default-character-set=utf8mb4",
            database,
        ]
        environment = {**os.environ, "MYSQL_PWD": details["password"]}
        with open(dump, "rb") as source:
            completed = subprocess.run(
                command, stdin=source, capture_output=True, env=environment, timeout=600
            )
        if completed.returncode:
            message = completed.stderr.decode(errors="replace")
            raise RuntimeError(f"loading {dump} failed: {message}")
        return
    connection = connect(database=database, client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)
    try:
        with connection.cursor() as cursor:
            cursor.execute(Path(dump).read_text(encoding="utf-8"))
            while cursor.nextset():
                pass
        connection.commit()
    finally:
        connection.close()


def execute(database: str, *statements: str) -> None:
    connection = connect(database=database, autocommit=True)
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def drop_database(database: str) -> None:
    if not database.startswith(DATABASE_PREFIX):
        raise ValueError(f"not a test database: {database}")
    execute("information_schema", f"DROP DATABASE IF EXISTS `{database}`")
