"""The ``attach_interface`` and ``detach_interface`` flows (v1 section 5.3).

v1 attached and detached interfaces in one synchronous RPC call, and a
failure half way (a port made, its VIF refused) leaked the port. Here each
is a workflow, so an engine that dies mid-way leaves work that another
engine finishes or undoes, and a delete of the server waits for it
(``lifecycle.WaitForOthers``); the API waits for the workflow to end and
answers as v1 did (``services.server_interface``).

Attach: lock the node; choose a node port that carries none of the
server's networks (v1 never checked there was one); bind a port on it
(a new one on ``net_id``, or the caller's ``port_id``); plug the VIF
through the driver (``VifInterface``); record the NIC. Every step's undo
reverses it. Detach: lock the node; unplug the VIF; release the port (a
port Mogan made is deleted, the tenant's own is unbound); forget the NIC.
Detach has no undo past the unplug: a failure leaves the NIC recorded, so
detaching again finishes the job (each step is idempotent).
The guest's network configuration (the config drive) is not changed.

What must not live here: the checks made before the workflow starts and
waiting for it (``services.server_interface``), the port bookkeeping of
each backend (``mogan.network``).
"""

import logging
from typing import Any

from sqlalchemy import orm

from mogan import exception, states
from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.db.api import server_nic as nic_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import hardware as engine_hw
from mogan.engine import network_steps, steps, workflow
from mogan.network import base as network_base
from mogan.services import workflow_args

LOG = logging.getLogger(__name__)

ATTACH = workflow_args.Kind.ATTACH_INTERFACE.value
DETACH = workflow_args.Kind.DETACH_INTERFACE.value
# NOTE: the statuses an interface may change in (v1 had no check: the
# driver failed); the API refuses others before starting.
STATUSES = frozenset({states.ACTIVE, states.STOPPED})


def _attach_args(ctx: workflow.StepContext) -> workflow_args.AttachInterfaceArgs:
    return workflow_args.AttachInterfaceArgs.model_validate(ctx.args)


def _detach_args(ctx: workflow.StepContext) -> workflow_args.DetachInterfaceArgs:
    return workflow_args.DetachInterfaceArgs.model_validate(ctx.args)


def _vifs(ctx: workflow.StepContext) -> driver_base.VifInterface:
    return driver_caps.require(
        ctx.deps.driver, driver_base.VifInterface, "attach or detach interfaces"
    )


def _label(ctx: workflow.StepContext) -> str:
    with ctx.deps.db.transaction(readonly=True) as session:
        server = server_db.find(session, ctx.server_uuid)
    return exception.labelled(server.name if server else None, ctx.server_uuid)


def _fixed_ip(fixed: dict[str, Any]) -> driver_base.FixedIp:
    address = str(fixed.get("ip_address") or "")
    return driver_base.FixedIp(
        ip_address=address,
        version=int(fixed.get("version") or (6 if ":" in address else 4)),
        cidr=fixed.get("cidr"),
        netmask=fixed.get("netmask"),
        gateway=fixed.get("gateway"),
    )


def _driver_nic(nic: dict[str, Any]) -> driver_base.Nic:
    """The NIC kept in the state (or a NIC row's values) as the driver's."""
    return driver_base.Nic(
        mac=str(nic["mac_address"]),
        port_id=str(nic["port_id"]),
        network_id=str(nic["network_id"]),
        fixed_ips=tuple(_fixed_ip(f) for f in nic.get("fixed_ips") or []),
    )


def _check_status(ctx: workflow.StepContext) -> None:
    """Stop (and undo) when the server left active/stopped (being deleted)."""
    with ctx.deps.db.transaction(readonly=True) as session:
        server = server_db.find(session, ctx.server_uuid)
        current = server.status if server else None
    if current not in STATUSES:
        raise workflow.Aborted(reason=f"server is {current or 'gone'}")


# ---------------------------------------------------------------- attach


