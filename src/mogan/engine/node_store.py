"""``DbNodeStore``: a driver's enrolled nodes in Mogan's database.

The composition roots hand it to a driver that declares
``Driver.needs_store`` (``attach``), so every engine sees the same nodes
(``driver_nodes``, queries in ``mogan.db.api.driver_node``). BMC passwords
are sealed with ``[DEFAULT] secret_key`` (``mogan.crypto``) before they
reach the database and opened only when the driver reads a node; every
write of a node's state is a compare-and-set on its version. Each call is
one short transaction of its own and never opens one inside another: call
it outside any write transaction of the caller's thread (the database
refuses nested writes, ``NestedWriteTransaction``).

What must not live here: the driver's rules (what its state means), and
the node sync into ``nodes`` and Placement (``engine.node_sync``).
"""

import copy
import logging
from typing import Any

from oslo_config import cfg
from sqlalchemy import exc as sa_exc

from mogan import crypto
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import driver_node as driver_node_db
from mogan.drivers import base as driver_base
from mogan.drivers import errors as driver_errors
from mogan.drivers import store

LOG = logging.getLogger(__name__)


class DbNodeStore:
    """A ``drivers.store.NodeStore`` over the ``driver_nodes`` table."""

    def __init__(
        self, database: db_session.Database, driver: str, sealer: crypto.Sealer
    ) -> None:
        """The nodes of ``driver`` in ``database``, passwords sealed by ``sealer``."""
        self._db = database
        self._driver = driver
        self._sealer = sealer

    # ------------------------------------------------------------ reading

    def _stored(self, row: models.DriverNode) -> store.StoredNode:
        """A row as the driver sees it (the password opened)."""
        spec = driver_base.NodeSpec(
            uuid=row.uuid,
            name=row.name,
            resource_class=row.resource_class,
            traits=tuple(row.traits or ()),
            properties=copy.deepcopy(dict(row.properties or {})),
            ports=tuple(row.ports or ()),
            maintenance=row.maintenance,
        )
        try:
            password = self._sealer.open(row.bmc_password)
        except crypto.SecretUnreadable as err:
            # NOTE: the driver cannot reach this BMC until an operator puts
            # the old key back in previous_secret_keys (or re-enters it).
            raise driver_errors.DriverError(
                node=row.uuid, reason=f"its BMC password: {err.message}"
            ) from err
        bmc = driver_base.BmcAccess(
            address=row.bmc_address,
            username=row.bmc_username,
            password=password,
            verify_tls=row.bmc_verify_tls,
        )
        return store.StoredNode(
            spec=spec,
            bmc=bmc,
            state=copy.deepcopy(dict(row.state or {})),
            version=row.version,
        )

    def get(self, node_uuid: str) -> store.StoredNode:
        """One node.

        Raises:
            NodeNotFound: no such node.
        """
        with self._db.transaction(readonly=True) as session:
            row = driver_node_db.find(session, node_uuid)
            if row is None or row.driver != self._driver:
                raise driver_errors.NodeNotFound(node=node_uuid)
            return self._stored(row)

    def list(self) -> list[store.StoredNode]:
        """Every node of the driver, by name."""
        with self._db.transaction(readonly=True) as session:
            rows = driver_node_db.get_all(session, self._driver)
            return [self._stored(row) for row in rows]

    # ------------------------------------------------------------ writing

    def _columns(
        self, spec: driver_base.NodeSpec | None, bmc: driver_base.BmcAccess | None
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if spec is not None:
            values |= {
                "name": spec.name,
                "resource_class": spec.resource_class,
                "traits": list(spec.traits),
                "properties": copy.deepcopy(dict(spec.properties)),
                "ports": list(spec.ports),
                "maintenance": spec.maintenance,
            }
        if bmc is not None:
            values |= {
                "bmc_address": bmc.address,
                "bmc_username": bmc.username,
                "bmc_password": self._sealer.seal(bmc.password),
                "bmc_verify_tls": bmc.verify_tls,
            }
        return values

    def add(
        self,
        spec: driver_base.NodeSpec,
        bmc: driver_base.BmcAccess,
        state: dict[str, Any],
    ) -> bool:
        """Store a new node; False when its uuid is already there (unchanged).

        Raises:
            DriverError: another node of the driver has the name.
        """
        values = self._columns(spec, bmc) | {
            "uuid": spec.uuid,
            "driver": self._driver,
            "state": copy.deepcopy(state),
            "version": 1,
        }
        try:
            with self._db.transaction() as session:
                return driver_node_db.create(session, values)
        except sa_exc.IntegrityError as err:
            raise driver_errors.NodeNameTaken(node=spec.uuid, name=spec.name) from err

    def save_state(
        self, node_uuid: str, state: dict[str, Any], expect_version: int
    ) -> bool:
        """Replace the node's state if its version is still ``expect_version``.

        Returns:
            False when another write came first (read again and decide).

        Raises:
            NodeNotFound: no such node.
        """
        with self._db.transaction() as session:
            if driver_node_db.save_state(
                session, node_uuid, copy.deepcopy(state), expect_version
            ):
                return True
            row = driver_node_db.find(session, node_uuid)
        if row is None or row.driver != self._driver:
            raise driver_errors.NodeNotFound(node=node_uuid)
        return False

    def update(
        self,
        node_uuid: str,
        spec: driver_base.NodeSpec | None = None,
        bmc: driver_base.BmcAccess | None = None,
    ) -> None:
        """Replace the node's spec and/or BMC access (its state is kept).

        Raises:
            NodeNotFound: no such node.
            DriverError: another node has the new name.
        """
        values = self._columns(spec, bmc)
        try:
            with self._db.transaction() as session:
                row = driver_node_db.find(session, node_uuid)
                if row is None or row.driver != self._driver:
                    raise driver_errors.NodeNotFound(node=node_uuid)
                if spec is not None and driver_node_db.name_taken(
                    session, self._driver, spec.name, other_than=node_uuid
                ):
                    raise driver_errors.NodeNameTaken(node=node_uuid, name=spec.name)
                if values:
                    driver_node_db.update(session, node_uuid, values)
        except sa_exc.IntegrityError as err:
            # NOTE: a concurrent rename took the name between check and write.
            name = spec.name if spec is not None else "?"
            raise driver_errors.NodeNameTaken(node=node_uuid, name=name) from err

    def remove(self, node_uuid: str) -> None:
        """Forget the node (a gone node: no-op)."""
        with self._db.transaction() as session:
            row = driver_node_db.find(session, node_uuid)
            if row is not None and row.driver == self._driver:
                driver_node_db.destroy(session, node_uuid)


def attach(
    driver: driver_base.Driver,
    database: db_session.Database,
    conf: cfg.ConfigOpts,
    media: store.MediaStore | None = None,
) -> None:
    """Give ``driver`` its stores if it needs them (``Driver.needs_store``).

    The engine calls it once the driver is built (``deps.build_deps``, and
    ``EngineService`` with the deploy media it serves): the node store over
    Mogan's database, and ``media`` (``engine.deploy_media``) when given. A
    driver that has its node store already keeps it (and gets ``media`` if
    it had none).
    """
    if not driver.needs_store:
        return
    nodes = getattr(driver, "node_store", None)
    if nodes is None:
        nodes = DbNodeStore(database, driver.name, crypto.Sealer.from_conf(conf))
        LOG.info("driver %s keeps its nodes in Mogan's database", driver.name)
    elif media is None or getattr(driver, "media_store", None) is not None:
        return
    driver.use_store(nodes, media=media)
