"""Steps and helpers shared by several flows: node locks, polling, notifications.

State changes and faults are the services' (``services.server_state``).
"""

import datetime
import logging
from typing import Any

from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import block_candidates as block_db
from mogan.db.api import composition as composition_db
from mogan.db.api import keypair as keypair_db
from mogan.db.api import node as node_db
from mogan.db.api import node_lock as node_lock_db
from mogan.db.api import server as server_db
from mogan.db.api import server_nic as nic_db
from mogan.drivers import base as driver_base
from mogan.drivers import hardware as hw
from mogan.engine import configdrive, node_sync, notifications, workflow
from mogan.engine import hardware as engine_hw
from mogan.placement import client as placement_client
from mogan.services import hardware_request, workflow_args

LOG = logging.getLogger(__name__)

# NOTE: an engine missing this many heartbeats is dead: its node
# reservations may be taken over.
STALE_HEARTBEATS = 3


def stale_before(ctx: workflow.StepContext) -> datetime.datetime:
    """Reservations of engines silent since then are stale."""
    seconds = STALE_HEARTBEATS * ctx.conf.engine.heartbeat_interval
    return ctx.now() - datetime.timedelta(seconds=seconds)


def notify(
    ctx: workflow.StepContext,
    session: orm.Session,
    server: models.Server,
    event_type: str,
    error: dict[str, Any] | None = None,
) -> None:
    """Queue ``event_type`` about ``server`` (ERROR priority with ``error``)."""
    payload = notifications.server_payload(
        server, nic_db.get_all(session, server.uuid), error
    )
    ctx.notify(event_type, payload, error=error is not None)


def notify_once(
    ctx: workflow.StepContext, session: orm.Session, server: models.Server, event: str
) -> None:
    """Queue ``event`` unless this workflow already sent it."""
    sent: list[str] = ctx.state.setdefault("notified", [])
    if event not in sent:
        sent.append(event)
        notify(ctx, session, server, event)


def poll(
    ctx: workflow.StepContext,
    status: driver_base.Status,
    started_key: str,
    timeout: float,
    what: str,
) -> workflow.Result:
    """Turn a driver poll into Done, Wait, or a failure (also on timeout).

    Raises:
        StepFailed: the operation failed or took longer than ``timeout``.
    """
    if status.progress is driver_base.Progress.DONE:
        return workflow.DONE
    if status.progress is driver_base.Progress.FAILED:
        raise workflow.StepFailed(reason=f"{what} failed: {status.error}")
    started = ctx.state.get(started_key)
    if started is not None:
        elapsed = (ctx.now() - datetime.datetime.fromisoformat(started)).total_seconds()
        if elapsed > timeout:
            raise workflow.StepFailed(
                reason=f"{what} timed out after {int(timeout)} seconds"
            )
    return workflow.Wait(ctx.conf.engine.hardware_poll_interval)


def mark_started(ctx: workflow.StepContext, key: str) -> bool:
    """Record that an operation started now; False if it already had."""
    if key in ctx.state:
        return False
    ctx.state[key] = ctx.now().isoformat()
    return True


