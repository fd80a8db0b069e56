"""Composed servers in the build and delete flows: compose, enrol, decompose.

A composed server (``servers.composed``) has no node waiting in a rack:
the scheduler claimed resource blocks of one zone of a composition service
for it in Placement and wrote its ``composed_systems`` row (service, zone,
blocks, and the uuid its node will have). These steps make that node, and
take it apart again:

- build, before the node lock: ``compose`` asks the service for a system
  named ``mogan-<node uuid>`` (new for each placement) made of exactly
  the row's blocks, notes its path (``set_system``) and polls until the
  blocks are composed, within ``[engine] compose_timeout`` (then the
  blocks' view rows say ``Composed`` in it); ``enrol_composed`` enrols
  the system as a node of the driver (``composed_bmc``,
  ``engine.enrolment``) under the row's node uuid. The usual steps then
  lock, bind and deploy it.
- a failed build undoes in reverse: the node is torn down and unlocked,
  ``enrol_composed`` unenrols it, ``compose`` decomposes the system (one
  whose path was never noted, the service's answer lost, is found by its
  name: ``find_system``); then ``BuildFlow.before_finish`` calls
  ``release`` (the claim and the row go), before ``on_failed`` records
  the fault and reschedules, leaving the attempt's blocks out
  (``failed_blocks``).
- a block the service says is taken (``BlockTaken``, composed behind
  Mogan's back since the claim) is reserved in the view and in Placement
  (``taken_blocks``), so no scheduler offers it again, and the build
  fails reschedulably: the next attempt is placed on other blocks.
- delete, after teardown and unbind: ``unenrol_composed``, ``decompose``,
  the claim released, ``forget_composed``. A finished decompose marks its
  blocks ``Unused`` in no system in the view, so the scheduler offers
  them at once, not after the next composition sync.

The node is enrolled with no resource class: the node sync gives such a
node a row but never a Placement provider, and the scheduler's candidates
match a flavor's class, so a composed node is never offered nor claimed
(its capacity is its blocks', claimed by the server). Steps that find no
composed system do nothing and record no server action event.

Every driver and Placement call is made outside a database transaction;
polls return ``Wait``.

What must not live here: choosing and claiming blocks (the scheduler's),
the blocks' sync (``composition_sync``), Redfish (the driver's).
"""

import contextlib
import dataclasses
import logging

from mogan import exception, states
from mogan.db.api import composition as composition_db
from mogan.db.api import node as node_db
from mogan.db.api import node_lock as node_lock_db
from mogan.db.api import server as server_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.drivers import hardware, interfaces
from mogan.engine import (
    composition,
    composition_tree,
    enrolment,
    steps,
    taken_blocks,
    workflow,
)
from mogan.services import node_enrolment

LOG = logging.getLogger(__name__)
WHAT = "compose nodes"
# NOTE: the state key saying this workflow's server is composed: its
# composed steps act and record events; BuildLock leaves the claim to them.
COMPOSED = "composed"
COMPOSE_STARTED = "compose_started_at"
DECOMPOSE_STARTED = "decompose_started_at"
TAKEN = "block_taken"
# NOTE: the block providers a reschedule leaves out should this attempt
# fail (``failed_blocks``): all of the attempt's, or the one found taken.
FAILED_BLOCKS = "failed_blocks"
# NOTE: a composed node has no class of its own (see the module docstring).
RESOURCE_CLASS = ""


def system_name(node_uuid: str) -> str:
    """The name of a composed system on its service: after its node's uuid.

    NOTE: the node uuid is new for each placement of a server (and kept
    when a workflow resumes), so a system an attempt left behind never
    takes the name the next attempt asks for.
    """
    return f"mogan-{node_uuid}"


def node_name(node_uuid: str) -> str:
    """The name a composed system is enrolled under."""
    return f"composed-{node_uuid}"


@dataclasses.dataclass(frozen=True)
class Composed:
    """A server's ``composed_systems`` row, read outside its transaction."""

    server_uuid: str
    node_uuid: str
    service_uuid: str
    zone: str
    blocks: tuple[str, ...]
    system: str | None


