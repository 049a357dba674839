"""The connection to a WordPress database (MySQL or MariaDB), and its values as they come.

`WordPressDatabase` parses the address (`mysql://user:password@host:port/database`), connects,
checks the table prefix and the WordPress tables, and streams each query unbuffered on a
connection of its own; every failure becomes a `SourceError` with a translated message (the
password never shown). `merge_streams` walks sorted streams side by side, and the small
converters turn PyMySQL's values (DATETIMEs, ids, PHP integers and serialized values) into
what the records hold. What the tables mean is for `database` and `wpdiscuz`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

import phpserialize
import pymysql
import pymysql.cursors
from django.utils.translation import gettext as _

from .records import (
    Repair,
    SiteInfo,
    SourceError,
)

DEFAULT_PORT = 3306
CONNECT_TIMEOUT = 10
# An unbuffered cursor holds the server while the importer works on a row; give it time.
SESSION_SETUP = "SET time_zone = '+00:00', net_write_timeout = 3600, net_read_timeout = 3600"
PREFIX_PATTERN = re.compile(r"[A-Za-z0-9_]{1,64}")
# A site of a multisite network has tables wp_3_…, but shares the network's wp_users/usermeta.
NETWORK_SITE_PREFIX = re.compile(r"(.+?_)(\d+)_")


class WordPressDatabase:
    """A WordPress database, connected once to check its tables; queries stream on their own
    connections."""

    def __init__(self, url: str, table_prefix: str = "wp_"):
        self.repairs: list[Repair] = []
        self._connect_args = parse_url(url)
        if not PREFIX_PATTERN.fullmatch(table_prefix or ""):
            raise SourceError(
                _(
                    "The table prefix “%(prefix)s” is not valid: WordPress prefixes contain "
                    "only letters, digits and underscores."
                )
                % {"prefix": table_prefix}
            )
        self.prefix = table_prefix
        self._site: SiteInfo | None = None
        self._options: dict[str, str] = {}
        connection = self._connect()
        try:
            self._tables = self._existing_tables(connection)
        except pymysql.MySQLError as error:
            raise SourceError(
                _("Reading the WordPress database failed: %(problem)s")
                % {"problem": _server_message(error)}
            ) from None
        finally:
            connection.close()
        self._users_prefix, self._network_site_id = self.prefix, ""
        network_site = NETWORK_SITE_PREFIX.fullmatch(self.prefix)
        if network_site and not self._has("users") and f"{network_site[1]}users" in self._tables:
            self._users_prefix, self._network_site_id = network_site[1], network_site[2]
        for table in ("options", "posts"):
            if self.table(table) not in self._tables:
                raise SourceError(
                    _(
                        "The database “%(database)s” has no WordPress table “%(table)s”: "
                        "check the table prefix (now “%(prefix)s”)."
                    )
                    % {
                        "database": self._connect_args["database"],
                        "table": self.table(table),
                        "prefix": self.prefix,
                    }
                )

    def site(self) -> SiteInfo:
        """The site's options (read by `database.DatabaseSource`); loads `_options` too."""
        raise NotImplementedError

    # -- connections ------------------------------------------------------------------------

    def table(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def _connect(self) -> pymysql.connections.Connection:
        args = self._connect_args
        try:
            return pymysql.connect(
                **args | {"password": args["password"].encode("utf-8")},  # PHP sends UTF-8 bytes
                charset="utf8mb4",
                use_unicode=True,
                connect_timeout=CONNECT_TIMEOUT,
                init_command=SESSION_SETUP,
                autocommit=True,
            )
        except pymysql.MySQLError as error:
            raise _connection_error(error, args) from None

    def _existing_tables(self, connection) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
            )
            return {row[0] for row in cursor.fetchall()}

    def _has(self, name: str) -> bool:
        return self.table(name) in self._tables

    def _columns(self, name: str) -> set[str]:
        return {
            column
            for (column,) in self._rows(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s",
                (self.table(name),),
            )
        }

    def _users_table(self, name: str) -> str:
        """wp_users or wp_usermeta: the network's on a site of a multisite network; "" if
        missing."""
        table = f"{self._users_prefix}{name}"
        return table if table in self._tables else ""

    def _stream(self, sql: str, args: Iterable = ()) -> Iterator[tuple]:
        """The rows of one query, unbuffered, on a connection of their own."""
        connection = self._connect()
        cursor = connection.cursor(pymysql.cursors.SSCursor)
        try:
            cursor.execute(sql, tuple(args))
            while row := cursor.fetchone():
                if any(isinstance(value, bytes) for value in row):
                    row = tuple(
                        as_text(value) if isinstance(value, bytes) else value for value in row
                    )
                yield row
        except pymysql.MySQLError as error:
            raise SourceError(
                _("Reading the WordPress database failed: %(problem)s")
                % {"problem": _server_message(error)}
            ) from None
        finally:
            _close_unread(cursor, connection)

    def _rows(self, sql: str, args: Iterable = ()) -> list[tuple]:
        return list(self._stream(sql, args))

    def _unserialize(self, value: str, where: str):
        """A PHP-serialized option or meta value; a damaged one is reported and read as empty."""
        if not value:
            return None
        try:
            return phpserialize.loads(value.encode("utf-8"), decode_strings=False)
        except (ValueError, TypeError, EOFError, IndexError, KeyError, RecursionError):
            self.repairs.append(
                Repair(
                    where=where,
                    problem=_("A PHP-serialized value could not be read and was left out."),
                    repaired=True,
                )
            )
            return None


