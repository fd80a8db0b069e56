"""Enrolment on the engine: add, change and remove nodes through the driver.

The engine's RPC manager calls these for ``POST``, ``PATCH`` and
``DELETE /v1/nodes`` (microversion 1.6): the driver validates the BMC and
enrols (changes, removes) the node, then the node is synced into Mogan's
``nodes`` and Placement at once (``node_sync.sync_node``,
``forget_node``), so the API answers with the node as it now is. Driver
errors become ``mogan.exception`` classes, the only ones that cross the bus
as themselves. The BMC password is handed to the driver and nowhere else:
no log line here names it, and ``nodes.driver_info`` holds
``DriverInfo.shown()`` only.

What must not live here: request checks the API can make itself
(``services.node_enrolment``), and SQL (``mogan.db.api``).
"""

import dataclasses
import logging
from typing import Any

from mogan import exception
from mogan.db.api import node as node_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import node_sync, workflow
from mogan.placement import client as placement_client
from mogan.services import node_enrolment

LOG = logging.getLogger(__name__)
WHAT = "enrol nodes"


def _bmc(info: node_enrolment.DriverInfo) -> driver_base.BmcAccess:
    return driver_base.BmcAccess(
        address=info.bmc_address,
        username=info.username,
        password=info.password,
        verify_tls=info.verify_ca,
    )


def _validated(
    enroller: driver_base.EnrollInterface, info: node_enrolment.DriverInfo
) -> driver_base.BmcAccess:
    """The BMC access, once the BMC answered to it.

    Raises:
        InvalidParameter: the BMC is unreachable or refuses (``driver_info``).
    """
    bmc = _bmc(info)
    try:
        enroller.validate_bmc(bmc)
    except driver_base.BmcRefused as err:
        raise exception.InvalidParameter(
            field="driver_info", reason=err.message
        ) from err
    return bmc


def _driver_failed(
    node_uuid: str, err: driver_base.DriverError
) -> exception.MoganError:
    """A driver error as it crosses the bus."""
    if isinstance(err, driver_base.NodeNotFound):
        return exception.NodeNotFound(node=node_uuid)
    if isinstance(err, driver_base.NodeNameTaken):
        return exception.Conflict(reason=err.message)
    return exception.DriverFailed(node=node_uuid, reason=err.message)


def _show(deps: workflow.Deps, node_uuid: str, info: dict[str, Any] | None) -> None:
    with deps.db.transaction() as session:
        node_db.update(session, node_uuid, {"driver_info": info})


def enroll(
    deps: workflow.Deps, node: dict[str, Any], driver_info: dict[str, Any]
) -> None:
    """Enrol a node and sync it (see ``EngineAPI.enroll_node``)."""
    enroller = driver_caps.require(deps.driver, driver_base.EnrollInterface, WHAT)
    wanted = node_enrolment.EnrolmentNode.from_wire(node)
    info = node_enrolment.DriverInfo.from_wire(driver_info)
    # NOTE: not validated here first: ``enroll`` checks the BMC (and reads
    # the inventory) itself, raising BmcRefused, so one read is enough.
    bmc = _bmc(info)
    spec = driver_base.NodeSpec(
        uuid=wanted.uuid,
        name=wanted.name,
        resource_class=wanted.resource_class,
        traits=wanted.traits,
        properties=dict(wanted.properties),
    )
    try:
        enroller.enroll(spec, bmc)
    except driver_base.BmcRefused as err:
        raise exception.InvalidParameter(
            field="driver_info", reason=err.message
        ) from err
    except driver_base.DriverError as err:
        if isinstance(err, driver_base.NodeNameTaken):
            raise exception.NodeExists(name=wanted.name) from err
        raise _driver_failed(wanted.uuid, err) from err
    try:
        node_sync.sync_node(deps.db, deps.driver, deps.placement, wanted.uuid)
    except (placement_client.PlacementError, placement_client.ClaimConflict) as err:
        # NOTE: a node Mogan cannot offer is not enrolled: undo, say why.
        LOG.warning("%s: enrolled node %s not synced: %s", deps.host, wanted.uuid, err)
        enroller.unenroll(wanted.uuid)
        raise exception.ServiceUnavailable(
            reason=f"Placement refused the node, try again: {err}"
        ) from err
    _show(deps, wanted.uuid, info.shown())
    LOG.info("%s: enrolled node %s (%s)", deps.host, wanted.uuid, wanted.name)