def composed_of(ctx: workflow.StepContext) -> Composed | None:
    """The workflow's server's composed system, or None (not composed)."""
    with ctx.deps.db.transaction(readonly=True) as session:
        row = composition_db.composed_of(session, ctx.server_uuid)
        if row is None:
            return None
        return Composed(
            server_uuid=row.server_uuid,
            node_uuid=row.node_uuid,
            service_uuid=row.service_uuid,
            zone=row.zone,
            blocks=tuple(row.blocks or ()),
            system=row.system,
        )


def is_composed(ctx: workflow.StepContext) -> bool:
    """Whether a composed step of this workflow found a composed system."""
    return bool(ctx.state.get(COMPOSED))


def _composer(ctx: workflow.StepContext) -> interfaces.CompositionInterface:
    return driver_caps.require(ctx.deps.driver, interfaces.CompositionInterface, WHAT)


def _service(ctx: workflow.StepContext, row: Composed) -> driver_base.BmcAccess:
    """How to reach the row's composition service.

    Raises:
        CompositionServiceNotFound: it was removed (it cannot be while
            Placement holds the claim, so only by hand).
    """
    return composition.services(ctx.deps).access(row.service_uuid)[1]


class ComposedStep(workflow.Step):
    """A step of composed servers only: an event only where it acted."""

    def recorded(self, ctx: workflow.StepContext) -> bool:
        """Only composed servers' workflows show these steps."""
        return is_composed(ctx)


# ---------------------------------------------------------------- build


class Compose(ComposedStep):
    """Compose the claimed blocks into a system; undone by decomposing it."""

    name = "compose"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start the composition (once, idempotent at the service) and poll it.

        Raises:
            BlockTaken: a block is in another system; it is reserved first.
            StepFailed: the composition failed or took too long.
        """
        row = composed_of(ctx)
        if row is None:
            return workflow.DONE
        ctx.state[COMPOSED] = True
        ctx.state[FAILED_BLOCKS] = [
            composition_tree.block_provider(row.service_uuid, b) for b in row.blocks
        ]
        composer = _composer(ctx)
        service = _service(ctx, row)
        system = row.system
        if system is None and COMPOSE_STARTED in ctx.state:
            # NOTE: started before without noting the system (its answer
            # lost, or this step run again): adopt what the service made.
            system = _lost_system(ctx, composer, service, row)
        if system is None:
            steps.mark_started(ctx, COMPOSE_STARTED)
            request = hardware.ComposeRequest(
                name=system_name(row.node_uuid),
                resource_class=RESOURCE_CLASS,
                blocks=row.blocks,
            )
            try:
                system = composer.start_compose(service, request)
            except driver_base.BlockTaken as err:
                failure = _taken(ctx, composer, service, row, err)
                if failure is err:
                    raise
                raise failure from err
            with ctx.deps.db.transaction() as session:
                composition_db.set_system(session, ctx.server_uuid, system)
            LOG.info(
                "server %s: composing %s from %s",
                ctx.server_uuid,
                system,
                ", ".join(row.blocks),
            )
        result = steps.poll(
            ctx,
            composer.poll_compose(service, system),
            COMPOSE_STARTED,
            ctx.conf.engine.compose_timeout,
            "composing the system",
        )
        if not isinstance(result, workflow.Wait):
            # NOTE: the view says what the service now does, so that the
            # decompose can free the blocks in it at once (see ``decompose``).
            with ctx.deps.db.transaction() as session:
                composition_db.mark_composed(
                    session, row.service_uuid, row.blocks, system
                )
        return result

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Decompose what was composed (the claim goes in ``release``)."""
        if not is_composed(ctx):
            return workflow.DONE
        return decompose(ctx)


