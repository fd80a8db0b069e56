"""The ``delete``, ``power`` and ``rebuild`` flows of a placed server.

``delete`` waits for older work on the server (an aborting build reverts
first), tears the node down, unbinds networks, (for a composed server:
unenrols the node and decomposes its system), releases the claim and
removes the row; a node that fails cleaning goes to maintenance but the
server is deleted all the same. ``power`` and ``rebuild`` lock the node,
start the driver operation, poll it, and fire the FSM's ``done`` (or
``fail``/``error``) when it ends.
"""

import logging
from typing import Any

from sqlalchemy import orm

from mogan import states
from mogan.db.api import node_lock as node_lock_db
from mogan.db.api import server as server_db
from mogan.db.api import workflow as workflow_db
from mogan.drivers import base as driver_base
from mogan.engine import (
    adopt,
    build,
    compose,
    deploy_requests,
    interface,
    steps,
    workflow,
)
from mogan.services import manageable_server as manage_svc
from mogan.services import server_state, workflow_args

LOG = logging.getLogger(__name__)
MANAGED_KEY = manage_svc.MANAGED_KEY

DELETE = workflow_args.Kind.DELETE.value
POWER = workflow_args.Kind.POWER.value
REBUILD = workflow_args.Kind.REBUILD.value

# The transitional status the API sets for each power target, and the
# notification action named after it.
Target = states.PowerTarget
POWER_STATUS = {
    Target.ON: states.POWERING_ON,
    Target.OFF: states.POWERING_OFF,
    Target.SOFT_OFF: states.SOFT_POWERING_OFF,
    Target.REBOOT: states.REBOOTING,
    Target.SOFT_REBOOT: states.SOFT_REBOOTING,
}
POWER_ACTION = {
    Target.ON: "power_on",
    Target.OFF: "power_off",
    Target.SOFT_OFF: "soft_off",
    Target.REBOOT: "reboot",
    Target.SOFT_REBOOT: "soft_reboot",
}


def _target(ctx: workflow.StepContext) -> states.PowerTarget:
    return workflow_args.PowerArgs.model_validate(ctx.args).target


def _rebuild(ctx: workflow.StepContext) -> workflow_args.RebuildArgs:
    return workflow_args.RebuildArgs.model_validate(ctx.args)


# ---------------------------------------------------------------- delete


class WaitForOthers(workflow.Step):
    """Let unfinished work on the server (a build reverting ...) end first."""

    name = "wait_for_others"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Wait while another unfinished workflow holds the server."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            if server is None:
                return workflow.DONE
            steps.notify_once(ctx, session, server, "server.delete.start")
            others = workflow_db.others_active(
                session, ctx.server_uuid, ctx.workflow.id, DELETE
            )
        if others:
            return workflow.Wait(ctx.conf.engine.poll_interval)
        return workflow.DONE


class DeleteLock(steps.LockNode):
    """Lock the server's node, if it has one that is still its own."""

    def __init__(self) -> None:
        """Deleting may lock a node the server half-holds (assign)."""
        super().__init__(assign=True)

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Lock, or note that there is no node to tear down."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            node_uuid = server.node_uuid if server else None
        if node_uuid is None:
            return workflow.DONE
        try:
            return super().do(ctx)
        except workflow.StepFailed:
            # NOTE: the node belongs to another server (or is unknown): it
            # is not this server's to tear down.
            ctx.state.pop("node_uuid", None)
            return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Only drop the reservation: the server still owns the node."""
        with ctx.deps.db.transaction() as session:
            steps.unlock(ctx, session)
        return workflow.DONE


class DeleteTeardown(steps.Teardown):
    """Tear down and clean the node."""

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start (once) and poll the teardown."""
        node_uuid = ctx.state.get("node_uuid")
        if node_uuid and not _adopted_here(ctx, node_uuid):
            # NOTE: an adoption that never reached the driver: the node
            # runs someone's workload and was never this server's.
            LOG.warning(
                "node %s not torn down: server %s never adopted it",
                node_uuid,
                ctx.server_uuid,
            )
            return workflow.DONE
        return self.run(ctx)