class ChooseNodePort(workflow.Step):
    """Pick the node port the new interface goes on (kept for a resumed run)."""

    name = "choose_node_port"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """The first node port no NIC (nor bond member) of the server is on.

        Raises:
            DriverCannot: the driver cannot plug VIFs one at a time.
            InterfaceAttachFailed: every port of the node is taken.
        """
        _vifs(ctx)
        if ctx.state.get("mac_address"):
            return workflow.DONE
        with ctx.deps.db.transaction(readonly=True) as session:
            server = server_db.get(session, ctx.server_uuid)
            node = node_db.find(session, ctx.state["node_uuid"])
            ports = [str(mac).lower() for mac in (node.ports if node else [])]
            used = {str(nic.mac_address).lower() for nic in server.nics}
            for bond in engine_hw.recorded_bonds(server.hardware_result):
                used.update(mac.lower() for mac in bond.links)
            label = exception.labelled(server.name, server.uuid)
        free = [mac for mac in ports if mac not in used]
        if not free:
            raise exception.InterfaceAttachFailed(
                server=label,
                reason=(
                    f"its node has no free port: all {len(ports)} carry the "
                    "server's networks"
                ),
            )
        ctx.state["mac_address"] = free[0]
        return workflow.DONE


class BindInterface(workflow.Step):
    """Bind a port on the chosen node port (a new one, or the caller's)."""

    name = "bind_interface"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Bind (idempotent in the backend) and keep the NIC in the state.

        The port is bound as a build's are (``network_steps``): on the node,
        with the chosen NIC's cabling from the driver's inventory.

        Raises:
            NetworkNotFound, NetworkNotUsable, NetworkFull: for ``net_id``.
            PortNotFound, PortInUse: for ``port_id``.
        """
        args = _attach_args(ctx)
        mac = ctx.state["mac_address"]
        node_uuid = ctx.state["node_uuid"]
        with ctx.deps.db.transaction(readonly=True) as session:
            server = server_db.find(session, ctx.server_uuid)
            project_id = server.project_id if server else ""
        inventory = ctx.deps.driver.get_inventory(node_uuid)
        nics = {nic.mac.lower(): nic for nic in inventory.nics}
        binding = network_steps.port_binding(
            node_uuid, engine_hw.PortPlan(net_id=str(args.net_id), macs=(mac,)), nics
        )
        request = network_base.PortRequest(
            network_id=str(args.net_id), port_id=args.port_id
        )
        nic = ctx.deps.network.bind(
            ctx.request_context(), ctx.server_uuid, request, binding, project_id
        )
        ctx.state["port_id"] = nic.port_id
        ctx.state["nic"] = {
            "port_id": nic.port_id,
            "network_id": nic.network_id,
            "mac_address": mac,
            "fixed_ips": nic.fixed_ips,
        }
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Release the port: deleted when Mogan made it, else unbound.

        A bind that failed midway recorded no port: the caller's own port is
        still known from the request (and unbound only if bound to this
        server); a port Mogan made goes with the server's ports on delete.
        """
        port_id = ctx.state.get("port_id") or _attach_args(ctx).port_id
        if port_id:
            ctx.deps.network.unbind_port(
                ctx.request_context(), ctx.server_uuid, port_id
            )
        return workflow.DONE


