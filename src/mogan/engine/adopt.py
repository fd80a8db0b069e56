"""The ``adopt`` flow: a node deployed outside Mogan becomes a server.

The API checks the node with the engine (``get_manageable``), then writes
the server (``adopting``, pointing at the node) and its ``adopt`` workflow.
The steps take the node, claim it in Placement, bind the networks on its
ports and record the server as the node's instance in the driver; a failure
undoes them in reverse and leaves the server in ``error`` with the fault.
Nothing is deployed and the node is not rebooted: the server ends ``active``
(``stopped`` when the node is powered off).
"""

import logging
from typing import Any

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import exception, states
from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import network_steps, node_sync, steps, workflow
from mogan.placement import client as placement_client
from mogan.services import manageable_server as manage_svc
from mogan.services import server_state, workflow_args

LOG = logging.getLogger(__name__)

ADOPT = workflow_args.Kind.ADOPT.value
ADOPT_NODES = "adopt nodes"
# NOTE: a node sync between zeroing the reserved unit and the claim puts it
# back; a few rounds see the claim through.
CLAIM_ATTEMPTS = 3


def _args(ctx: workflow.StepContext) -> workflow_args.AdoptArgs:
    return workflow_args.AdoptArgs.model_validate(ctx.args)


# ---------------------------------------------------------------- the node


def _why_not_manageable(spec: driver_base.NodeSpec) -> str:
    if spec.maintenance:
        return "it is in maintenance"
    if spec.instance_uuid is not None:
        return f"it already has an instance ({spec.instance_uuid})"
    if spec.consumable:
        return "it is available, not deployed: create a server to deploy it"
    return spec.why_not or "it is not deployed (active)"


def manageable(driver: driver_base.Driver, ident: str) -> driver_base.ManageableNode:
    """The adoptable node named (or numbered) ``ident``.

    Raises:
        DriverCannot: the driver has no adoption interface.
        NodeNotFound: the driver knows no such node.
        NodeNotManageable: it exists but may not be adopted (says why).
        DriverFailed: the driver cannot list its nodes.
    """
    adopter = driver_caps.require(driver, driver_base.ManageInterface, ADOPT_NODES)
    try:
        for node in adopter.list_manageable():
            if ident in {node.uuid, node.name}:
                return node
        spec = next((s for s in driver.list_nodes() if ident in {s.uuid, s.name}), None)
    except driver_base.DriverError as err:
        raise exception.DriverFailed(node=ident, reason=err.message) from err
    if spec is None:
        raise exception.NodeNotFound(node=ident)
    raise exception.NodeNotManageable(node=ident, reason=_why_not_manageable(spec))


class SyncNode(workflow.Step):
    """Make sure Mogan has the node's row and provider (a node enrolled late)."""

    name = "sync_node"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Sync the node now unless the periodic sync already took it in."""
        node_uuid = _args(ctx).node_uuid
        if _synced(ctx, node_uuid):
            return workflow.DONE
        try:
            node_sync.sync_node(
                ctx.deps.db, ctx.deps.driver, ctx.deps.placement, node_uuid
            )
        except (exception.MoganError, placement_client.PlacementError):
            # NOTE: the periodic sync may have won the race; the row decides.
            LOG.info("node %s not synced for adoption", node_uuid, exc_info=True)
        if not _synced(ctx, node_uuid):
            raise exception.NodeNotManageable(
                node=node_uuid,
                reason="the node sync has not taken it in yet (see the engine log)",
            )
        return workflow.DONE


def _synced(ctx: workflow.StepContext, node_uuid: str) -> bool:
    with ctx.deps.db.transaction(readonly=True) as session:
        row = node_db.find(session, node_uuid)
        return row is not None and bool(row.placement_rc)


class AdoptLock(steps.LockNode):
    """Reserve the node and make it the server's (undone: freed again)."""

    def __init__(self) -> None:
        """Take the node as a build does."""
        super().__init__(assign=True, start_event="server.manage.start")


class ClaimNode(workflow.Step):
    """Claim the node for the server in Placement (one ``POST /allocations``).

    A deployed node carries a reserved unit (node sync keeps unconsumable
    nodes unclaimable); it is given back first, generation-checked.
    """

    name = "claim_node"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Claim, then record the claim in Mogan's view of nodes.

        Raises:
            NodeNotManageable: another consumer holds the node's allocation.
            Retry: the provider kept changing.
        """
        args = _args(ctx)
        with ctx.deps.db.transaction(readonly=True) as session:
            server = server_db.get(session, ctx.server_uuid)
            project_id, user_id = server.project_id, server.user_id
        _claim(ctx, args, project_id, user_id)
        with ctx.deps.db.transaction() as session:
            node_db.mark_allocated(session, {args.node_uuid: ctx.server_uuid})
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Give the claim back (and the view's record of it)."""
        steps.release_claim(ctx, ctx.server_uuid)
        return workflow.DONE


