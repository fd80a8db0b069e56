"""The ``schedule`` and ``build`` flows: from a created server row to ACTIVE.

``schedule`` asks the scheduler to place and claim the servers of a request
(one Placement POST for all), points each placed server at its node and
creates its ``build`` workflow in the same transaction. ``build`` locks the
node, binds networks, builds the config drive, deploys and waits; on failure
it undoes in reverse (teardown, unbind, release the claim, unlock), records a
fault and reschedules on another node while attempts remain (and the error
is one another node could fix: see ``mogan.exception.is_reschedulable``).
The final fault names the cause and lists every attempt (``faults``). A
composed server's node is composed and enrolled first (``compose``).
"""

from typing import Any

import oslo_messaging as messaging
from sqlalchemy import orm

from mogan import exception, states
from mogan.db.api import flavor as flavor_db
from mogan.db.api import server as server_db
from mogan.engine import (
    compose,
    deploy_requests,
    faults,
    network_steps,
    steps,
    workflow,
)
from mogan.engine import hardware as engine_hw
from mogan.scheduler import request as select_request
from mogan.services import server_state, workflow_args

SCHEDULE = workflow_args.Kind.SCHEDULE.value
BUILD = workflow_args.Kind.BUILD.value


def _traits(flavor_traits: dict[str, Any], value: str) -> tuple[str, ...]:
    return tuple(sorted(t for t, v in (flavor_traits or {}).items() if v == value))


def _servers(ctx: workflow.StepContext) -> list[str]:
    return workflow_args.ScheduleArgs.model_validate(ctx.args).server_uuids


class SelectAndClaim(workflow.Step):
    """Place and claim the request's servers, then start their builds."""

    name = "select_and_claim"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """One scheduler call; the outcome is written in one transaction."""
        args = workflow_args.ScheduleArgs.model_validate(ctx.args)
        with ctx.deps.db.transaction() as session:
            pending = [
                s.uuid
                for s in server_db.find_all(session, args.server_uuids)
                if s.status == states.BUILDING and s.node_uuid is None
            ]
            flavor = flavor_db.get(session, args.flavor_uuid or "")
            resources = dict(flavor.resources)
            flavor_traits = dict(flavor.resource_traits)
            flavor_aggregates = dict(flavor.resource_aggregates or {})
            composable = bool(flavor.composable)
        if not pending:
            return workflow.DONE
        if ctx.attempt > 1:
            # NOTE: a previous run may have claimed before it died; servers
            # without a node hold no claim we want, so drop any first.
            for uuid in pending:
                steps.release_claim(ctx, uuid)
        request = select_request.SelectRequest(
            server_uuids=tuple(pending),
            min_count=max(1, min(args.min_count, len(pending))),
            resources=resources,
            required_traits=_traits(flavor_traits, "required"),
            forbidden_traits=_traits(flavor_traits, "forbidden"),
            resource_aggregates=flavor_aggregates,
            availability_zone=args.availability_zone,
            group_uuid=args.group_uuid,
            exclude_nodes=tuple(args.build_args.excluded_nodes),
            exclude_blocks=tuple(args.build_args.excluded_blocks),
            project_id=args.project_id or "",
            user_id=args.user_id or "",
            hardware=args.build_args.hardware or None,
            composable=composable,
        )
        try:
            placed = ctx.deps.scheduler.select_and_claim(ctx.rpc_context(), request)
        except exception.NoValidNode as err:
            self._fail_all(ctx, pending, err.message)
            return workflow.DONE
        except messaging.MessagingTimeout as err:
            raise workflow.Retry(f"scheduler did not answer: {err}", 5.0) from err
        except messaging.RemoteError as err:
            # NOTE: a transport that does not allow mogan.exception delivers
            # NoValidNode as a RemoteError naming it.
            if err.exc_type != exception.NoValidNode.__name__:
                raise
            self._fail_all(ctx, pending, str(err.value))
            return workflow.DONE
        self._place(ctx, pending, placed, args.build_args)
        return workflow.DONE

    def _fail_all(
        self, ctx: workflow.StepContext, pending: list[str], msg: str
    ) -> None:
        error = {
            "code": 409,
            "message": msg,
            "detail": None,
            "exception": "NoValidNode",
        }
        attempts = workflow_args.ScheduleArgs.model_validate(
            ctx.args
        ).build_args.history
        with ctx.deps.db.transaction() as session:
            for server in server_db.find_all(session, pending):
                fail_server(ctx, session, server, error, attempts)

    def _place(
        self,
        ctx: workflow.StepContext,
        pending: list[str],
        placed: dict[str, str],
        build_args: workflow_args.BuildArgs,
    ) -> None:
        orphans = []
        total = len(workflow_args.ScheduleArgs.model_validate(ctx.args).server_uuids)
        missing = {
            "code": 409,
            "message": f"not enough nodes (placed {len(placed)} of {total})",
            "detail": None,
            "exception": "NoValidNode",
        }
        with ctx.deps.db.transaction() as session:
            for uuid in pending:
                node_uuid = placed.get(uuid)
                if node_uuid is None:
                    server = server_db.find(session, uuid)
                    if server is not None:
                        fail_server(ctx, session, server, missing, build_args.history)
                    continue
                if not server_state.place(session, uuid, node_uuid):
                    orphans.append(uuid)
                    continue
                workflow_args.start(
                    session, build_args, uuid, context=ctx.workflow.context
                )
            orphans.extend(uuid for uuid in placed if uuid not in pending)
        # NOTE: servers deleted while they were being placed keep no claim.
        for uuid in orphans:
            steps.release_claim(ctx, uuid)
        ctx.wake()


