"""Server side of the scheduler's RPC API: ``select_and_claim``.

The manager turns RPC payloads into typed requests and hands them to
``claims``; it holds the database and the Placement client (built from the
configuration on first use unless given). What must not live here: the
choosing and claiming logic itself.
"""

import logging
import threading
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from mogan import exception, rpc
from mogan import placement as placement_factory
from mogan.db import session as db_session
from mogan.placement import client as placement_client
from mogan.scheduler import blocks, candidates, claims
from mogan.scheduler import request as select_request

LOG = logging.getLogger(__name__)


class SchedulerManager(rpc.ManagerBase):
    """Endpoints the scheduler serves on its topic."""

    target = messaging.Target(version="1.3")

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        database: db_session.Database | None = None,
        placement: placement_client.PlacementClient | None = None,
    ) -> None:
        """Serve for this host, on ``database`` and ``placement`` when given.

        Either left out is built from ``conf`` when first needed, so
        constructing a manager touches neither the database nor Placement.
        """
        super().__init__(conf)
        self._database = database
        self._placement = placement
        self._lock = threading.Lock()
        self._in_flight = claims.InFlight()

    @property
    def database(self) -> db_session.Database:
        """Mogan's database (from ``[database]`` unless given)."""
        with self._lock:
            if self._database is None:
                self._database = db_session.Database.from_url(
                    db_session.url_from_conf(
                        self.conf.database.connection, self.conf.state_path
                    )
                )
            return self._database

    @property
    def placement(self) -> placement_client.PlacementClient:
        """The Placement client (from ``[placement]`` unless given)."""
        with self._lock:
            if self._placement is None:
                self._placement = placement_factory.get_client(self.conf)
            return self._placement

    # NOTE: an expected outcome, not a crash: logged quietly and sent back.
    @messaging.expected_exceptions(exception.NoValidNode)  # type: ignore[untyped-decorator]
    def select_and_claim(
        self, ctx: dict[str, Any], request: dict[str, Any]
    ) -> dict[str, str]:
        """Pick and claim nodes for the servers of ``request`` (see SchedulerAPI)."""
        del ctx
        typed = candidates.Request.from_request(
            select_request.SelectRequest.model_validate(request)
        )
        weigher = candidates.Weigher(
            mode=self.conf.scheduler.weigher, level=self.conf.scheduler.weigher_level
        )
        placed = claims.select_and_claim(
            self.database,
            self.placement,
            typed,
            retries=self.conf.scheduler.claim_retries,
            extra=self.conf.scheduler.candidate_limit,
            in_flight=self._in_flight,
            weigher=weigher,
            target=blocks.Blocks(typed, weigher=weigher) if typed.composable else None,
        )
        LOG.info(
            "%s placed %d of %d servers",
            self.conf.host,
            len(placed),
            len(typed.server_uuids),
        )
        return placed