class EnrolComposed(ComposedStep):
    """Enrol the composed system as a node under the row's node uuid."""

    name = "enrol_composed"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Enrol (idempotent by uuid) and sync it; the server names it.

        Raises:
            Retry: Placement failed; the enrolment was undone.
            StepFailed: the system refused to be enrolled.
        """
        row = composed_of(ctx)
        if row is None or not is_composed(ctx):
            return workflow.DONE
        if row.system is None:
            raise workflow.StepFailed(reason="the server's system was not composed")
        composer = _composer(ctx)
        bmc = composer.composed_bmc(_service(ctx, row), row.system)
        name = node_name(row.node_uuid)
        node = node_enrolment.EnrolmentNode(
            uuid=row.node_uuid, name=name, resource_class=RESOURCE_CLASS
        )
        info = node_enrolment.DriverInfo(
            address=bmc.address,
            username=bmc.username or "",
            password=bmc.password or "",
            verify_ca=bmc.verify_tls,
        )
        try:
            enrolment.enroll(ctx.deps, node.to_wire(), info.to_wire())
        except exception.ServiceUnavailable as err:
            raise workflow.Retry(
                err.message, ctx.conf.engine.hardware_poll_interval
            ) from err
        except (exception.InvalidParameter, exception.NodeExists) as err:
            raise workflow.StepFailed(
                reason=f"the composed system {row.system} could not be enrolled: "
                f"{err.message}"
            ) from err
        with ctx.deps.db.transaction() as session:
            server_db.update(
                session, ctx.server_uuid, {"node": name}, expect_status=states.BUILDING
            )
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Unenrol the node (torn down and unlocked by the undos run before)."""
        if not is_composed(ctx):
            return workflow.DONE
        row = composed_of(ctx)
        if row is not None:
            unenrol(ctx, row.node_uuid)
        return workflow.DONE


def _taken(
    ctx: workflow.StepContext,
    composer: interfaces.CompositionInterface,
    service: driver_base.BmcAccess,
    row: Composed,
    err: driver_base.BlockTaken,
) -> driver_base.BlockTaken:
    """Reserve the blocks in the way; the error the step fails with.

    The block the service named, else those of the row it shows taken when
    read again (the error then names the first). The next attempt leaves
    out only those (the others may well do), or every block of the row
    when none is found taken (any may be).
    """
    taken = (
        [err.block]
        if err.block is not None
        else taken_blocks.find(composer, service, row.blocks)
    )
    ctx.state[TAKEN] = taken
    ctx.state[FAILED_BLOCKS] = [
        composition_tree.block_provider(row.service_uuid, b)
        for b in (taken or row.blocks)
    ]
    for block_id in taken:
        taken_blocks.reserve(ctx.deps, row.service_uuid, block_id)
    if err.block is None and taken:
        return driver_base.BlockTaken(
            block=taken[0],
            service=err.kwargs.get("service", service.address),
            reason=err.kwargs.get("reason", ""),
        )
    return err


def failed_blocks(ctx: workflow.StepContext) -> list[str]:
    """The block providers the next attempt must not use if this one failed.

    Every block of the attempt (the service, the system or its deploy
    failed on them, and which block is to blame is not known), or only
    the one the service said is taken. None for a server not composed.
    """
    return list(ctx.state.get(FAILED_BLOCKS) or ())


def release(ctx: workflow.StepContext) -> None:
    """After a failed build: free the claim, then forget the composed system.

    Called by ``BuildFlow.before_finish`` once every undo ran (the system is
    decomposed, or decomposing it was given up: then the service still has
    the blocks and the sync reserves them as not Mogan's).
    """
    if not is_composed(ctx):
        return
    steps.release_claim(ctx, ctx.server_uuid)
    forget(ctx)


# ---------------------------------------------------------------- delete


