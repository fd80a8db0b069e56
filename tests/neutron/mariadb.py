"""MariaDB for the test Neutron: databases, their schema dump and load.

``MOGAN_NEUTRON_MYSQL`` (default ``root@127.0.0.1:3306``) names the server.
Databases are ``utf8mb4`` (Neutron's migrations need it); a migrated schema
is dumped and loaded with MariaDB's client tools (``mariadb-dump`` and
``mariadb``, or their ``mysql`` names). A Neutron's database is named
``mogan_neutron_<pid>_...``, so one left by a process that died can be
recognised and dropped (``drop_stale_databases``).

What must not live here: pytest, and Neutron itself (``support``).
"""

import contextlib
import os
import pathlib
import shutil
import subprocess
from typing import Any

import pymysql

MYSQL = os.environ.get("MOGAN_NEUTRON_MYSQL", "root@127.0.0.1:3306")
TIMEOUT = 300.0


class MariaDBUnavailable(Exception):
    """MariaDB, or its client tools, cannot be used here."""


def server() -> dict[str, Any]:
    """``MYSQL`` as PyMySQL's connection arguments."""
    user, _, address = MYSQL.rpartition("@")
    host, _, port = address.partition(":")
    user, _, password = (user or "root").partition(":")
    return {"host": host, "port": int(port or 3306), "user": user, "password": password}


def connection_url(database: str) -> str:
    """The SQLAlchemy URL of ``database`` on the server (PyMySQL, utf8mb4)."""
    s = server()
    secret = f":{s['password']}" if s["password"] else ""
    return (
        f"mysql+pymysql://{s['user']}{secret}@{s['host']}:{s['port']}/"
        f"{database}?charset=utf8mb4"
    )


def _admin_sql(*statements: str) -> None:
    """Run statements on the MariaDB server (no database selected)."""
    try:
        conn = pymysql.connect(connect_timeout=5, **server())
    except pymysql.MySQLError as err:
        raise MariaDBUnavailable(f"MariaDB at {MYSQL} unreachable: {err}") from err
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        conn.commit()
    finally:
        conn.close()


def client_tool(*names: str) -> str:
    """The first of ``names`` installed (``mariadb`` or ``mysql`` ...).

    Raises:
        MariaDBUnavailable: none is.
    """
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    msg = f"none of {', '.join(names)} is installed (MariaDB's client)"
    raise MariaDBUnavailable(msg)


def client_args() -> list[str]:
    """The client tools' arguments that reach the server."""
    s = server()
    args = ["-h", s["host"], "-P", str(s["port"]), "-u", s["user"]]
    return [*args, f"-p{s['password']}"] if s["password"] else args


def create_database(name: str, dump: pathlib.Path | None = None) -> None:
    """A new ``utf8mb4`` database, loaded from ``dump`` when given.

    Raises:
        MariaDBUnavailable: MariaDB is unreachable or refused the load.
    """
    _admin_sql(
        f"DROP DATABASE IF EXISTS `{name}`",
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
    )
    if dump is None:
        return
    with dump.open("rb") as source:
        try:
            subprocess.run(
                [client_tool("mariadb", "mysql"), *client_args(), name],
                stdin=source,
                check=True,
                capture_output=True,
                timeout=TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError) as err:
            detail = getattr(err, "stderr", b"") or b""
            msg = f"loading {dump} into {name} failed: {err} {detail[-800:]!r}"
            raise MariaDBUnavailable(msg) from err


def drop_stale_databases() -> list[str]:
    """Drop the databases of Neutrons whose test process is gone; their names.

    A test run killed hard cannot drop its Neutron's database at exit; the
    next run does (``mogan_neutron_<pid>_...`` with no such process).
    """
    try:
        conn = pymysql.connect(connect_timeout=5, **server())
    except pymysql.MySQLError:
        return []
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW DATABASES LIKE 'mogan\\_neutron\\_%'")
            names = [str(row[0]) for row in cursor.fetchall()]
    finally:
        conn.close()
    stale = []
    for name in names:
        pid = name.split("_")[2]
        if pid.isdigit() and not _alive(int(pid)):
            drop_database(name)
            stale.append(name)
    return stale


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_database(name: str) -> None:
    """Drop the database (absent is fine); errors are ignored at teardown."""
    with contextlib.suppress(MariaDBUnavailable, pymysql.MySQLError):
        _admin_sql(f"DROP DATABASE IF EXISTS `{name}`")
