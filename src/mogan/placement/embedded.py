"""The real OpenStack Placement, embedded: its WSGI app on a private config.

Placement keeps its own SQLite database (``placement.sqlite`` in the state
dir) and runs with ``noauth2`` (the token ``admin`` acts as admin). The
all-in-one and the tests reach it in-process; other processes reach it over
HTTP where the all-in-one serves it (``/placement`` prefix is not used:
it gets its own loopback port).

Placement configures its database engine once per process (its
``db_api.configure`` runs only once), so a process holds at most ONE embedded
Placement: :func:`shared_app` builds it on first use and hands the same app
to every later caller. What must not live here: HTTP clients (see
``mogan.placement.factory``).

On PostgreSQL through psycopg 3 (``postgresql+psycopg://``, the driver Mogan
ships), Placement's database is opened with :class:`PlacementPsycopgDialect`:
Placement reads ``lastrowid`` after an insert, which psycopg 2 cursors have
and psycopg 3 cursors lack.
"""

import pathlib
import threading
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy.dialects.postgresql import psycopg as sa_psycopg

_LOCK = threading.Lock()
# NOTE: a dict rather than a global statement: {"app": ..., "where": ...}.
_SHARED: dict[str, Any] = {}
PSYCOPG_DRIVER = "psycopg"
PLACEMENT_PSYCOPG_DRIVER = "mogan_placement_psycopg"


class _PlacementPsycopgContext(sa_psycopg.PGExecutionContext_psycopg):
    """psycopg 3 execution context with the ``lastrowid`` psycopg 2 gives."""

    def get_lastrowid(self) -> Any:
        """None, as a psycopg 2 cursor reports for a table without OIDs."""
        # NOTE: Placement stores the value on an allocation object it then
        # drops (allocation.py, _set_allocations); nothing reads it back.
        return None


class PlacementPsycopgDialect(sa_psycopg.PGDialect_psycopg):
    """SQLAlchemy's psycopg 3 dialect, tolerating Placement's ``lastrowid``."""

    execution_ctx_cls = _PlacementPsycopgContext
    # NOTE: only the execution context differs, so SQLAlchemy's statement
    # cache is as safe here as in the parent dialect (and without this
    # flag it is off, and every statement warns).
    supports_statement_cache = True


sa.dialects.registry.register(
    f"postgresql.{PLACEMENT_PSYCOPG_DRIVER}", __name__, "PlacementPsycopgDialect"
)


def _placement_url(connection: str) -> str:
    """``connection`` with psycopg 3 swapped for the dialect Placement can use."""
    url = sa.make_url(connection)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == (
        PSYCOPG_DRIVER
    ):
        url = url.set(drivername=f"postgresql+{PLACEMENT_PSYCOPG_DRIVER}")
    return url.render_as_string(hide_password=False)


def make_app(state_path: str, connection: str | None = None) -> Any:
    """A Placement WSGI app with its database migrated.

    Args:
        state_path: directory for ``placement.sqlite``.
        connection: a database URL instead of the SQLite file.

    Returns:
        The WSGI application.
    """
    # NOTE: imported lazily: only processes that embed Placement pay for it.
    import placement.conf  # noqa: PLC0415
    import placement.db_api  # noqa: PLC0415
    import placement.deploy  # noqa: PLC0415

    url = (
        _placement_url(connection)
        if connection
        else f"sqlite:///{pathlib.Path(state_path) / 'placement.sqlite'}"
    )
    conf = cfg.ConfigOpts()
    placement.conf.register_opts(conf)
    conf.set_default("connection", url, group="placement_database")
    conf([], project="placement", default_config_files=[], default_config_dirs=[])
    conf.set_override("auth_strategy", "noauth2", group="api")
    conf.set_override("sync_on_startup", True, group="placement_database")
    # NOTE: with a limit, Placement otherwise returns the same first
    # candidates to every scheduler, which then race for the same nodes.
    conf.set_override("randomize_allocation_candidates", True, group="placement")
    # NOTE: Placement retries a POST /allocations that hit a provider
    # generation conflict inside the request's own transaction, where the
    # usage it compares against still counts the first try's rows: on
    # PostgreSQL two concurrent claims on one free node can then both
    # succeed ("reduces existing overage from 2 to 2"). With one try the
    # conflict is a 409 and the scheduler retries in a fresh transaction.
    conf.set_override("allocation_conflict_retry_count", 1, group="placement")
    placement.db_api.configure(conf)
    return placement.deploy.loadapp(conf)


def shared_app(state_path: str, connection: str | None = None) -> Any:
    """The process's embedded Placement app, built on the first call.

    Later calls get the same app whatever they pass: the first caller decides
    where its database lives.

    Args:
        state_path: directory for ``placement.sqlite`` (first call only).
        connection: a database URL instead of the SQLite file (first call only).

    Returns:
        The WSGI application.
    """
    with _LOCK:
        if "app" not in _SHARED:
            app = make_app(state_path, connection)
            if connection is None or connection.startswith("sqlite"):
                app = _OneAtATime(app)
            _SHARED["app"] = app
            _SHARED["where"] = connection or state_path
        return _SHARED["app"]


class _OneAtATime:
    """Runs one request at a time through an app on SQLite.

    SQLite has one writer; two Placement transactions that both read and
    then write fail with "database is locked" (a 500) instead of waiting.
    Claims stay optimistic (generations and 409s decide races); this only
    queues requests at the door of the SQLite-backed embedded Placement.
    """

    def __init__(self, app: Any) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        """Run the request and read its whole body under the lock."""
        with self._lock:
            result = self._app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