def fail_server(
    ctx: workflow.StepContext,
    session: orm.Session,
    server: Any,
    error: dict[str, Any],
    attempts: list[dict[str, Any]] | None = None,
) -> None:
    """A build that will not be retried: fault, status error, create.error.

    ``attempts`` are the build's earlier attempts: the fault names their
    cause and lists them (see ``faults.final``).
    """
    error = faults.final(error, list(attempts or []))
    if server_state.fail_build(session, server, error):
        steps.notify(ctx, session, server, "server.create.error", error)


class ScheduleFlow(workflow.Flow):
    """Place a request's servers and start one build per placed server."""

    kind = SCHEDULE
    transient_args = steps.CONFIG_DRIVE_ARGS
    steps = (SelectAndClaim(),)

    def before_finish(self, ctx: workflow.StepContext, ok: bool) -> None:
        """After a failure, drop any claim an unplaced server may hold."""
        if ok:
            return
        with ctx.deps.db.transaction(readonly=True) as session:
            servers = server_db.find_all(session, _servers(ctx))
            unplaced = [s.uuid for s in servers if s.node_uuid is None]
        for uuid in unplaced:
            steps.release_claim(ctx, uuid)

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """The scheduler could not be used: every unplaced server fails."""
        args = workflow_args.ScheduleArgs.model_validate(ctx.args)
        servers = server_db.find_all(session, args.server_uuids)
        attempts = list(args.build_args.history)
        for server in servers:
            if server.node_uuid is None:
                fail_server(ctx, session, server, error, attempts)


# ---------------------------------------------------------------- build


class BuildLock(steps.LockNode):
    """Lock and take the node; its undo also releases the server's claim."""

    def __init__(self) -> None:
        """A build's lock: assigns the node and sends create.start."""
        super().__init__(assign=True, start_event="server.create.start")

    def start_event_for(self, ctx: workflow.StepContext) -> str | None:
        """Only the first attempt of a server's build says it started."""
        if workflow_args.BuildArgs.model_validate(ctx.args).attempt == 1:
            return self.start_event
        return None

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Release the Placement claim, then the node, then re-sync it.

        A composed server's claim goes once its blocks are decomposed
        (``compose.release``), not while the service still has them.
        """
        if not compose.is_composed(ctx):
            steps.release_claim(ctx, ctx.server_uuid)
        result = super().undo(ctx)
        steps.refresh_node(ctx, "a failed build")
        return result


class StartDeploy(steps.Teardown):
    """Start deploying the node; undone by tearing it down."""

    name = "start_deploy"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Ask the driver to deploy (idempotent for the same server)."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            partitions = dict(server.partitions or {}) if server else {}
        args = workflow_args.BuildArgs.model_validate(ctx.args)
        if args.partitions:
            partitions = dict(args.partitions)
        hardware = engine_hw.request_for(ctx)
        request = deploy_requests.deploy_request(
            ctx, args.image_uuid, partitions, hardware=hardware
        )
        node_uuid = ctx.state["node_uuid"]
        engine_hw.check(ctx.deps.driver, node_uuid, request.hardware)
        sections = [s.value for s in request.hardware.sections()]
        if sections:
            with ctx.deps.db.transaction() as session:
                server_state.hardware_pending(session, ctx.server_uuid, sections)
        ctx.deps.driver.start_deploy(node_uuid, request)
        steps.mark_started(ctx, "deploy_started_at")
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Tear down what the deploy may have started."""
        return self.run(ctx)


