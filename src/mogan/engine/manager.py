"""Server side of the engine's RPC API.

``nudge`` wakes the workflow runner. The synchronous calls the API makes
because the work needs the engine's driver live here too: adopting a
deployed node as a server (``manage_server``) and a node's console. Driver
exceptions are turned into ``mogan.exception`` classes, the only ones that
cross the bus as themselves.
"""

import logging
import threading
from collections.abc import Callable
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception, rpc, states
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import node as node_db
from mogan.db.api import server as server_api_db
from mogan.db.api import server_engine as server_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import node_sync, notifications, workflow
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)

# NOTE: a node sync between zeroing the reserved unit and the claim puts it
# back; a few rounds see the claim through.
CLAIM_ATTEMPTS = 3
MANAGED_KEY = "managed_server"
ADOPT = "adopt nodes"


class EngineManager(rpc.ManagerBase):
    """Endpoints the engine serves on its topic.

    Version history:
        1.0: ``ping``.
        1.1: ``nudge``.
        1.2: ``manage_server``, ``get_console``.
        1.3: ``nudge`` takes ``kind`` and ``server_uuid`` hints.
    """

    target = messaging.Target(version="1.3")

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        on_nudge: Callable[[str], None] | None = None,
        deps: workflow.Deps | None = None,
    ) -> None:
        """Serve for this host; ``on_nudge`` wakes the workflow runner.

        ``deps`` (the engine's driver, database, Placement ...) is built from
        ``conf`` on first use when not given, as the scheduler's manager does.
        """
        super().__init__(conf)
        self._on_nudge = on_nudge
        self._deps = deps
        self._lock = threading.Lock()

    @property
    def deps(self) -> workflow.Deps:
        """What the synchronous calls act through (from ``conf`` unless given)."""
        with self._lock:
            if self._deps is None:
                # NOTE: imported here because the service imports this module.
                from mogan.engine import service  # noqa: PLC0415

                database = db_session.Database.from_conf(self.conf)
                self._deps = service.build_deps(self.conf, database)
            return self._deps

    def nudge(
        self,
        ctx: dict[str, Any],
        workflow_uuid: str,
        kind: str | None = None,
        server_uuid: str | None = None,
    ) -> None:
        """A workflow is due: look for due work now rather than at the next poll.

        Any engine may take any workflow (the lease decides), so the uuid is
        only a hint; so are ``kind`` and ``server_uuid`` (1.3), logged.
        """
        del ctx
        LOG.debug(
            "nudged for workflow %s (%s of server %s)",
            workflow_uuid,
            kind or "-",
            server_uuid or "-",
        )
        if self._on_nudge is not None:
            self._on_nudge(workflow_uuid)

    # ------------------------------------------------------------ adoption

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def manage_server(
        self, ctx: dict[str, Any], request: dict[str, Any]
    ) -> dict[str, str]:
        """Adopt a deployed node as a new ACTIVE server (see ``EngineAPI``)."""
        del ctx
        try:
            return _manage(self.deps, request)
        except placement_client.PlacementError as err:
            # NOTE: only mogan.exception classes cross the bus as themselves.
            raise exception.MoganError(err.message) from err

    # ------------------------------------------------------------ console

    @messaging.expected_exceptions(exception.MoganError)  # type: ignore[untyped-decorator]
    def get_console(
        self, ctx: dict[str, Any], server_uuid: str, node_uuid: str, kind: str
    ) -> dict[str, str]:
        """The driver's console of ``kind`` on the server's node (see ``EngineAPI``)."""
        del ctx
        driver = driver_caps.require(
            self.deps.driver, driver_base.ConsoleInterface, "open a serial console"
        )
        try:
            console = driver.get_console(node_uuid, kind)
        except driver_base.ConsoleUnavailable as err:
            raise exception.ConsoleUnavailable(
                server=server_uuid, kind=kind, reason=err.message
            ) from err
        except driver_base.NodeNotFound as err:
            raise exception.ConsoleUnavailable(
                server=server_uuid,
                kind=kind,
                reason=f"the driver does not know its node {node_uuid}",
            ) from err
        except driver_base.NodeLocked as err:
            raise exception.Conflict(
                reason=f"node {node_uuid} is busy, try again: {err.message}"
            ) from err
        except driver_base.DriverError as err:
            raise exception.DriverFailed(node=node_uuid, reason=err.message) from err
        return {"type": str(console.get("type") or kind), "url": str(console["url"])}


# ---------------------------------------------------------------- adoption


