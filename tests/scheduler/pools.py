"""Composition pools on the team's Redfish emulator, synced into Mogan and Placement.

A test sets a pool spec (``tests/redfish/specs.py``) on the emulator and
registers it through the engine's ``CompositionServices`` on the
``redfish`` driver, exactly as ``POST /v1/composition_services`` does: the
blocks land in ``resource_blocks`` and as nested providers in the embedded
Placement. The scheduler then places composed servers on them.
"""

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg

from mogan import crypto
from mogan.db import models
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.drivers import redfish
from mogan.engine import composition_sync
from mogan.placement import client as placement_client
from tests.redfish import support


def access(emulator: support.Emulator) -> driver_base.BmcAccess:
    """How to reach the emulator's composition service."""
    return driver_base.BmcAccess(
        address=emulator.url,
        username=emulator.username,
        password=emulator.password,
        verify_tls=False,
    )


@contextlib.contextmanager
def redfish_driver(conf: cfg.ConfigOpts) -> Iterator[redfish.RedfishDriver]:
    """The redfish driver with fast retries."""
    redfish.RedfishDriver.register_opts(conf)
    conf.set_override("server_side_retries", 1, "redfish")
    conf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(conf)
    try:
        yield driver
    finally:
        driver.close()


def services(
    database: db_session.Database,
    driver: redfish.RedfishDriver,
    placement: placement_client.PlacementClient,
) -> composition_sync.CompositionServices:
    """The engine's composition services."""
    sealer = crypto.Sealer([crypto.generate_key().encode()])
    return composition_sync.CompositionServices(database, driver, placement, sealer)


def register(
    emulator: support.Emulator,
    svc: composition_sync.CompositionServices,
    pool: dict[str, Any],
    name: str | None = None,
) -> str:
    """Serve ``pool`` and register it as a service; its uuid."""
    emulator.set_pool(pool)
    return svc.register(name or f"pool-{uuid.uuid4().hex[:6]}", access(emulator))


def blocks(database: db_session.Database) -> dict[str, models.ResourceBlock]:
    """Every block row by block id (detached copies)."""
    with database.transaction(readonly=True) as session:
        rows = session.scalars(sa.select(models.ResourceBlock)).all()
        session.expunge_all()
        return {row.block_id: row for row in rows}


def composed(database: db_session.Database) -> dict[str, models.ComposedSystem]:
    """Every composed_systems row by server uuid (detached copies)."""
    with database.transaction(readonly=True) as session:
        rows = session.scalars(sa.select(models.ComposedSystem)).all()
        session.expunge_all()
        return {row.server_uuid: row for row in rows}