class LockNode(workflow.Step):
    """Reserve the server's node for this engine (conditional UPDATE).

    With ``assign`` the node also becomes the server's (a build); a node
    reserved for another server fails the step, one busy with another live
    engine retries.
    """

    name = "lock_node"

    def __init__(self, assign: bool, start_event: str | None = None) -> None:
        """Lock (and with ``assign``, take) the node; send ``start_event``."""
        self.assign = assign
        self.start_event = start_event

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Take the reservation."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            if server is None:
                raise workflow.Aborted(reason=f"server {ctx.server_uuid} is gone")
            event = self.start_event_for(ctx)
            if event:
                notify_once(ctx, session, server, event)
            node_uuid = server.node_uuid
            if node_uuid is None:
                raise workflow.StepFailed(reason="the server has no node")
            result = node_lock_db.lock(
                session,
                node_uuid=node_uuid,
                host=ctx.deps.host,
                stale_before=stale_before(ctx),
                server_uuid=ctx.server_uuid,
                assign=self.assign,
            )
        if result is node_lock_db.LockResult.BUSY:
            raise workflow.Retry(
                f"node {node_uuid} is busy", ctx.conf.engine.hardware_poll_interval
            )
        if result is node_lock_db.LockResult.TAKEN:
            raise workflow.StepFailed(
                reason=f"node {node_uuid} is in use by another server"
            )
        if result is node_lock_db.LockResult.MISSING:
            raise workflow.StepFailed(reason=f"node {node_uuid} is unknown")
        ctx.state["node_uuid"] = node_uuid
        return workflow.DONE

    def start_event_for(self, ctx: workflow.StepContext) -> str | None:
        """The ``.start`` notification this lock sends, if any."""
        del ctx
        return self.start_event

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Drop the reservation (and, with ``assign``, the node's server)."""
        node_uuid = ctx.state.get("node_uuid")
        if node_uuid:
            with ctx.deps.db.transaction() as session:
                node_lock_db.unlock(
                    session,
                    node_uuid,
                    ctx.deps.host,
                    stale_before(ctx),
                    free_from=ctx.server_uuid if self.assign else None,
                )
        return workflow.DONE


def release_claim(ctx: workflow.StepContext, server_uuid: str) -> None:
    """Drop the server's Placement allocation, then the view's record of it.

    A composed server's blocks are freed in the view too, and its
    ``composed_systems`` row goes when no system was made of them yet
    (a server placed but never built); a row with a system stays until
    that system is decomposed.
    """
    ctx.deps.placement.release(server_uuid)
    with ctx.deps.db.transaction() as session:
        node_db.mark_released(session, server_uuid)
        block_db.mark_released(session, server_uuid)
        composition_db.remove_uncomposed(session, server_uuid)


def refresh_node(ctx: workflow.StepContext, why: str) -> None:
    """Re-sync the workflow's node now, so a freed node is claimable at once.

    Only an optimisation: on failure the periodic node sync catches up.
    """
    node_uuid = ctx.state.get("node_uuid")
    if not node_uuid:
        return
    try:
        node_sync.sync_node(ctx.deps.db, ctx.deps.driver, ctx.deps.placement, node_uuid)
    except (exception.MoganError, placement_client.PlacementError) as err:
        LOG.warning("node %s not refreshed after %s: %s", node_uuid, why, err)


def unlock(ctx: workflow.StepContext, session: orm.Session) -> None:
    """Drop this engine's reservation of the workflow's node, if any."""
    node_uuid = ctx.state.get("node_uuid")
    if node_uuid:
        node_lock_db.unlock(session, node_uuid, ctx.deps.host, stale_before(ctx))


def _public_key(session: orm.Session, user_id: str, key_name: str) -> str | None:
    """The public key of the user's keypair ``key_name`` (None once deleted)."""
    try:
        return keypair_db.get(session, user_id, key_name).public_key
    except exception.KeypairNotFound:
        return None


# NOTE: what the flows building a config drive drop when they finish: the
# secrets and user data must not stay in workflow rows.
CONFIG_DRIVE_ARGS = ("admin_pass", "user_data", "personality", "public_key")
CONFIG_DRIVE_STATE = ("config_drive",)


class BuildConfigDrive(workflow.Step):
    """Compute the config drive into the workflow state (sealed).

    Besides meta data, user data and files it carries the server's network
    (bonds included) and its partition layout. A build's bonds are those
    ``bind_networks`` resolved and its layout the build's hardware request;
    a rebuild keeps the node's configuration, so it takes the bonds the
    build applied (``servers.hardware_result``) and the layout of the
    server's stored request (``servers.hardware``).
    """

    name = "config_drive"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Build meta_data.json, user_data, network_data.json, vendor_data.json."""
        building = ctx.workflow.kind == workflow_args.Kind.BUILD
        # NOTE: a rebuild's drive carries no password, user data or files.
        args = workflow_args.BuildArgs.model_validate(
            ctx.args if building else {"image_uuid": ""}
        )
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            if server is None:
                raise workflow.Aborted(reason=f"server {ctx.server_uuid} is gone")
            public_key = args.public_key
            key_name = args.key_name or server.key_name
            if public_key is None and key_name:
                public_key = _public_key(session, server.user_id, key_name)
            if building:
                bonds = engine_hw.bonds_of(ctx.state)
                request = workflow_args.hardware_of(args)
            else:
                bonds = engine_hw.recorded_bonds(server.hardware_result)
                request = _stored_hardware(server)
            drive = configdrive.build(
                server,
                nic_db.get_all(session, server.uuid),
                admin_pass=ctx.sealer.open(args.admin_pass),
                key_name=key_name,
                public_key=public_key,
                user_data=args.user_data,
                personality=args.personality,
                bonds=bonds,
                layout=_layout(request),
            )
        # NOTE: the drive holds the admin password: sealed while it waits.
        ctx.state["config_drive"] = ctx.sealer.seal_json(drive)
        return workflow.DONE


def _stored_hardware(server: models.Server) -> hw.HardwareRequest | None:
    """The server's effective hardware request, from ``servers.hardware``.

    Bonds are left out: they name networks by their place in the create
    request, which a rebuild no longer has (it takes the applied bonds).
    """
    stored = {k: v for k, v in (server.hardware or {}).items() if k != "bonds"}
    return hardware_request.typed(stored, [])


def _layout(request: hw.HardwareRequest | None) -> tuple[hw.PartitionLayout, ...]:
    """The partition layout a hardware request asks for (empty: none)."""
    if request is None or request.partitions is None:
        return ()
    return request.partitions.layout


class WaitDeploy(workflow.Step):
    """Poll a deploy (or rebuild) until it ends or times out."""

    name = "wait_deploy"

    def __init__(self, started_key: str, what: str) -> None:
        """Poll the operation whose start time is in state ``started_key``."""
        self.started_key = started_key
        self.what = what

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """One poll."""
        status = ctx.deps.driver.poll_deploy(ctx.state["node_uuid"])
        return poll(
            ctx, status, self.started_key, ctx.conf.engine.deploy_timeout, self.what
        )


class Teardown(workflow.Step):
    """Tear the node down (poll until clean); a failed clean means maintenance.

    Used as the undo of a deploy and as a step of delete. A node deployed for
    another server is never touched.
    """

    name = "teardown"

    def run(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start (once) and poll the teardown of the workflow's node."""
        node_uuid = ctx.state.get("node_uuid")
        if not node_uuid:
            return workflow.DONE
        driver = ctx.deps.driver
        if "teardown_started_at" not in ctx.state:
            try:
                spec = driver.get_node(node_uuid)
            except driver_base.NodeNotFound:
                return workflow.DONE
            if spec.instance_uuid not in {None, ctx.server_uuid}:
                return workflow.DONE
            driver.start_teardown(node_uuid)
            mark_started(ctx, "teardown_started_at")
        try:
            return poll(
                ctx,
                driver.poll_teardown(node_uuid),
                "teardown_started_at",
                ctx.conf.engine.clean_timeout,
                "cleaning",
            )
        except workflow.StepFailed as err:
            # NOTE: the server is gone from the node either way; the node
            # must not take another server until an operator looks at it.
            with ctx.deps.db.transaction() as session:
                node_lock_db.set_maintenance(session, node_uuid, err.message)
            return workflow.DONE
