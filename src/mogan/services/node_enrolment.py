"""Enrolling nodes into Mogan itself: add, change and remove nodes (microversion 1.6).

Only the engine holds a driver, so the API asks it over RPC
(``Engine.enroll_node``, ``update_node``, ``unenroll_node``): the engine
validates the BMC, has the driver enrol (change, remove) the node, and
syncs it into ``nodes`` and Placement before it answers, so the API shows
the node at once. This module checks first what can be checked without the
engine (the driver is the engine's, the name is free, no server is on the
node), so the usual refusals are immediate, and carries the request in the
typed form that crosses the bus (``EnrolmentNode``, ``DriverInfo``).

Credentials are write-only: ``DriverInfo.password`` is left out of its
``repr`` and of ``shown()``, which is all that is stored in ``nodes`` or
answered; it crosses the bus once, to the engine, whose driver keeps it
sealed (``engine.node_store``).

What must not live here: the driver calls and the node sync (the engine's).
"""

import dataclasses
from typing import Any

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db.api import composition as composition_db
from mogan.db.api import node as node_db
from mogan.db.api import node_view as node_db_view
from mogan.services import engine_calls
from mogan.services import node as node_svc

ENROL = "enrol a node"
UPDATE = "change a node"
UNENROL = "remove a node"


@dataclasses.dataclass(frozen=True)
class DriverInfo:
    """How the engine's driver reaches a node's BMC."""

    address: str
    username: str
    password: str = dataclasses.field(repr=False)
    system_id: str | None = None
    verify_ca: bool = True

    def shown(self) -> dict[str, Any]:
        """What may be stored in ``nodes`` and answered: all but the password."""
        return {
            "address": self.address,
            "system_id": self.system_id,
            "username": self.username,
            "verify_ca": self.verify_ca,
        }

    @property
    def bmc_address(self) -> str:
        """The address in the driver's form: the system's path appended."""
        if not self.system_id:
            return self.address
        return self.address.rstrip("/") + self.system_id

    def to_wire(self) -> dict[str, Any]:
        """As it crosses the bus (the engine's RPC call, never a log)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_wire(cls, value: dict[str, Any]) -> "DriverInfo":
        """From the bus (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in value.items() if k in names})


@dataclasses.dataclass(frozen=True)
class EnrolmentNode:
    """What Mogan knows an enrolled node as."""

    uuid: str
    name: str
    resource_class: str
    traits: tuple[str, ...] = ()
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """As it crosses the bus."""
        return {**dataclasses.asdict(self), "traits": list(self.traits)}

    @classmethod
    def from_wire(cls, value: dict[str, Any]) -> "EnrolmentNode":
        """From the bus (unknown keys ignored)."""
        names = {f.name for f in dataclasses.fields(cls)}
        fields = {k: v for k, v in value.items() if k in names}
        return cls(**fields | {"traits": tuple(fields.get("traits") or ())})


# NOTE: the URL schemes a driver's BMC addresses may use; a driver not
# listed takes http and https.
SCHEMES = {"redfish": ("http", "https"), "fake": ("fake",)}


def _check_driver(ctx_driver: str, configured: str) -> None:
    if ctx_driver != configured:
        raise exception.InvalidParameter(
            field="driver",
            reason=f"the engine's driver is {configured}, not {ctx_driver}",
        )


def check_address(configured_driver: str, info: DriverInfo) -> None:
    """The BMC address has a scheme the engine's driver takes.

    Raises:
        InvalidParameter: another scheme (field ``driver_info.address``).
    """
    schemes = SCHEMES.get(configured_driver, ("http", "https"))
    scheme = info.address.split("://", 1)[0]
    if scheme not in schemes:
        raise exception.InvalidParameter(
            field="driver_info.address",
            reason=f"driver {configured_driver} takes {' or '.join(schemes)} "
            f"addresses, not {scheme}",
        )


def _check_name_free(
    ctx: mogan_context.RequestContext, name: str, node_uuid: str | None = None
) -> None:
    with ctx.database.transaction(readonly=True) as session:
        try:
            found = node_db_view.find(session, name, field="name")
        except exception.NodeNotFound:
            return
        except exception.InvalidParameter:
            raise exception.NodeExists(name=name) from None
    if found.uuid != node_uuid:
        raise exception.NodeExists(name=name)