class PlugVif(workflow.Step):
    """Plug the port's VIF on the node through the driver."""

    name = "plug_vif"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """``attach_vif`` (idempotent); a refusal fails the attach.

        Raises:
            InterfaceAttachFailed: the driver refused the VIF.
        """
        nic = _driver_nic(ctx.state["nic"])
        try:
            _vifs(ctx).attach_vif(ctx.state["node_uuid"], nic)
        except driver_base.NodeLocked:
            raise
        except driver_base.DriverError as err:
            raise exception.InterfaceAttachFailed(
                server=_label(ctx), reason=err.message
            ) from err
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Unplug it again (not plugged: nothing to do)."""
        port_id = ctx.state.get("port_id")
        if port_id and ctx.state.get("node_uuid"):
            _vifs(ctx).detach_vif(ctx.state["node_uuid"], port_id)
        return workflow.DONE


class RecordNic(workflow.Step):
    """Record the new NIC: the server's networks and addresses show it."""

    name = "record_nic"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Add the NIC row (already there: a repeat)."""
        nic = ctx.state["nic"]
        preserve = _attach_args(ctx).port_id is not None
        with ctx.deps.db.transaction() as session:
            nic_db.add(
                session,
                ctx.server_uuid,
                {
                    "port_id": nic["port_id"],
                    "network_id": nic["network_id"],
                    "mac_address": nic["mac_address"],
                    "fixed_ips": nic["fixed_ips"],
                    "preserve_on_delete": preserve,
                },
            )
        return workflow.DONE

    def undo(self, ctx: workflow.StepContext) -> workflow.Result:
        """Forget the NIC row."""
        port_id = ctx.state.get("port_id")
        if port_id:
            with ctx.deps.db.transaction() as session:
                nic_db.delete(session, ctx.server_uuid, port_id)
        return workflow.DONE


class AttachInterfaceFlow(workflow.Flow):
    """Attach an interface to an active or stopped server."""

    kind = ATTACH
    steps = (
        steps.LockNode(assign=False),
        ChooseNodePort(),
        BindInterface(),
        PlugVif(),
        RecordNic(),
    )

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop when the server left active/stopped (being deleted)."""
        _check_status(ctx)

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """Drop the node's reservation."""
        steps.unlock(ctx, session)

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Drop the reservation; the server is as it was (the caller hears why)."""
        del error
        steps.unlock(ctx, session)


# ---------------------------------------------------------------- detach


class UnplugVif(workflow.Step):
    """Unplug the interface's VIF from the node."""

    name = "unplug_vif"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """``detach_vif`` (not plugged: nothing to do).

        Raises:
            InterfaceDetachFailed: the driver refused.
        """
        port_id = _detach_args(ctx).port_id
        ctx.state["port_id"] = port_id
        try:
            _vifs(ctx).detach_vif(ctx.state["node_uuid"], port_id)
        except driver_base.NodeLocked:
            raise
        except driver_base.DriverError as err:
            raise exception.InterfaceDetachFailed(
                port=port_id, server=_label(ctx), reason=err.message
            ) from err
        return workflow.DONE


class ReleasePort(workflow.Step):
    """Release the interface's port in the network backend."""

    name = "release_port"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Delete the port Mogan made, unbind the tenant's (gone: nothing to do)."""
        ctx.deps.network.unbind_port(
            ctx.request_context(), ctx.server_uuid, _detach_args(ctx).port_id
        )
        return workflow.DONE


class ForgetNic(workflow.Step):
    """Forget the NIC row: the server's networks and addresses drop it."""

    name = "forget_nic"

    def do(self, ctx: workflow.StepContext) -> workflow.Result:
        """Delete the NIC row (gone already: a repeat)."""
        with ctx.deps.db.transaction() as session:
            nic_db.delete(session, ctx.server_uuid, _detach_args(ctx).port_id)
        return workflow.DONE


class DetachInterfaceFlow(workflow.Flow):
    """Detach an interface from an active or stopped server."""

    kind = DETACH
    steps = (steps.LockNode(assign=False), UnplugVif(), ReleasePort(), ForgetNic())

    def check(self, ctx: workflow.StepContext) -> None:
        """Stop when the server left active/stopped (being deleted)."""
        _check_status(ctx)

    def on_done(self, ctx: workflow.StepContext, session: orm.Session) -> None:
        """Drop the node's reservation."""
        steps.unlock(ctx, session)

    def on_failed(
        self, ctx: workflow.StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Drop the reservation; the interface stays (the caller hears why)."""
        del error
        steps.unlock(ctx, session)
