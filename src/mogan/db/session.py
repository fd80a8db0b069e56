"""Engines, sessions and the transaction boundary.

A ``Database`` wraps one SQLAlchemy engine and a session factory. Callers
write ``with database.transaction() as session:``; the block commits on
success and rolls back on error. Query functions never commit. No queries
live here.

No thread may open a write transaction while it holds another: on SQLite
the inner one waits for the write lock its own outer one holds (30 s, then
fails), and on the server backends it can wait on the outer one's row locks.
``transaction`` raises ``NestedWriteTransaction`` instead, at once.

SQLite needs two fixes to behave like the server backends: foreign keys are
switched on per connection, and SQLAlchemy (not the ``sqlite3`` module) emits
``BEGIN``, so a SAVEPOINT opened by a query function nests inside the
caller's transaction instead of committing on its own.
"""

import contextlib
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, orm


def url_from_conf(connection: str | None, state_path: str) -> str:
    """The database URL: the configured one, or SQLite in the state dir."""
    if connection:
        return connection
    return f"sqlite:///{pathlib.Path(state_path) / 'mogan.sqlite'}"


READONLY_OPTION = "mogan_readonly"

# NOTE: per thread, across every Database: two handles on one SQLite file
# (the API's and the engine's in the all-in-one) share its write lock.
_writing = threading.local()


class NestedWriteTransaction(RuntimeError):
    """A write transaction was opened while this thread holds another."""


def _configure_sqlite_connection(dbapi_conn: Any, _record: Any) -> None:
    # NOTE: SQLite ignores foreign keys (and ON DELETE CASCADE) unless asked,
    # per connection; the other backends always enforce them.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # NOTE: the sqlite3 module opens a transaction only before DML, so a
    # SAVEPOINT issued first (as query functions do) started a transaction of
    # its own that its RELEASE committed, outside the caller's rollback.
    # Taking BEGIN away from the driver (see _begin_sqlite) fixes that.
    dbapi_conn.isolation_level = None


def _begin_sqlite(conn: sa.Connection) -> None:
    # NOTE: a deferred BEGIN that reads and later writes fails with
    # SQLITE_BUSY_SNAPSHOT (no busy wait) when another writer committed in
    # between, so writing transactions take the write lock up front and
    # queue behind each other; read-only ones stay deferred and concurrent.
    readonly = conn.get_execution_options().get(READONLY_OPTION, False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def make_engine(url: str, echo: bool = False) -> sa.Engine:
    """An engine for ``url`` with the per-backend settings Mogan relies on."""
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("sqlite"):
        # NOTE: API threads share the file; WAL lets readers run beside a
        # writer and the timeout waits out short write locks.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    if url.startswith(("mysql", "mariadb")):
        # NOTE: as on PostgreSQL, each statement sees what is committed: under
        # MariaDB's REPEATABLE READ a count taken after a lock (quota, zones)
        # would still read the snapshot from the transaction's first read.
        kwargs["isolation_level"] = "READ COMMITTED"
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _configure_sqlite_connection)
        event.listen(engine, "begin", _begin_sqlite)
    return engine


class Database:
    """One database: its engine and the transaction boundary."""

    def __init__(self, engine: sa.Engine) -> None:
        """Wrap ``engine``; sessions keep objects usable after commit."""
        self.engine = engine
        self._sessionmaker = orm.sessionmaker(engine, expire_on_commit=False)
        self._readonly_sessionmaker = orm.sessionmaker(
            engine.execution_options(**{READONLY_OPTION: True}),
            expire_on_commit=False,
        )

    @classmethod
    def from_url(cls, url: str, echo: bool = False) -> "Database":
        """Open the database at ``url``."""
        return cls(make_engine(url, echo=echo))

    @classmethod
    def from_conf(cls, conf: Any) -> "Database":
        """Open the database ``[database]`` names (default: SQLite in state_path)."""
        return cls.from_url(
            url_from_conf(conf.database.connection, conf.state_path),
            echo=conf.database.connection_debug,
        )

    @contextlib.contextmanager
    def transaction(self, readonly: bool = False) -> Iterator[orm.Session]:
        """A session inside one transaction: commit on success, else roll back.

        Args:
            readonly: the block only reads. On SQLite it then runs beside
                writers instead of queueing for the write lock; writing in
                such a block is a bug (it may fail under contention).

        Raises:
            NestedWriteTransaction: a write transaction opened while this
                thread already holds one (a programming error: commit the
                first, or pass its session down).
        """
        if readonly:
            with self._readonly_sessionmaker() as session, session.begin():
                yield session
            return
        if getattr(_writing, "depth", 0):
            msg = (
                "a write transaction was opened while this thread holds "
                "another; finish the first or pass its session down"
            )
            raise NestedWriteTransaction(msg)
        _writing.depth = 1
        try:
            with self._sessionmaker() as session, session.begin():
                yield session
        finally:
            _writing.depth = 0

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