def _manage(deps: workflow.Deps, request: dict[str, Any]) -> dict[str, str]:
    """Adopt the node of ``request`` as a new server (``manage_server``).

    Order matters for undoing: the Placement claim and the ports come first
    (both can be given back), the driver's adopt next, the rows last.
    Nothing undoes an adopt, so a failure writing the rows leaves the node
    recording a server that does not exist (logged loudly).
    """
    node = _manageable(deps.driver, str(request["node"]))
    networks = list(request.get("networks") or [])
    if len(networks) > len(node.ports):
        raise exception.InvalidParameter(
            field="networks",
            reason=(
                f"node {node.name} has {len(node.ports)} ports for "
                f"{len(networks)} networks"
            ),
        )
    server_uuid = str(request["server_uuid"])
    _check_row(deps, node)
    _claim(deps, node, server_uuid, request["project_id"], request["user_id"])
    rctx = _admin_context(deps.db)
    adopted = False
    try:
        nics = [
            deps.network.bind(rctx, server_uuid, net_id, mac)
            for net_id, mac in zip(networks, node.ports, strict=False)
        ]
        _adopt(deps.driver, node.uuid, server_uuid)
        adopted = True
        server = _record(deps, node, request, nics)
    except BaseException:
        if adopted:
            LOG.exception(
                "node %s was adopted for server %s but the server could not "
                "be recorded; clear the node's instance in the driver "
                "before adopting it again",
                node.uuid,
                server_uuid,
            )
        deps.network.unbind_all(rctx, server_uuid)
        _release(deps, server_uuid)
        raise
    LOG.info("node %s adopted as server %s", node.uuid, server_uuid)
    notifications.send(
        deps,
        [workflow.Notification("server.manage.end", server)],
    )
    return {"uuid": server_uuid}


# ---------------------------------------------------------------- helpers


def _admin_context(database: db_session.Database) -> mogan_context.RequestContext:
    """The engine's own context for the network backend."""
    return mogan_context.RequestContext(
        user_id="mogan-engine", project_id=None, roles=["admin"], db=database
    )


def _why_not_manageable(spec: driver_base.NodeSpec) -> str:
    if spec.maintenance:
        return "it is in maintenance"
    if spec.instance_uuid is not None:
        return f"it already has an instance ({spec.instance_uuid})"
    if spec.consumable:
        return "it is available, not deployed: create a server to deploy it"
    return spec.why_not or "it is not deployed (active)"


def _manageable(driver: driver_base.Driver, ident: str) -> driver_base.ManageableNode:
    """The adoptable node named (or numbered) ``ident``.

    Raises:
        DriverCannot: the driver has no adoption interface.
        NodeNotFound: the driver knows no such node.
        NodeNotManageable: it exists but may not be adopted (says why).
        DriverFailed: the driver cannot list its nodes.
    """
    manageable = driver_caps.require(driver, driver_base.ManageInterface, ADOPT)
    try:
        for node in manageable.list_manageable():
            if ident in {node.uuid, node.name}:
                return node
        spec = next((s for s in driver.list_nodes() if ident in {s.uuid, s.name}), None)
    except driver_base.DriverError as err:
        raise exception.DriverFailed(node=ident, reason=err.message) from err
    if spec is None:
        raise exception.NodeNotFound(node=ident)
    raise exception.NodeNotManageable(node=ident, reason=_why_not_manageable(spec))


def _check_row(deps: workflow.Deps, node: driver_base.ManageableNode) -> None:
    """Make sure Mogan has the node's row and provider, and no server holds it.

    A node enrolled since the last periodic sync is synced now.

    Raises:
        NodeNotManageable: a server of Mogan holds the node.
    """
    with deps.db.transaction(readonly=True) as session:
        row = server_db.get_node(session, node.uuid)
        synced = row is not None and bool(row.placement_rc)
        held_by = row.server_uuid if row is not None else None
    if not synced:
        try:
            node_sync.sync_node(deps.db, deps.driver, deps.placement, node.uuid)
        except Exception:
            # NOTE: the periodic sync may have won the race; the row decides.
            LOG.info("node %s not synced for adoption", node.uuid, exc_info=True)
        with deps.db.transaction(readonly=True) as session:
            row = server_db.get_node(session, node.uuid)
            synced = row is not None and bool(row.placement_rc)
        if not synced:
            raise exception.NodeNotManageable(
                node=node.uuid,
                reason="the node sync has not taken it in yet (see the engine log)",
            )
    if held_by is not None:
        raise exception.NodeNotManageable(
            node=node.uuid, reason=f"server {held_by} holds it"
        )


