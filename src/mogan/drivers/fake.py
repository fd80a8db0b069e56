"""The fake driver: a simulated fleet for the all-in-one, demos and tests.

The fleet's storage (``fake_fleet``) is the simulation's "hardware": an
SQLite file shared by every process on the host. This module holds the
driver's rules on top of it: what each operation does to a node and when it
may start, and adoption; enrolment (with simulated ``fake://`` BMCs) is
``fake_enrolment``'s, mixed in. The
node inventory (made up per node by ``fake_inventory`` unless scripted) and
hardware configuration (RAID, BIOS, firmware, bonds applied by deploys and
restored by teardowns) are ``fake_configurer``'s, mixed in; the ``[fake]``
options are in ``fake_opts``.

Time is simulated without threads or sleeps: an operation started at ``t``
with duration ``d`` records both, and every read computes from
``time.time()`` whether it has finished (``settle``). The outcome (and the
console lines it prints) is decided when the operation starts, so a poll
never writes. Behaviour is scriptable per node (``fake_scripting``):
durations, the next N failures of deploys (and rebuilds), power actions or
cleanings, maintenance, out-of-band power changes, the inventory, and
hardware sections that fail or take time. The VIFs plugged on each node's
ports (by deploys, teardowns and interface attach/detach) are
``fake_vifs``'s, mixed in.

What must not live here: SQL, connections and the node record (those are
``fake_fleet``'s), anything of Mogan's database or services (drivers reach
hardware only, and import-linter enforces it), and any real waiting.
"""

import dataclasses
import sqlite3
import time
from typing import Any, Self

from oslo_config import cfg

from mogan import states
from mogan.conf import hardware as hardware_conf
from mogan.drivers import (
    base,
    fake_configurer,
    fake_enrolment,
    fake_fleet,
    fake_inventory,
    fake_opts,
    fake_scripting,
    fake_vifs,
)

# NOTE: re-exported so callers (and tests) keep naming them ``fake.X``.
FILE_NAME = fake_fleet.FILE_NAME
AVAILABLE = fake_fleet.AVAILABLE
DEPLOYING = fake_fleet.DEPLOYING
ACTIVE = fake_fleet.ACTIVE
DEPLOY_FAILED = fake_fleet.DEPLOY_FAILED
CLEANING = fake_fleet.CLEANING
CLEAN_FAILED = fake_fleet.CLEAN_FAILED

GROUP = fake_opts.GROUP
OPTS = fake_opts.OPTS
BMC_SCHEME = fake_enrolment.BMC_SCHEME