def _adopted_here(ctx: workflow.StepContext, node_uuid: str) -> bool:
    """False for a server of an adoption the driver does not record."""
    with ctx.deps.db.transaction(readonly=True) as session:
        server = server_db.find(session, ctx.server_uuid)
        managed = bool(server and (server.system_metadata or {}).get(MANAGED_KEY))
    if not managed or "teardown_started_at" in ctx.state:
        return True
    try:
        instance = ctx.deps.driver.get_node(node_uuid).instance_uuid
    except driver_base.NodeNotFound:
        return True
    return instance == ctx.server_uuid


class Unbind(workflow.Step):
    """Release the server's ports."""

    name = "unbind_networks"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Unbind every port of the server and forget its NICs."""
        ctx.deps.network.unbind_all(ctx.request_context(), ctx.server_uuid)
        with ctx.deps.db.transaction() as session:
            server_state.clear_nics(session, ctx.server_uuid)
        return workflow.DONE


class Release(workflow.Step):
    """Release the server's Placement allocation."""

    name = "release_claim"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Drop the consumer's allocations (absent is fine)."""
        steps.release_claim(ctx, ctx.server_uuid)
        return workflow.DONE


class RefreshNode(workflow.Step):
    """Make the freed node claimable now, not at the next periodic sync."""

    name = "refresh_node"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Re-sync the node's row and provider from the driver."""
        steps.refresh_node(ctx, "delete")
        return workflow.DONE


class DeleteFlow(workflow.Flow):
    """Remove a server and free everything it held.

    A composed server's node is unenrolled and its system decomposed
    before the claim on its blocks is released (``engine.compose``).
    """

    kind = DELETE
    # NOTE: 2 added unenrol_composed, decompose and forget_composed.
    version = 2
    steps = (
        WaitForOthers(),
        DeleteLock(),
        DeleteTeardown(),
        Unbind(),
        compose.UnenrolComposed(),
        compose.Decompose(),
        Release(),
        compose.ForgetComposed(),
        RefreshNode(),
    )

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """Delete the row, free the node, send delete.end."""
        server = server_db.find(session, ctx.server_uuid)
        node_uuid = ctx.state.get("node_uuid")
        if node_uuid:
            node_lock_db.unlock(
                session,
                node_uuid,
                ctx.deps.host,
                steps.stale_before(ctx),
                free_from=ctx.server_uuid,
            )
        if server is None:
            return
        server.status, server.power_state = states.DELETED, None
        steps.notify(ctx, session, server, "server.delete.end")
        server_state.remove(session, ctx.server_uuid)

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """The server stays, in error with the fault."""
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        server_state.fail(session, server, error, only_from=states.DELETING)
        steps.notify(ctx, session, server, "server.delete.error", error)


# ---------------------------------------------------------------- power


def _expect_status(ctx: workflow.StepContext, status: str) -> None:
    with ctx.deps.db.transaction() as session:
        server = server_db.find(session, ctx.server_uuid)
        current = server.status if server else None
    if current != status:
        raise workflow.Aborted(reason=f"server is {current or 'gone'}")


class PowerLock(steps.LockNode):
    """Lock the node for a power action and send ``.start``."""

    def __init__(self) -> None:
        """The node must already be the server's."""
        super().__init__(assign=False)

    def start_event_for(self, ctx: workflow.StepContext) -> str | None:
        """The action's own start event."""
        return f"server.{POWER_ACTION[_target(ctx)]}.start"