def _claim(
    ctx: workflow.StepContext,
    args: workflow_args.AdoptArgs,
    project_id: str,
    user_id: str,
) -> None:
    placement = ctx.deps.placement
    node_uuid, server_uuid = args.node_uuid, ctx.server_uuid
    rc = placement_client.resource_class_name(args.resource_class)
    if server_uuid in placement.provider_allocations(node_uuid):
        return
    last = "the provider kept changing"
    for _ in range(CLAIM_ATTEMPTS):
        provider = placement.get_provider(node_uuid)
        inventory = placement.get_inventory(node_uuid).get(rc) if provider else None
        if provider is None or inventory is None:
            raise exception.NodeNotManageable(
                node=node_uuid, reason=f"Placement has no {rc} inventory for it"
            )
        if inventory.get("reserved"):
            try:
                placement.set_inventory(
                    node_uuid,
                    int(provider["generation"]),
                    {rc: {**inventory, "reserved": 0}},
                )
            except placement_client.ClaimConflict as err:
                last = err.message
                continue
        try:
            placement.claim({server_uuid: {node_uuid: {rc: 1}}}, project_id, user_id)
        except placement_client.ClaimConflict as err:
            holders = sorted(placement.provider_allocations(node_uuid))
            if holders:
                raise exception.NodeNotManageable(
                    node=node_uuid,
                    reason=f"Placement has it claimed by {', '.join(holders)}",
                ) from err
            last = err.message
            continue
        return
    raise workflow.Retry(f"claiming node {node_uuid} failed: {last}")


class AdoptBindNetworks(network_steps.BindNetworks):
    """One NIC per requested network, on the node's ports in order."""

    def networks(self, ctx: workflow.StepContext) -> list[dict[str, Any]]:
        """The networks the adoption asked for."""
        return [{"net_id": net} for net in _args(ctx).networks]


class AdoptNode(workflow.Step):
    """Record the server as the node's instance in the driver (last step).

    Nothing undoes it: it is the last step, so no later step can fail.
    """

    name = "adopt_node"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """``adopt`` through the driver, its errors as Mogan's."""
        node_uuid = _args(ctx).node_uuid
        adopter = driver_caps.require(
            ctx.deps.driver, driver_base.ManageInterface, ADOPT_NODES
        )
        try:
            adopter.adopt(node_uuid, ctx.server_uuid)
        except driver_base.NodeNotFound as err:
            raise exception.NodeNotFound(node=node_uuid) from err
        except driver_base.NodeLocked as err:
            raise workflow.Retry(
                f"node {node_uuid} is busy: {err.message}",
                ctx.conf.engine.hardware_poll_interval,
            ) from err
        except driver_base.DriverError as err:
            raise exception.NodeNotManageable(
                node=node_uuid, reason=err.message
            ) from err
        return workflow.DONE


class AdoptFlow(workflow.Flow):
    """Adopt a deployed node as the workflow's server."""

    kind = ADOPT
    steps = (
        SyncNode(),
        AdoptLock(),
        ClaimNode(),
        AdoptBindNetworks(),
        AdoptNode(),
    )

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop adopting for a server that is being deleted (or is gone)."""
        with ctx.deps.db.transaction(readonly=True) as session:
            server = server_db.find(session, ctx.server_uuid)
            status = server.status if server else None
        if status != states.ADOPTING:
            raise workflow.Aborted(reason=f"server is {status or 'gone'}")

    def before_finish(self, ctx: workflow.StepContext, ok: bool) -> None:
        """The node's power state and image, for ``on_done``."""
        if not ok:
            return
        args = _args(ctx)
        ctx.state["power_state"] = ctx.deps.driver.get_power_state(args.node_uuid)
        ctx.state["image_uuid"] = _image_uuid(ctx, args.image_source)

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """ACTIVE (STOPPED when powered off) with its image; unlock; notify."""
        args = _args(ctx)
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        power = ctx.state.get("power_state")
        image_uuid = ctx.state.get("image_uuid")
        system_metadata = {manage_svc.MANAGED_KEY: "True"}
        if args.image_source and image_uuid is None:
            system_metadata["image_source"] = args.image_source
        event = states.DONE_OFF if power == states.POWER_OFF else states.DONE
        values = {
            "power_state": power,
            "image_uuid": image_uuid,
            "system_metadata": system_metadata,
            "launched_at": ctx.now(),
        }
        if server_state.fire(session, server, event, values, only_from=states.ADOPTING):
            steps.notify(ctx, session, server, "server.manage.end")

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """The server stays, in error with the fault and without a node."""
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        if error.get("aborted") or server.status != states.ADOPTING:
            # NOTE: deleted mid-adoption: the node was never the server's,
            # so the delete workflow must not tear it down.
            server_state.unplace(session, server.uuid)
            return
        if server_state.fail(
            session,
            server,
            error,
            values=dict(server_state.UNPLACED),
            only_from=states.ADOPTING,
        ):
            steps.notify(ctx, session, server, "server.manage.error", error)


def _image_uuid(ctx: workflow.StepContext, image_source: str | None) -> str | None:
    """The image of ``image_source`` when Mogan's image backend knows it."""
    if not image_source or not uuidutils.is_uuid_like(image_source):
        return None
    try:
        return ctx.deps.image.get(ctx.request_context(), image_source).uuid
    except exception.NotFound:
        return None