def update(
    deps: workflow.Deps,
    node_uuid: str,
    node: dict[str, Any],
    driver_info: dict[str, Any] | None,
) -> None:
    """Change a node (and its BMC access) and sync it (see ``EngineAPI``)."""
    enroller = driver_caps.require(deps.driver, driver_base.EnrollInterface, WHAT)
    wanted = node_enrolment.EnrolmentNode.from_wire(node)
    info = (
        None
        if driver_info is None
        else node_enrolment.DriverInfo.from_wire(driver_info)
    )
    bmc = None if info is None else _validated(enroller, info)
    try:
        current = deps.driver.get_node(node_uuid)
        enroller.update_node(
            dataclasses.replace(
                current,
                name=wanted.name,
                resource_class=wanted.resource_class,
                traits=wanted.traits,
                properties=dict(wanted.properties),
            ),
            bmc,
        )
    except driver_base.BmcRefused as err:
        raise exception.InvalidParameter(
            field="driver_info", reason=err.message
        ) from err
    except driver_base.DriverError as err:
        if isinstance(err, driver_base.NodeNameTaken):
            raise exception.NodeExists(name=wanted.name) from err
        raise _driver_failed(node_uuid, err) from err
    try:
        node_sync.sync_node(deps.db, deps.driver, deps.placement, node_uuid)
    except (placement_client.PlacementError, placement_client.ClaimConflict) as err:
        raise exception.ServiceUnavailable(
            reason=f"node changed; Placement refused it, the node sync retries: {err}"
        ) from err
    if info is not None:
        _show(deps, node_uuid, info.shown())
    LOG.info("%s: changed node %s", deps.host, node_uuid)


def unenroll(deps: workflow.Deps, node_uuid: str) -> None:
    """Remove a node carrying no server (see ``EngineAPI.unenroll_node``).

    The node is marked as leaving first (``nodes.leaving_at``), so no node
    sync, on this engine or another, writes its provider again. Then the
    provider goes: Placement refuses to delete a provider holding
    allocations (a claim: the node is in use), and once it is gone no claim
    can land on the node while the driver forgets it. Should Placement or
    the driver refuse, the mark is cleared and the node synced back.
    """
    enroller = driver_caps.require(deps.driver, driver_base.EnrollInterface, WHAT)
    with deps.db.transaction() as session:
        row = node_db.find(session, node_uuid)
        if row is not None:
            node_enrolment.check_free(node_uuid, row.server_uuid, row.reservation)
            if not node_db.mark_leaving(session, node_uuid):
                raise exception.NodeInUse(node=node_uuid, reason="it was just taken")
            # NOTE: read again once marked: a sync that wrote before the
            # mark may have created the provider (``provider_synced``).
            session.refresh(row)
    if row is None or row.provider_synced:
        try:
            _delete_provider(deps, node_uuid)
        except exception.MoganError:
            _stay(deps, node_uuid)
            raise
    try:
        enroller.unenroll(node_uuid)
    except driver_base.NodeNotFound:
        LOG.info("%s: node %s was already gone from the driver", deps.host, node_uuid)
    except driver_base.DriverError as err:
        _stay(deps, node_uuid)
        _restore(deps, node_uuid)
        raise exception.NodeInUse(node=node_uuid, reason=err.message) from err
    if not node_sync.forget_node(deps.db, deps.placement, node_uuid, deps.host):
        raise exception.ServiceUnavailable(
            reason="node removed from the driver; Placement kept its provider, "
            "the node sync removes it"
        )
    LOG.info("%s: removed node %s", deps.host, node_uuid)


def _stay(deps: workflow.Deps, node_uuid: str) -> None:
    """Clear the leaving mark of a node whose removal was refused."""
    with deps.db.transaction() as session:
        node_db.clear_leaving(session, node_uuid)


def _delete_provider(deps: workflow.Deps, node_uuid: str) -> None:
    """Delete the node's provider, or say why not.

    Raises:
        NodeInUse: Placement holds a claim against it.
        ServiceUnavailable: Placement failed.
    """
    try:
        deps.placement.delete_provider(node_uuid)
    except placement_client.PlacementError as err:
        try:
            claims = deps.placement.provider_allocations(node_uuid)
        except placement_client.PlacementError:
            claims = {}
        if claims:
            raise exception.NodeInUse(
                node=node_uuid, reason=f"Placement holds claims by {', '.join(claims)}"
            ) from err
        raise exception.ServiceUnavailable(
            reason=f"Placement could not remove the node, try again: {err}"
        ) from err


def _restore(deps: workflow.Deps, node_uuid: str) -> None:
    """Put back the provider of a node the driver refused to remove."""
    try:
        node_sync.sync_node(deps.db, deps.driver, deps.placement, node_uuid)
    except (exception.MoganError, driver_base.DriverError) as err:
        LOG.warning(
            "%s: node %s kept but not synced back (the node sync will): %s",
            deps.host,
            node_uuid,
            err,
        )
