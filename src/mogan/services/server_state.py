"""Server state changes, faults, node bindings and removal: the one place they happen.

The API (through ``services.server``) and the engine's workflows both move
servers through the state machine here. Every change is conditional on the
status last read (``db.api.server.update`` with ``expect_status``), so two
engines, or an engine and the API, never overwrite each other's decision.
These functions work in the caller's transaction and never open one: the
engine calls them from a workflow's finishing transaction.

What must not live here: notifications, driver, Placement or network calls
(the engine's, around these).
"""

from typing import Any

from sqlalchemy import orm

from mogan import exception, states
from mogan.db import models
from mogan.db.api import block_candidates as block_db
from mogan.db.api import composition as composition_db
from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.db.api import server_fault as fault_db
from mogan.db.api import server_nic as nic_db
from mogan.network import base as network_base

# NOTE: a build that fails for good leaves no node behind.
UNPLACED: dict[str, Any] = {"node_uuid": None, "node": None}


def fire(
    session: orm.Session,
    server: models.Server,
    event: str,
    values: dict[str, Any] | None = None,
    only_from: str | None = None,
) -> bool:
    """Move ``server`` on by FSM ``event`` if nobody changed its status meanwhile.

    Args:
        session: the caller's session.
        server: the server as last read.
        event: the FSM event.
        values: other columns to set with the new status.
        only_from: fire only when the server is in this status.

    Returns:
        False when the event does not apply or the status changed under us.
    """
    if only_from is not None and server.status != only_from:
        return False
    try:
        new = states.next_state(server.status, event)
    except exception.InvalidState:
        return False
    done = server_db.update(
        session, server.uuid, {"status": new, **(values or {})}, server.status
    )
    if done:
        server.status = new
        for key, value in (values or {}).items():
            setattr(server, key, value)
    return done


def transition(
    session: orm.Session,
    server_uuid: str,
    status: str,
    event: str,
    values: dict[str, Any] | None = None,
) -> bool:
    """Fire ``event`` on a server last seen in ``status`` (by uuid, no row read).

    Returns:
        False when the event does not apply or the status changed meanwhile.
    """
    try:
        new = states.next_state(status, event)
    except exception.InvalidState:
        return False
    return server_db.update(
        session, server_uuid, {"status": new, **(values or {})}, status
    )


def record_fault(session: orm.Session, server_uuid: str, error: dict[str, Any]) -> None:
    """Store a failure as described by the engine (code, message, detail)."""
    fault_db.add(
        session,
        server_uuid,
        int(error.get("code", 500)),
        str(error.get("message", "unknown error")),
        error.get("detail"),
    )


def fail(
    session: orm.Session,
    server: models.Server,
    error: dict[str, Any],
    event: str = states.ERROR_EVENT,
    *,
    values: dict[str, Any] | None = None,
    only_from: str | None = None,
) -> bool:
    """Record ``error`` as a fault, then fire ``event`` (``error`` by default).

    Returns:
        Whether the server's status changed.
    """
    record_fault(session, server.uuid, error)
    return fire(session, server, event, values, only_from=only_from)


def fail_build(
    session: orm.Session, server: models.Server, error: dict[str, Any]
) -> bool:
    """A build that will not be retried: fault, then ``error`` without a node.

    Returns:
        Whether the server was building and is now in error.
    """
    if server.status != states.BUILDING:
        return False
    return fail(
        session,
        server,
        error,
        values={"power_state": None, **UNPLACED},
        only_from=states.BUILDING,
    )


def give_up(session: orm.Session, server_uuid: str, error: dict[str, Any]) -> bool:
    """A server whose workflow was abandoned: fault, and error if mid-action.

    Returns:
        Whether the server was moved to ``error`` (it was in the middle of
        an action: building, powering, rebuilding or deleting).
    """
    server = server_db.find(session, server_uuid)
    if server is None:
        return False
    record_fault(session, server_uuid, error)
    if server.status not in states.UNSTABLE:
        return False
    return server_db.update(
        session, server_uuid, {"status": states.ERROR}, expect_status=server.status
    )