def _claim(
    deps: workflow.Deps,
    node: driver_base.ManageableNode,
    server_uuid: str,
    project_id: str,
    user_id: str,
) -> None:
    """Claim the node for the server in Placement (one ``POST /allocations``).

    A deployed node carries a reserved unit (node sync keeps unconsumable
    nodes unclaimable); it is given back first, generation-checked.

    Raises:
        NodeNotManageable: another consumer holds the node's allocation.
        Conflict: the claim kept losing races.
    """
    placement = deps.placement
    rc = placement_client.resource_class_name(node.resource_class)
    last = "the provider kept changing"
    for _ in range(CLAIM_ATTEMPTS):
        provider = placement.get_provider(node.uuid)
        inventory = placement.get_inventory(node.uuid).get(rc) if provider else None
        if provider is None or inventory is None:
            raise exception.NodeNotManageable(
                node=node.uuid, reason=f"Placement has no {rc} inventory for it"
            )
        if inventory.get("reserved"):
            try:
                placement.set_inventory(
                    node.uuid,
                    int(provider["generation"]),
                    {rc: {**inventory, "reserved": 0}},
                )
            except placement_client.ClaimConflict as err:
                last = err.message
                continue
        try:
            placement.claim({server_uuid: {node.uuid: {rc: 1}}}, project_id, user_id)
        except placement_client.ClaimConflict as err:
            holders = sorted(placement.provider_allocations(node.uuid))
            if holders:
                raise exception.NodeNotManageable(
                    node=node.uuid,
                    reason=f"Placement has it claimed by {', '.join(holders)}",
                ) from err
            last = err.message
            continue
        return
    raise exception.Conflict(reason=f"claiming node {node.uuid} failed: {last}")


def _release(deps: workflow.Deps, server_uuid: str) -> None:
    """Give back the server's claim (the undo of ``_claim``)."""
    try:
        deps.placement.release(server_uuid)
    except placement_client.PlacementError:
        LOG.exception("allocation of server %s not released", server_uuid)


def _adopt(driver: driver_base.Driver, node_uuid: str, server_uuid: str) -> None:
    """``driver.adopt`` with its errors as ``mogan.exception`` classes."""
    manageable = driver_caps.require(driver, driver_base.ManageInterface, ADOPT)
    try:
        manageable.adopt(node_uuid, server_uuid)
    except driver_base.NodeNotFound as err:
        raise exception.NodeNotFound(node=node_uuid) from err
    except driver_base.NodeLocked as err:
        raise exception.Conflict(
            reason=f"node {node_uuid} is busy, try again: {err.message}"
        ) from err
    except driver_base.DriverError as err:
        raise exception.NodeNotManageable(node=node_uuid, reason=err.message) from err


def _record(
    deps: workflow.Deps,
    node: driver_base.ManageableNode,
    request: dict[str, Any],
    nics: list[Any],
) -> dict[str, Any]:
    """Write the server, its NICs, the node's owner and the claim's record.

    Returns:
        The ``server.manage.end`` notification payload.

    Raises:
        NodeNotManageable: another server took the node meanwhile.
    """
    server_uuid = str(request["server_uuid"])
    power = node.power_state
    status = states.STOPPED if power == states.POWER_OFF else states.ACTIVE
    image_uuid = _image_uuid(deps, node.image_source)
    system_metadata = {MANAGED_KEY: "True"}
    if node.image_source and image_uuid is None:
        system_metadata["image_source"] = node.image_source
    with deps.db.transaction() as session:
        row = server_db.get_node(session, node.uuid)
        if not server_api_db.take_node(session, node.uuid, server_uuid):
            raise exception.NodeNotManageable(
                node=node.uuid, reason="another server took it meanwhile"
            )
        server = server_api_db.create(
            session,
            {
                "uuid": server_uuid,
                "name": request["name"],
                "description": request.get("description"),
                "project_id": request["project_id"],
                "user_id": request["user_id"],
                "status": status,
                "power_state": power,
                "flavor_uuid": None,
                "image_uuid": image_uuid,
                "availability_zone": row.availability_zone if row else None,
                "node_uuid": node.uuid,
                "node": node.name,
                "affinity_zone": row.affinity_zone if row else None,
                "failure_domains": dict(row.failure_domains or {}) if row else {},
                "launched_at": models.utcnow(),
                "extra": dict(request.get("metadata") or {}),
                "partitions": {},
                "system_metadata": system_metadata,
                "request_id": uuidutils.generate_uuid(),
            },
        )
        server_db.replace_nics(
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
        node_db.mark_allocated(session, {node.uuid: server_uuid})
        return notifications.server_payload(
            server, server_db.nics(session, server_uuid)
        )


def _image_uuid(deps: workflow.Deps, image_source: str | None) -> str | None:
    """The image of ``image_source`` when Mogan's image backend knows it."""
    if not image_source or not uuidutils.is_uuid_like(image_source):
        return None
    try:
        return deps.image.get(_admin_context(deps.db), image_source).uuid
    except exception.NotFound:
        return None