class StartPower(workflow.Step):
    """Ask the driver for the power action (once)."""

    name = "start_power"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start it unless this workflow already did."""
        if "power_started_at" not in ctx.state:
            ctx.deps.driver.start_power(ctx.state["node_uuid"], _target(ctx).value)
            steps.mark_started(ctx, "power_started_at")
        return workflow.DONE


class WaitPower(workflow.Step):
    """Poll the power action."""

    name = "wait_power"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """One poll."""
        status = ctx.deps.driver.poll_power(ctx.state["node_uuid"])
        return steps.poll(
            ctx,
            status,
            "power_started_at",
            ctx.conf.engine.power_timeout,
            f"power {_target(ctx).value}",
        )


class PowerFlow(workflow.Flow):
    """Power a server on/off or reboot it."""

    kind = POWER
    steps = (PowerLock(), StartPower(), WaitPower())

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop when the server left the action's status (being deleted)."""
        _expect_status(ctx, POWER_STATUS[_target(ctx)])

    def before_finish(self, ctx: workflow.StepContext, ok: bool) -> None:
        """The node's power state now, for the hooks (kept if unreadable)."""
        node_uuid = ctx.state.get("node_uuid")
        if ok:
            ctx.state["power_state"] = ctx.deps.driver.get_power_state(
                ctx.state["node_uuid"]
            )
            return
        if node_uuid is None:
            with ctx.deps.db.transaction(readonly=True) as session:
                server = server_db.find(session, ctx.server_uuid)
                node_uuid = server.node_uuid if server else None
        if node_uuid:
            try:
                ctx.state["power_state"] = ctx.deps.driver.get_power_state(node_uuid)
            except Exception:  # noqa: BLE001 - keep the last known state
                LOG.warning("power state of node %s unreadable", node_uuid)

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """Record the power state; done -> active or stopped."""
        target = _target(ctx)
        power = ctx.state.get("power_state")
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        if server_state.fire(
            session,
            server,
            states.DONE,
            {"power_state": power},
            only_from=POWER_STATUS[target],
        ):
            steps.notify(ctx, session, server, f"server.{POWER_ACTION[target]}.end")

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Back to the previous stable state (a reboot left off: error).

        An action started from error goes back to error: its failure says
        nothing good about the server.
        """
        args = workflow_args.PowerArgs.model_validate(ctx.args)
        target = args.target
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None or server.status != POWER_STATUS[target]:
            return
        power = ctx.state.get("power_state", server.power_state)
        event = states.FAIL
        if target in {Target.REBOOT, Target.SOFT_REBOOT} and power != states.POWER_ON:
            event = states.ERROR_EVENT
        if args.from_status == states.ERROR:
            event = states.ERROR_EVENT
        server_state.fail(session, server, error, event, values={"power_state": power})
        steps.notify(
            ctx, session, server, f"server.{POWER_ACTION[target]}.error", error
        )


# ---------------------------------------------------------------- rebuild


class StartRebuild(workflow.Step):
    """Ask the driver to re-deploy the node with the (new) image."""

    name = "start_rebuild"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start it with a fresh config drive and the server's partitions."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            partitions = dict(server.partitions or {}) if server else {}
        request = deploy_requests.deploy_request(
            ctx,
            _rebuild(ctx).image_uuid,
            partitions,
            preserve_ephemeral=_rebuild(ctx).preserve_ephemeral,
        )
        ctx.deps.driver.start_rebuild(ctx.state["node_uuid"], request)
        steps.mark_started(ctx, "rebuild_started_at")
        return workflow.DONE


class RebuildFlow(workflow.Flow):
    """Re-deploy a server's node with an image."""

    kind = REBUILD
    transient_args = steps.CONFIG_DRIVE_ARGS
    transient_state = steps.CONFIG_DRIVE_STATE
    steps = (
        steps.LockNode(assign=False, start_event="server.rebuild.start"),
        steps.BuildConfigDrive(),
        StartRebuild(),
        steps.WaitDeploy("rebuild_started_at", "rebuild"),
    )

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop when the server left ``rebuilding`` (being deleted)."""
        _expect_status(ctx, states.REBUILDING)

    def before_finish(self, ctx: workflow.StepContext, ok: bool) -> None:
        """The redeployed node's power state, for ``on_done``."""
        if ok:
            ctx.state["power_state"] = ctx.deps.driver.get_power_state(
                ctx.state["node_uuid"]
            )

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """ACTIVE on the new image."""
        power = ctx.state.get("power_state")
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        values = {"power_state": power, "image_uuid": _rebuild(ctx).image_uuid}
        if server_state.fire(
            session, server, states.DONE, values, only_from=states.REBUILDING
        ):
            steps.notify(ctx, session, server, "server.rebuild.end")

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Status error with the fault."""
        steps.unlock(ctx, session)
        server = server_db.find(session, ctx.server_uuid)
        if server is None or server.status != states.REBUILDING:
            return
        server_state.fail(session, server, error)
        steps.notify(ctx, session, server, "server.rebuild.error", error)


def all_flows() -> dict[str, workflow.Flow]:
    """Every flow the engine runs, by workflow kind."""
    flows: list[workflow.Flow] = [
        build.ScheduleFlow(),
        build.BuildFlow(),
        DeleteFlow(),
        PowerFlow(),
        RebuildFlow(),
        adopt.AdoptFlow(),
        interface.AttachInterfaceFlow(),
        interface.DetachInterfaceFlow(),
    ]
    return {flow.kind: flow for flow in flows}