class FakeDriver(
    fake_scripting.Scripting,
    fake_configurer.Configurer,
    fake_enrolment.Enrolment,
    fake_vifs.Vifs,
    base.Driver,
    base.ConsoleInterface,
    base.ManageInterface,
):
    """Simulated nodes in an SQLite file shared by every process on the host."""

    name = "fake"

    @classmethod
    def list_opts(cls) -> list[tuple[str, list[cfg.Opt]]]:
        """``[fake]``: default durations of the simulated operations."""
        return [(GROUP, OPTS)]

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Self:
        """The fleet under ``state_path``, durations from ``[fake]``.

        BIOS settings are restored at teardown per ``[hardware]
        restore_bios``.
        """
        cls.register_opts(conf)
        hardware_conf.register_opts(conf)
        return cls(
            conf.state_path,
            deploy_seconds=conf.fake.deploy_seconds,
            power_seconds=conf.fake.power_seconds,
            clean_seconds=conf.fake.clean_seconds,
            hardware_seconds=conf.fake.hardware_seconds,
            restore_bios=conf.hardware.restore_bios,
            inventories=fake_inventory.load(conf.fake.inventory_file),
        )

    def __init__(
        self,
        state_path: str,
        deploy_seconds: float = 0.0,
        power_seconds: float = 0.0,
        clean_seconds: float = 0.0,
        *,
        hardware_seconds: float = 0.0,
        restore_bios: str = "previous",
        inventories: dict[str, base.Inventory] | None = None,
    ) -> None:
        """Use (and create when missing) the fleet file under ``state_path``.

        Args:
            state_path: directory of ``fake-fleet.sqlite``.
            deploy_seconds: default duration of deploys and rebuilds.
            power_seconds: default duration of power actions.
            clean_seconds: default duration of teardowns (cleaning).
            hardware_seconds: what each hardware section adds to a deploy.
            restore_bios: ``previous``, ``factory`` or ``none`` (see
                ``[hardware] restore_bios``).
            inventories: hardware by node name or uuid (``*``: any other
                node), instead of made-up hardware.
        """
        self._fleet = fake_fleet.Fleet(state_path)
        self.path = self._fleet.path
        self.deploy_seconds = deploy_seconds
        self.power_seconds = power_seconds
        self.clean_seconds = clean_seconds
        self.hardware_seconds = hardware_seconds
        self.restore_bios = restore_bios
        self.inventories = dict(inventories or {})

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Close the pooled connections (the driver stays usable)."""
        self._fleet.close()

    def _script(self, node: fake_fleet.Node, kind: str) -> tuple[float, str | None]:
        """Duration and (decided now) error of the node's next ``kind`` operation."""
        seconds = getattr(node, f"{kind}_seconds")
        duration = getattr(self, f"{kind}_seconds") if seconds is None else seconds
        failures = getattr(node, f"fail_{kind}")
        if failures <= 0:
            return duration, None
        setattr(node, f"fail_{kind}", failures - 1)
        return duration, f"simulated {kind} failure"

    def _begin(
        self,
        conn: sqlite3.Connection,
        node: fake_fleet.Node,
        op: str,
        nics: tuple[base.Nic, ...] = (),
        *,
        extra_seconds: float = 0.0,
        error: str | None = None,
        **values: Any,
    ) -> float:
        """Start a deploy, rebuild or teardown, print its console lines; its end.

        ``extra_seconds`` (hardware sections) lengthen it; ``error`` fails
        it unless scripting already does.
        """
        teardown = op == "teardown"
        key = "teardown" if teardown else "deploy"
        duration, node.prov_error = self._script(node, "clean" if teardown else key)
        duration += extra_seconds
        node.prov_error = node.prov_error or error
        now = time.time()
        # NOTE: a superseded operation (a deploy aborted by a teardown) must
        # not print its future lines; the log keeps the last lines only.
        self._fleet.forget_console(conn, node.uuid, now)
        node.prov_op, node.prov_started_at, node.prov_duration = op, now, duration
        node.power_target, node.power_settled = None, True
        node.power_state = states.POWER_ON
        node.provision_state = CLEANING if teardown else DEPLOYING
        values |= {"op": op, "error": node.prov_error}
        self._fleet.print(conn, node, now, key, **values)
        for nic in nics:
            self._fleet.print(conn, node, now, "vif", **dataclasses.asdict(nic))
        end = "done" if node.prov_error is None else "failed"
        self._fleet.print(conn, node, now + duration, f"{key} {end}", **values)
        return now + duration

    # ------------------------------------------------------------ inventory

    def list_nodes(self) -> list[base.NodeSpec]:
        """Every simulated node, by name."""
        nodes = self._fleet.read_all()
        return [node.to_spec() for node in nodes]

    def get_node(self, node_uuid: str) -> base.NodeSpec:
        """One simulated node."""
        return self._fleet.read(node_uuid).to_spec()

    def provision_state(self, node_uuid: str) -> str:
        """The simulated provision state (``available``, ``deploying`` ...)."""
        return self._fleet.read(node_uuid).provision_state

    def enroll_deployed(self, node: base.NodeSpec) -> bool:
        """Add a node deployed outside Mogan: active, powered on, no instance.

        Such a node is what adoption (``list_manageable``/``adopt``) finds.

        Raises:
            DriverError: another node already has this name.
        """
        added = self.enroll(node)
        if added:
            with self._fleet.change(node.uuid) as (record, _):
                record.provision_state = ACTIVE
                record.power_state = states.POWER_ON
        return added

    # ------------------------------------------------------------ adoption

    def list_manageable(self) -> list[base.ManageableNode]:
        """Active nodes with no instance and not in maintenance."""
        return [
            base.ManageableNode(
                uuid=n.uuid,
                name=n.name,
                resource_class=n.resource_class,
                power_state=n.power_state,
                provision_state=n.provision_state,
                ports=tuple(n.ports),
            )
            for n in self._fleet.read_all()
            if n.provision_state == ACTIVE
            and n.instance_uuid is None
            and not n.maintenance
        ]

    def adopt(self, node_uuid: str, server_uuid: str) -> None:
        """Record the server as the node's instance; the node keeps running.

        Raises:
            NodeNotFound: no such node.
            DriverError: the node is not active, is in maintenance, or
                already has an instance.
        """
        with self._fleet.change(node_uuid) as (node, _):
            if node.instance_uuid == server_uuid:
                return
            if (
                node.provision_state != ACTIVE
                or node.instance_uuid is not None
                or node.maintenance
            ):
                raise base.DriverError(
                    node=node_uuid,
                    reason=(
                        f"not manageable (provision state {node.provision_state}, "
                        f"instance {node.instance_uuid}, maintenance "
                        f"{node.maintenance})"
                    ),
                )
            node.instance_uuid = server_uuid

    # ------------------------------------------------------------ power

    def get_power_state(self, node_uuid: str) -> str | None:
        """``power on`` or ``power off``."""
        return self._fleet.read(node_uuid).power_state

    def start_power(self, node_uuid: str, target: str) -> None:
        """Begin a power action on a deployed node (or one whose deploy failed).

        Re-issuing the action in progress is a no-op.
        """
        if target not in fake_fleet.POWER_TARGETS:
            raise base.DriverError(node=node_uuid, reason=f"no power action {target}")
        with self._fleet.change(node_uuid) as (node, conn):
            state = node.provision_state
            if state == DEPLOYING:
                raise base.NodeLocked(node=node_uuid, reason="it is being deployed")
            if state not in {ACTIVE, DEPLOY_FAILED}:
                reason = f"it is not deployed ({state})"
                raise base.DriverError(node=node_uuid, reason=reason)
            if not node.power_settled:
                if node.power_target == target:
                    return
                reason = f"power {node.power_target} is in progress"
                raise base.NodeLocked(node=node_uuid, reason=reason)
            duration, node.power_error = self._script(node, "power")
            node.power_target, node.power_settled = target, False
            node.power_started_at = now = time.time()
            node.power_duration = duration
            self._fleet.print(conn, node, now, "power", target=target)
            end = f"{target} done" if node.power_error is None else "power failed"
            self._fleet.print(
                conn, node, now + duration, end, target=target, error=node.power_error
            )

    def poll_power(self, node_uuid: str) -> base.Status:
        """Progress of the last power action (DONE when there was none)."""
        node = self._fleet.read(node_uuid)
        if not node.power_settled:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.power_target is not None and node.power_error is not None:
            return base.Status(base.Progress.FAILED, node.power_error)
        return base.Status(base.Progress.DONE)

    # ------------------------------------------------------------ deploy

    def start_deploy(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Reserve the node for the server and begin deploying.

        A repeated call for the same server while deploying or active is a
        no-op; after a failed deploy it deploys again.
        """
        server = request.server_uuid
        with self._fleet.change(node_uuid) as (node, conn):
            state = node.provision_state
            if node.instance_uuid == server and state in {DEPLOYING, ACTIVE}:
                return
            if state == CLEANING:
                raise base.NodeLocked(node=node_uuid, reason="it is being cleaned")
            if node.instance_uuid not in {None, server}:
                reason = f"it is reserved for server {node.instance_uuid}"
                raise base.DriverError(node=node_uuid, reason=reason)
            if node.maintenance or state not in {AVAILABLE, DEPLOY_FAILED}:
                raise base.DriverError(node=node_uuid, reason=node.why_not())
            self._begin_deploy(conn, node, "deploy", request)

    def start_rebuild(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Begin re-deploying a node active for the server.

        Re-issuing a rebuild in progress is a no-op. As in Ironic, a node
        whose deploy (or rebuild) failed may be rebuilt.
        """
        with self._fleet.change(node_uuid) as (node, conn):
            state = node.provision_state
            if node.instance_uuid != request.server_uuid:
                reason = f"it is not deployed for server {request.server_uuid}"
                raise base.DriverError(node=node_uuid, reason=reason)
            if state == DEPLOYING and node.prov_op == "rebuild":
                return
            if state == DEPLOYING or not node.power_settled:
                raise base.NodeLocked(node=node_uuid, reason="it is busy")
            if state not in {ACTIVE, DEPLOY_FAILED}:
                reason = f"provision state is {state}"
                raise base.DriverError(node=node_uuid, reason=reason)
            self._begin_deploy(conn, node, "rebuild", request)

    def _begin_deploy(
        self,
        conn: sqlite3.Connection,
        node: fake_fleet.Node,
        op: str,
        request: base.DeployRequest,
    ) -> None:
        ports = {mac.lower() for mac in node.ports}
        strays = [nic.mac for nic in request.nics if nic.mac.lower() not in ports]
        if strays:
            reason = f"it has no port {', '.join(strays)} to plug a network on"
            raise base.DriverError(node=node.uuid, reason=reason)
        record, extra, error = self._hardware_deploy(conn, node, op, request)
        node.instance_uuid = request.server_uuid
        fake_vifs.plug_deployed(conn, node.uuid, request.nics)
        end = self._begin(
            conn,
            node,
            op,
            request.nics,
            extra_seconds=extra,
            error=error,
            image=request.image_url,
            disk_format=request.disk_format,
            files=len(request.config_drive or {}),
        )
        self._hardware_done(
            conn, node.uuid, record, end, deployed=bool(request.hardware)
        )

    def poll_deploy(self, node_uuid: str) -> base.Status:
        """Progress of the deploy or rebuild; FAILED when none is on the node."""
        node = self._fleet.read(node_uuid)
        if node.provision_state == DEPLOYING:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.provision_state == ACTIVE:
            return base.Status(base.Progress.DONE)
        if node.provision_state == DEPLOY_FAILED:
            return base.Status(base.Progress.FAILED, node.prov_error)
        reason = f"node is not deployed ({node.provision_state})"
        return base.Status(base.Progress.FAILED, reason)

    def start_teardown(self, node_uuid: str) -> None:
        """Begin cleaning the node (aborting a deploy in progress).

        A node already cleaning, free, or whose cleaning failed is left as
        it is.
        """
        with self._fleet.change(node_uuid) as (node, conn):
            if node.provision_state in {CLEANING, AVAILABLE, CLEAN_FAILED}:
                return
            if not node.power_settled:
                raise base.NodeLocked(node=node_uuid, reason="it is busy")
            record, error = self._hardware_teardown(conn, node)
            fake_vifs.unplug_all(conn, node.uuid)
            end = self._begin(conn, node, "teardown", error=error)
            self._hardware_done(conn, node.uuid, record, end, deployed=False)

    def poll_teardown(self, node_uuid: str) -> base.Status:
        """Progress of the teardown; FAILED when cleaning failed."""
        node = self._fleet.read(node_uuid)
        if node.provision_state == CLEANING:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.provision_state == AVAILABLE:
            return base.Status(base.Progress.DONE)
        if node.provision_state == CLEAN_FAILED:
            return base.Status(base.Progress.FAILED, node.maintenance_reason)
        reason = f"node is not being torn down ({node.provision_state})"
        return base.Status(base.Progress.FAILED, reason)

    # ------------------------------------------------------------ console

    def get_console(self, node_uuid: str, kind: str) -> dict[str, str]:
        """A ``fake://`` URL for the serial console; no other kind exists."""
        self._fleet.read(node_uuid)
        if kind != "serial":
            raise base.ConsoleUnavailable(node=node_uuid, kind=kind)
        return {"type": "serial", "url": f"fake://console/{node_uuid}"}

    def console_log(self, node_uuid: str) -> str:
        """The simulated serial output so far (its last 500 lines)."""
        return self._fleet.console_log(node_uuid)