class UnenrolComposed(ComposedStep):
    """Remove the torn-down node of a composed server from the driver and Mogan."""

    name = "unenrol_composed"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Unenrol it (gone already: nothing to do)."""
        row = composed_of(ctx)
        if row is None:
            return workflow.DONE
        ctx.state[COMPOSED] = True
        unenrol(ctx, row.node_uuid)
        return workflow.DONE


class Decompose(ComposedStep):
    """Give a deleted composed server's blocks back to the service."""

    name = "decompose"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Start (once) and poll the decomposition."""
        if not is_composed(ctx):
            return workflow.DONE
        return decompose(ctx)


class ForgetComposed(ComposedStep):
    """Forget the composed system of a server whose claim was released."""

    name = "forget_composed"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """The ``composed_systems`` row goes."""
        if is_composed(ctx):
            forget(ctx)
        return workflow.DONE


# ---------------------------------------------------------------- shared


def decompose(ctx: workflow.StepContext) -> workflow.Result:
    """Start (once) and poll the decomposition of the server's system.

    Raises:
        StepFailed: the service failed to decompose it in time.
    """
    row = composed_of(ctx)
    if row is None:
        return workflow.DONE
    system = row.system
    if system is None and COMPOSE_STARTED not in ctx.state:
        return workflow.DONE
    composer = _composer(ctx)
    service = _service(ctx, row)
    if system is None:
        # NOTE: a compose started whose system was never noted (the
        # service's answer lost): it may exist all the same, under its name.
        system = _lost_system(ctx, composer, service, row)
        if system is None:
            ctx.state.pop(COMPOSE_STARTED, None)
            return workflow.DONE
    if DECOMPOSE_STARTED not in ctx.state:
        composer.start_decompose(service, system)
        steps.mark_started(ctx, DECOMPOSE_STARTED)
    result = steps.poll(
        ctx,
        composer.poll_decompose(service, system, tuple(row.blocks)),
        DECOMPOSE_STARTED,
        ctx.conf.engine.compose_timeout,
        f"decomposing {system}",
    )
    if isinstance(result, workflow.Wait):
        return result
    with ctx.deps.db.transaction() as session:
        composition_db.set_system(session, ctx.server_uuid, None)
        # NOTE: the blocks are free on the service: free in the view too, so
        # the scheduler offers them now rather than after the next sync
        # (only where the view still has them in this system).
        composition_db.mark_decomposed(session, row.service_uuid, row.blocks, system)
    ctx.state.pop(DECOMPOSE_STARTED, None)
    ctx.state.pop(COMPOSE_STARTED, None)
    LOG.info("server %s: decomposed %s", ctx.server_uuid, system)
    return workflow.DONE


def _lost_system(
    ctx: workflow.StepContext,
    composer: interfaces.CompositionInterface,
    service: driver_base.BmcAccess,
    row: Composed,
) -> str | None:
    """The system a started compose made though its path was never noted.

    Found by its name among the systems of the row's blocks, and noted in
    the row (``set_system``) so that what follows knows it.
    """
    system = composer.find_system(service, system_name(row.node_uuid), row.blocks)
    if system is not None:
        LOG.warning(
            "server %s: found %s, composed though its start was not answered",
            ctx.server_uuid,
            system,
        )
        with ctx.deps.db.transaction() as session:
            composition_db.set_system(session, ctx.server_uuid, system)
    return system


def unenrol(ctx: workflow.StepContext, node_uuid: str) -> None:
    """Free the node from the server, then unenrol it (``engine.enrolment``).

    Raises:
        NodeInUse: the driver refused (a server still on it).
    """
    with ctx.deps.db.transaction() as session:
        row = node_db.find(session, node_uuid)
        if row is not None:
            node_lock_db.unlock(
                session,
                node_uuid,
                ctx.deps.host,
                steps.stale_before(ctx),
                free_from=ctx.server_uuid,
            )
    if row is None:
        # NOTE: enrolled by the driver but never synced (an engine died in
        # between), or gone already.
        enroller = driver_caps.require(
            ctx.deps.driver, driver_base.EnrollInterface, enrolment.WHAT
        )
        with contextlib.suppress(driver_base.NodeNotFound):
            enroller.unenroll(node_uuid)
    else:
        enrolment.unenroll(ctx.deps, node_uuid)
    if ctx.state.get("node_uuid") == node_uuid:
        # NOTE: nothing left to unlock, refresh or read once it is gone.
        ctx.state.pop("node_uuid")


def forget(ctx: workflow.StepContext) -> None:
    """The claim is released (the blocks freed in the view too): the row goes."""
    with ctx.deps.db.transaction() as session:
        composition_db.remove_composed(session, ctx.server_uuid)