def enroll(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    *,
    driver: str,
    configured_driver: str,
    node: EnrolmentNode,
    driver_info: DriverInfo,
) -> node_svc.NodeDetail:
    """Enrol a node through the engine; the node as Mogan now shows it.

    Raises:
        InvalidParameter: ``driver`` is not the engine's, or the BMC refused.
        NodeExists: another node has the name.
        EngineUnavailable: no engine is running or none answered.
        DriverCannot: the engine's driver cannot enrol nodes.
    """
    _check_driver(driver, configured_driver)
    check_address(configured_driver, driver_info)
    _check_name_free(ctx, node.name)
    engine_calls.require_engine(ctx, heartbeat_interval, ENROL)
    if not node.uuid:
        node = dataclasses.replace(node, uuid=uuidutils.generate_uuid())
    engine_calls.call_engine(
        ENROL,
        engine.enroll_node,
        engine_calls.rpc_context(ctx),
        node.to_wire(),
        driver_info.to_wire(),
    )
    return node_svc.get(ctx, node.uuid)


def update(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    node_uuid: str,
    *,
    configured_driver: str,
    node: EnrolmentNode,
    driver_info: DriverInfo | None,
) -> node_svc.NodeDetail:
    """Change a node through the engine; the node as Mogan now shows it.

    Raises:
        NodeNotFound: no such node.
        NodeExists: another node has the new name.
        InvalidParameter: the new BMC address or the BMC refused.
        EngineUnavailable: no engine is running or none answered.
    """
    if driver_info is not None:
        check_address(configured_driver, driver_info)
    _check_not_composed(ctx, node_uuid)
    _check_name_free(ctx, node.name, node_uuid)
    engine_calls.require_engine(ctx, heartbeat_interval, UPDATE)
    engine_calls.call_engine(
        UPDATE,
        engine.update_node,
        engine_calls.rpc_context(ctx),
        node_uuid,
        node.to_wire(),
        driver_info.to_wire() if driver_info is not None else None,
    )
    return node_svc.get(ctx, node_uuid)


def delete(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    node_uuid: str,
) -> None:
    """Remove a node carrying no server from the driver, Mogan and Placement.

    Raises:
        NodeNotFound: no such node.
        NodeInUse: a server is on the node (or claims it).
        EngineUnavailable: no engine is running or none answered.
    """
    with ctx.database.transaction(readonly=True) as session:
        row = node_db.find(session, node_uuid)
        if row is None:
            raise exception.NodeNotFound(node=node_uuid)
        check_free(row.uuid, row.server_uuid, row.reservation)
    _check_not_composed(ctx, node_uuid)
    engine_calls.require_engine(ctx, heartbeat_interval, UNENROL)
    engine_calls.call_engine(
        UNENROL, engine.unenroll_node, engine_calls.rpc_context(ctx), node_uuid
    )


def _check_not_composed(ctx: mogan_context.RequestContext, node_uuid: str) -> None:
    """Refuse to change or remove a composed server's system by hand.

    NOTE: the engine enrols, unenrols and decomposes it with its server;
    given a resource class by hand it would become a node anyone could
    schedule on, blocks and all.

    Raises:
        NodeInUse: the node is (or is about to be) a composed system.
    """
    with ctx.database.transaction(readonly=True) as session:
        row = composition_db.composed_on(session, node_uuid)
    if row is not None:
        raise exception.NodeInUse(
            node=node_uuid,
            reason=f"it is the composed system of server {row.server_uuid}",
        )


def check_free(
    node_uuid: str, server_uuid: str | None, reservation: str | None
) -> None:
    """Refuse to remove a node with a server on it or an engine working on it.

    Raises:
        NodeInUse: a server is on it, or an engine holds its lock.
    """
    if server_uuid:
        raise exception.NodeInUse(
            node=node_uuid, reason=f"server {server_uuid} is on it"
        )
    if reservation:
        raise exception.NodeInUse(
            node=node_uuid, reason=f"engine {reservation} is working on it"
        )
