"""Readiness: whether an engine has loaded the nodes, so servers can be built.

On a fresh deployment the API answers a second or so before any engine has
synced its driver's nodes; a server created then fails scheduling with
"0 nodes". So creates are refused with 503 (and ``Retry-After``) and the
API's ``/healthcheck`` reports not ready until the first node sync is
recorded in the database (``node_syncs``), whichever process ran it.

Once loaded, always loaded: nodes stay in the database across restarts, so
the answer is cached and later checks cost no database round trip.
"""

import logging

from sqlalchemy import exc as sa_exc

from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import node_sync as node_sync_db

LOG = logging.getLogger(__name__)

RETRY_AFTER = 5
"""Seconds a refused client should wait: the first sync runs at engine start."""
NOT_LOADED = "no engine has loaded the nodes yet"


class Readiness:
    """Whether the nodes are loaded, for one database."""

    def __init__(self, database: db_session.Database) -> None:
        """Answer for ``database``."""
        self.database = database
        self._loaded = False

    def loaded(self) -> bool:
        """Whether an engine has completed a node sync.

        Raises:
            sqlalchemy.exc.SQLAlchemyError: the database cannot be read.
        """
        if not self._loaded:
            with self.database.transaction(readonly=True) as session:
                self._loaded = node_sync_db.loaded(session)
        return self._loaded

    def why_not(self) -> str | None:
        """Why the API is not ready, or None when it is (never raises)."""
        try:
            return None if self.loaded() else NOT_LOADED
        except sa_exc.SQLAlchemyError as err:
            LOG.warning("readiness: the database cannot be read: %s", err)
            return "the database cannot be read"

    def require(self) -> None:
        """Refuse, until the nodes are loaded, what needs them.

        Raises:
            ServiceUnavailable: no engine has loaded the nodes yet.
        """
        if not self.loaded():
            raise exception.ServiceUnavailable(
                reason=f"{NOT_LOADED}; retry in a few seconds",
                retry_after=RETRY_AFTER,
            )