def place(session: orm.Session, server_uuid: str, node_uuid: str) -> bool:
    """Point a building server at the node the scheduler claimed for it.

    Where the server landed (affinity zone, failure domains) is kept as it
    was then. A composed server has no node yet (its system is composed
    and enrolled under ``node_uuid`` later): it landed in the composition
    zone of its blocks, ``<service name>:<zone>``, and in the chassis of
    its Compute block, ``<service name>:<chassis id>`` (when the service
    names one).

    Returns:
        False when the server is no longer building (deleted meanwhile).
    """
    node = node_db.find(session, node_uuid)
    values: dict[str, Any] = {
        "node_uuid": node_uuid,
        "node": node.name if node else None,
    }
    composed = composition_db.composed_of(session, server_uuid)
    if composed is not None and composed.node_uuid == node_uuid:
        service = composition_db.find(session, composed.service_uuid)
        zone = f"{service.name if service else composed.service_uuid}:{composed.zone}"
        domains = {block_db.COMPOSITION_ZONE: zone}
        compute = block_db.compute_blocks_of_servers(session, [server_uuid]).get(
            server_uuid
        )
        if compute is not None and compute.chassis_label is not None:
            domains[block_db.CHASSIS] = compute.chassis_label
        values["affinity_zone"] = zone
        values["failure_domains"] = domains
    elif node is not None:
        values["affinity_zone"] = node.affinity_zone
        values["failure_domains"] = dict(node.failure_domains or {})
    return server_db.update(session, server_uuid, values, expect_status=states.BUILDING)


def unplace(
    session: orm.Session, server_uuid: str, expect_status: str | None = None
) -> bool:
    """Forget the server's node (a failed build attempt, a delete mid-build)."""
    return server_db.update(session, server_uuid, UNPLACED, expect_status)


def set_power_state(
    session: orm.Session, server_uuid: str, power_state: str | None, status: str
) -> bool:
    """Copy a node's power state found out of band, while ``status`` holds."""
    return server_db.update(
        session, server_uuid, {"power_state": power_state}, expect_status=status
    )


def set_nics(
    session: orm.Session, server_uuid: str, nics: list[network_base.Nic]
) -> None:
    """Make the server's NIC rows exactly the bound ``nics``."""
    nic_db.replace(
        session,
        server_uuid,
        [
            {
                "port_id": nic.port_id,
                "network_id": nic.network_id,
                "mac_address": nic.mac_address,
                "fixed_ips": nic.fixed_ips,
            }
            for nic in nics
        ],
    )


def clear_nics(session: orm.Session, server_uuid: str) -> None:
    """Forget every NIC of the server (its ports were unbound)."""
    nic_db.delete_all(session, server_uuid)


# Statuses of one section in ``servers.hardware_result``.
HW_PENDING = "pending"
HW_APPLIED = "applied"
HW_FAILED = "failed"


def hardware_pending(
    session: orm.Session, server_uuid: str, sections: list[str]
) -> None:
    """Every asked section is ``pending``: a build attempt starts deploying.

    ``servers.hardware_result`` is ``{section: {status, message, applied}}``
    (``applied``: what the node ended with, for admins).
    """
    result: dict[str, Any] = {
        s: {"status": HW_PENDING, "message": None, "applied": {}} for s in sections
    }
    server_db.update(session, server_uuid, {"hardware_result": result or None})


def hardware_done(
    session: orm.Session,
    server_uuid: str,
    sections: list[str],
    reported: dict[str, dict[str, Any]],
    error: str | None = None,
) -> None:
    """Record how each asked section went after a deploy attempt.

    Args:
        session: the caller's session.
        server_uuid: the server.
        sections: the sections asked for.
        reported: the driver's results by section: ``applied`` (bool),
            ``error``, ``details``.
        error: the attempt's failure, when it failed: a section the driver
            reported nothing for failed with it.
    """
    result: dict[str, Any] = {}
    for section in sections:
        got = reported.get(section)
        if got is not None and got.get("applied"):
            entry = {
                "status": HW_APPLIED,
                "message": None,
                "applied": got.get("details") or {},
            }
        elif got is not None:
            entry = {
                "status": HW_FAILED,
                "message": got.get("error") or error,
                "applied": {},
            }
        elif error is not None:
            entry = {"status": HW_FAILED, "message": error, "applied": {}}
        else:
            entry = {"status": HW_PENDING, "message": None, "applied": {}}
        result[section] = entry
    server_db.update(session, server_uuid, {"hardware_result": result or None})


def remove(session: orm.Session, server_uuid: str) -> None:
    """Delete the server row with its NICs, faults and group membership."""
    server_db.delete(session, server_uuid)