class BuildFlow(workflow.Flow):
    """Deploy a placed server's node (composed ones: composed first), ACTIVE."""

    kind = BUILD
    # NOTE: 2 added compose and enrol_composed before lock_node.
    version = 2
    transient_args = steps.CONFIG_DRIVE_ARGS
    transient_state = steps.CONFIG_DRIVE_STATE
    steps = (
        compose.Compose(),
        compose.EnrolComposed(),
        BuildLock(),
        network_steps.BindNetworks(),
        steps.BuildConfigDrive(),
        StartDeploy(),
        steps.WaitDeploy("deploy_started_at", "deploy"),
    )

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop building a server that is being deleted (or is gone)."""
        with ctx.deps.db.transaction() as session:
            server = server_db.find(session, ctx.server_uuid)
            status = server.status if server else None
        if status != states.BUILDING:
            raise workflow.Aborted(reason=f"server is {status or 'gone'}")

    def before_finish(self, ctx: workflow.StepContext, ok: bool) -> None:
        """The hardware result and deployed node's power state, for the finish.

        A failed composed server's claim and row go (decomposed by the undos).
        """
        engine_hw.collect(ctx)
        if not ok:
            compose.release(ctx)
        else:
            ctx.state["power_state"] = ctx.deps.driver.get_power_state(
                ctx.state["node_uuid"]
            )

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """ACTIVE with the node's power state and launch time; unlock."""
        power = ctx.state.get("power_state")
        server = server_db.find(session, ctx.server_uuid)
        steps.unlock(ctx, session)
        sections = engine_hw.sections_of(ctx)
        if server is not None and sections:
            server_state.hardware_done(
                session, server.uuid, sections, ctx.state.get("hardware_result") or {}
            )
        if server is None:
            return
        if server_state.fire(
            session,
            server,
            states.DONE,
            {"power_state": power, "launched_at": ctx.now()},
            only_from=states.BUILDING,
        ):
            steps.notify(ctx, session, server, "server.create.end")

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Fault, then reschedule on another node or give up (status error)."""
        server = server_db.find(session, ctx.server_uuid)
        if server is None:
            return
        sections = engine_hw.sections_of(ctx)
        if sections:
            server_state.hardware_done(
                session,
                server.uuid,
                sections,
                ctx.state.get("hardware_result") or {},
                str(error.get("message") or "build failed"),
            )
        if error.get("aborted") or server.status != states.BUILDING:
            # NOTE: deleted mid-build: the delete workflow finishes the job.
            server_state.unplace(session, server.uuid)
            return
        build = workflow_args.BuildArgs.model_validate(ctx.args)
        failed_node = ctx.state.get("node_uuid") or server.node_uuid
        attempts = [
            *build.history,
            faults.record(error, build.attempt, failed_node, server.node),
        ]
        can_retry = build.attempt < ctx.conf.engine.build_attempts and bool(
            error.get("reschedulable", True)
        )
        if not can_retry:
            fail_server(ctx, session, server, error, attempts)
            return
        server_state.record_fault(session, server.uuid, error)
        server_state.unplace(session, server.uuid, states.BUILDING)
        workflow_args.start(
            session,
            workflow_args.ScheduleArgs.reschedule(
                server,
                server_db.group_of(session, server.uuid),
                build.next_attempt(failed_node, attempts, compose.failed_blocks(ctx)),
            ),
            server.uuid,
            context=ctx.workflow.context,
        )
        ctx.wake()