# -- streams ----------------------------------------------------------------------------------


def _close_unread(cursor, connection) -> None:
    """Ends a streamed query, read to the end or abandoned half-way, by closing its connection.

    Closing an unbuffered cursor would first read every remaining row of an abandoned query,
    so the socket is closed instead and the cursor told its result is gone (PyMySQL would
    otherwise try to finish reading it when the objects are collected)."""
    result = getattr(cursor, "_result", None)
    if result is not None:
        result.unbuffered_active = False
    cursor.connection = None
    try:
        connection.close()
    except (pymysql.MySQLError, OSError):
        pass


def merge_streams(primary: Iterator[tuple], *secondaries: Iterator[tuple]):
    """Pairs each row of `primary` with the rows of each secondary stream that share its id.

    Every stream is sorted on its first column; a secondary row whose id has no primary row
    (meta left behind by a deleted post) is skipped. The streams are closed at the end, or
    when the caller stops early."""
    try:
        yield from _merged(primary, secondaries)
    finally:
        for stream in (primary, *secondaries):
            close = getattr(stream, "close", None)
            if close:
                close()


def _merged(primary: Iterator[tuple], secondaries: tuple[Iterator[tuple], ...]):
    pending: list[tuple | None] = [next(stream, None) for stream in secondaries]
    for row in primary:
        key = row[0]
        groups = []
        for index, stream in enumerate(secondaries):
            group = []
            current = pending[index]
            while current is not None and current[0] < key:
                current = next(stream, None)
            while current is not None and current[0] == key:
                group.append(current)
                current = next(stream, None)
            pending[index] = current
            groups.append(group)
        yield row, groups


# -- values -----------------------------------------------------------------------------------


def parse_url(url: str) -> dict:
    parts = urlsplit((url or "").strip())
    database = unquote(parts.path.lstrip("/"))
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        port = None
    if parts.scheme not in ("mysql", "mariadb") or not parts.hostname or not database or not port:
        raise SourceError(
            _(
                "The database address must look like mysql://user:password@host:port/database "
                "(got “%(url)s”)."
            )
            % {"url": _without_password(url)}
        )
    return {
        "host": parts.hostname,
        "port": port,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": database,
    }


def _without_password(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.password is None:
        return url or ""
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _connection_error(error: pymysql.MySQLError, args: dict) -> SourceError:
    code = error.args[0] if error.args else 0
    names = {"host": args["host"], "port": args["port"], "user": args["user"]}
    names["database"] = args["database"]
    if code in (1044, 1045, 1698):
        message = _(
            "The database server at %(host)s:%(port)s refused the user “%(user)s”: check the "
            "user name and the password."
        )
    elif code == 1049:
        message = _("There is no database “%(database)s” on the server at %(host)s:%(port)s.")
    elif code in (2002, 2003, 2005, 2006, 2013):
        message = _(
            "No database server answers at %(host)s:%(port)s: check the host name and the port."
        )
    else:
        return SourceError(
            _("The database server at %(host)s:%(port)s could not be used: %(problem)s")
            % {**names, "problem": _server_message(error)}
        )
    return SourceError(message % names)


def _server_message(error: pymysql.MySQLError) -> str:
    return str(error.args[1]) if len(error.args) > 1 else str(error)


def utc_or_none(value) -> datetime | None:
    """A DATETIME the site stored in UTC (the *_gmt columns); 0000-00-00 is None."""
    value = naive_or_none(value)
    return value.replace(tzinfo=UTC) if value else None


def naive_or_none(value) -> datetime | None:
    # PyMySQL returns 0000-00-00 (and other dates Python cannot hold) as the string it read.
    return value if isinstance(value, datetime) else None


def optional_id(value) -> str:
    """An id column: 0 (WordPress's "none") becomes ""."""
    text = str(value if value is not None else "").strip()
    return "" if text in ("", "0") else text


def float_or_none(value) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def php_intval(value) -> int:
    match = re.match(r"\s*[+-]?\d+", str(value or ""))
    return int(match.group(0)) if match else 0


def as_text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def dict_values(value) -> list:
    if isinstance(value, dict):
        return list(value.values())
    return []
