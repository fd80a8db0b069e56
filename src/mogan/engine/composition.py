"""Composition services on the engine: the RPC calls behind the API (1.6).

The engine's RPC manager calls these for ``POST``, ``PATCH`` and ``DELETE
/v1/composition_services`` (microversion 1.7): the driver checks the
service answers (``list_resource_zones``), the service is stored with its
password sealed, and synced at once (``composition_sync``), so the API
answers with its zones and blocks counted. Driver errors become
``mogan.exception`` classes, the only ones that cross the bus as
themselves. The password reaches the driver and the sealer, nothing else:
no log line here names it.

What must not live here: request checks the API can make itself
(``services.composition_service``), the sync (``composition_sync``).
"""

import logging
from typing import Any

from mogan import crypto, exception
from mogan.db.api import composition as composition_db
from mogan.drivers import base as driver_base
from mogan.engine import composition_removal, composition_sync, workflow
from mogan.placement import client as placement_client
from mogan.services import composition_service as cs_svc

LOG = logging.getLogger(__name__)


def services(deps: workflow.Deps) -> composition_sync.CompositionServices:
    """The engine's composition services (its driver, database, Placement)."""
    return composition_sync.CompositionServices(
        deps.db, deps.driver, deps.placement, crypto.Sealer.from_conf(deps.conf)
    )


def _access(info: cs_svc.ServiceAccess) -> driver_base.BmcAccess:
    return driver_base.BmcAccess(
        address=info.address,
        username=info.username,
        password=info.password,
        verify_tls=info.verify_ca,
    )


def _refused(err: driver_base.DriverError) -> exception.InvalidParameter:
    """The service unreachable, refusing, or no composition service: a 400."""
    return exception.InvalidParameter(field="driver_info", reason=err.message)


def create(
    deps: workflow.Deps, service_uuid: str, name: str, driver_info: dict[str, Any]
) -> None:
    """Check, store and sync a new service (see ``EngineAPI``)."""
    info = cs_svc.ServiceAccess.from_wire(driver_info)
    try:
        services(deps).register(name, _access(info), service_uuid=service_uuid)
    except driver_base.DriverError as err:
        raise _refused(err) from err


def update(
    deps: workflow.Deps,
    service_uuid: str,
    name: str | None,
    driver_info: dict[str, Any] | None,
) -> None:
    """Rename a service and/or change how it is reached, then sync it."""
    svc = services(deps)
    access = None
    if driver_info is not None:
        access = _access(cs_svc.ServiceAccess.from_wire(driver_info))
        try:
            svc.check(access)
        except driver_base.DriverError as err:
            raise _refused(err) from err
    svc.change(service_uuid, name, access)
    try:
        svc.sync(service_uuid)
    except (driver_base.DriverError, placement_client.PlacementError) as err:
        # NOTE: the change is stored; the periodic sync tries again.
        LOG.warning("composition service %s: sync failed: %s", service_uuid, err)


def delete(deps: workflow.Deps, service_uuid: str) -> None:
    """Forget a service whose blocks nobody claims (see ``EngineAPI``)."""
    composition_removal.remove(deps.db, deps.placement, service_uuid)


def sync_all(deps: workflow.Deps) -> None:
    """The periodic sync of every service (no service: nothing to do)."""
    with deps.db.transaction(readonly=True) as session:
        if not composition_db.get_all(session):
            return
    services(deps).sync_all()
