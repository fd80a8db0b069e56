"""The ``redfish`` driver: nodes enrolled into Mogan, driven through their BMCs.

For sites without Ironic: each node is a Redfish ComputerSystem reached
with sushy (``redfish_client``: one session per BMC, bounded retries and
timeouts, TLS checked by default). Nodes are enrolled into the node store
the engine gives the driver (``needs_store``), with the BMC address
``https://host[:port]/redfish/v1/Systems/<id>`` and its credentials.

- Inventory: read from Redfish (``redfish_inventory``).
- Power: ``ComputerSystem.Reset`` started by ``start_power`` and polled
  against ``PowerState`` (a reboot is done once the system is on again, as
  Ironic's Redfish power interface has it).
- Deploy by virtual media, hardware (firmware, RAID, BIOS) applied first,
  teardown restoring the node: ``redfish_provision`` and
  ``redfish_deploy``; disk images through an installer ISO
  (``redfish_install``); checks and results of the hardware interface:
  ``redfish_hardware``.
- Composition (systems composed from a Redfish CompositionService's
  blocks, then enrolled like any node): ``redfish_composition``.

What must not live here: sushy calls of the deploy phases, the store's
state layout (``redfish_nodes``).
"""

import dataclasses
import threading
import time
import uuid
from concurrent import futures
from typing import Any, ClassVar

import sushy
from oslo_config import cfg

from mogan.conf import engine as engine_conf
from mogan.conf import hardware as hardware_conf
from mogan.drivers import base, errors, redfish_opts
from mogan.drivers import redfish_client as rc
from mogan.drivers import redfish_composition as rcomp
from mogan.drivers import redfish_hardware as rhw
from mogan.drivers import redfish_inventory as rinv
from mogan.drivers import redfish_nodes as rnodes
from mogan.drivers import redfish_provision as rprov

DONE = base.Status(base.Progress.DONE)
IN_PROGRESS = base.Status(base.Progress.IN_PROGRESS)
# NOTE: how long the inventory an enrolment read stands for the node sync
# that follows it (seconds); longer, and the BMC is read again.
ENROLLED_FRESH = 30.0
# NOTE: Mogan's power targets -> (Redfish reset type, power state expected).
RESETS = {
    "on": (sushy.ResetType.ON, "power on"),
    "off": (sushy.ResetType.FORCE_OFF, "power off"),
    "soft_off": (sushy.ResetType.GRACEFUL_SHUTDOWN, "power off"),
    "reboot": (sushy.ResetType.FORCE_RESTART, "power on"),
    "soft_reboot": (sushy.ResetType.GRACEFUL_RESTART, "power on"),
}
SOFT = {"soft_off", "soft_reboot"}


class RedfishDriver(
    rprov.Provisioning,
    rcomp.Composition,
    base.Driver,
    base.EnrollInterface,
    base.HardwareInterface,
    base.CompositionInterface,
):
    """Nodes enrolled into Mogan, reached through their Redfish BMCs."""

    name = "redfish"
    needs_store: ClassVar[bool] = True

    @classmethod
    def list_opts(cls) -> list[tuple[str, list[cfg.Opt]]]:
        """``[redfish]``: timeouts, retries, TLS, media lifetime."""
        return redfish_opts.list_opts()

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Read ``[redfish]``, ``[hardware]`` and ``[engine]``; no BMC yet.

        ``[engine] deploy_timeout`` bounds each deploy phase's wait, so that
        a deploy that hangs fails naming its phase.
        """
        super().__init__(conf)
        hardware_conf.register_opts(conf)
        engine_conf.register_opts(conf)
        opts = conf.redfish
        self.connections = rc.Connections(
            rc.Settings(
                connect_timeout=opts.connect_timeout,
                read_timeout=opts.read_timeout,
                retries=opts.server_side_retries,
                retry_delay=opts.server_side_retries_delay,
                verify_tls=opts.verify_tls,
                ca_file=opts.ca_file,
            )
        )
        # NOTE: the inventory an enrolment just read, handed once to the
        # node sync that follows it in this process (node uuid -> when
        # read, what): the BMC is not asked twice in a row.
        self._enrolled: dict[str, tuple[float, base.Inventory]] = {}
        self._enrolled_lock = threading.Lock()

    def close(self) -> None:
        """Log out of every BMC (the driver stays usable)."""
        self.connections.close()

    # ------------------------------------------------------------ inventory

    def list_nodes(self) -> list[base.NodeSpec]:
        """Every enrolled node, by name, with its BMC's power state."""
        stored = self._store().list()
        if not stored:
            return []
        workers = min(len(stored), self.conf.redfish.sync_workers)
        with futures.ThreadPoolExecutor(workers) as pool:
            powers = list(pool.map(self.power_of, stored))
        return [
            self.spec(node, power) for node, power in zip(stored, powers, strict=True)
        ]

    def get_node(self, node_uuid: str) -> base.NodeSpec:
        """One node with its BMC's power state."""
        stored = self._stored(node_uuid)
        return self.spec(stored, self.power_of(stored))

    def get_inventory(self, node_uuid: str) -> base.Inventory:
        """The node's hardware as its BMC describes it.

        Right after this driver enrolled the node (``ENROLLED_FRESH``
        seconds, nothing done to it since), the inventory the enrolment
        read, once.
        """
        with self._enrolled_lock:
            read_at, fresh = self._enrolled.pop(node_uuid, (0.0, None))
        stored = self._stored(node_uuid)
        # NOTE: only while the node's state was never written since it was
        # stored (version 1): a deploy, teardown or power change writes it,
        # and may have changed what the BMC would say (firmware, volumes).
        if (
            fresh is not None
            and stored.version == 1
            and time.monotonic() - read_at < ENROLLED_FRESH
        ):
            return fresh
        root, system = self.bmc(stored)
        with rc.translate(node_uuid, "read the inventory"):
            return rinv.read(root, system)

    # ------------------------------------------------------------ enrolment

    def validate_bmc(self, bmc: base.BmcAccess) -> base.Inventory:
        """Log in, read the system; its inventory.

        Raises:
            BmcRefused: bad address, unreachable, no such system, or the
                credentials refused.
        """
        try:
            root = self.connections.root(bmc)
            with rc.translate(bmc.address, "read the system"):
                system = rc.system(root, bmc)
                return rinv.read(root, system)
        except errors.BmcRefused:
            self.connections.forget(bmc)
            raise
        except errors.DriverError as err:
            self.connections.forget(bmc)
            raise errors.BmcRefused(
                address=bmc.address, reason=rnodes.reason(err)
            ) from err

    def enroll(self, node: base.NodeSpec, bmc: base.BmcAccess | None = None) -> bool:
        """Check the BMC and store the node; False when its uuid is there.

        Ports default to the system's NICs; given ones must be among them.
        CPUs, memory, disk size and architecture from the BMC fill the
        properties the spec leaves out.

        Raises:
            BmcRefused: the BMC refuses or cannot be reached.
            DriverError: no BMC given, a port the system lacks, a name taken.
        """
        if bmc is None:
            raise errors.DriverError(
                node=node.uuid, reason="a Redfish node is enrolled with its BMC"
            )
        inventory = self.validate_bmc(bmc)
        macs = [nic.mac.lower() for nic in inventory.nics]
        ports = tuple(p.lower() for p in node.ports) or tuple(macs)
        strays = [p for p in ports if p not in macs]
        if strays:
            raise errors.DriverError(
                node=node.uuid, reason=f"the system has no NIC {', '.join(strays)}"
            )
        facts = {
            "cpus": inventory.cpus,
            "memory_mb": inventory.memory_mb,
            "cpu_arch": inventory.cpu_arch,
            "local_gb": max((d.size_gb for d in inventory.disks), default=None),
        }
        properties = {k: v for k, v in facts.items() if v is not None}
        properties.update(node.properties)
        spec = base.NodeSpec(
            uuid=node.uuid,
            name=node.name,
            resource_class=node.resource_class,
            traits=node.traits,
            properties=properties,
            ports=ports,
        )
        state = {"instance_uuid": node.instance_uuid}
        added = self._store().add(spec, bmc, state)
        if not added:
            return added
        with self._enrolled_lock:
            now = time.monotonic()
            self._enrolled = {
                u: v for u, v in self._enrolled.items() if now - v[0] < ENROLLED_FRESH
            }
            self._enrolled[node.uuid] = (now, inventory)
        return added

    def update_node(
        self, node: base.NodeSpec, bmc: base.BmcAccess | None = None
    ) -> None:
        """Rename or reclassify a node; with ``bmc``, reach it through that.

        A new BMC is validated first (nothing changes when it refuses);
        ports change only when given.

        Raises:
            NodeNotFound: no such node.
            BmcRefused: the new BMC refuses or cannot be reached.
            DriverError: another node has the new name.
        """
        if bmc is not None:
            self.validate_bmc(bmc)
        stored = self._stored(node.uuid)
        spec = dataclasses.replace(
            stored.spec,
            name=node.name,
            resource_class=node.resource_class,
            traits=tuple(node.traits),
            properties=dict(node.properties),
            ports=tuple(node.ports) or stored.spec.ports,
        )
        self._store().update(node.uuid, spec=spec, bmc=bmc)
        if bmc is not None:
            self.connections.forget(stored.bmc)

    def unenroll(self, node_uuid: str) -> None:
        """Forget a node (refused while a server is on it; gone: no-op).

        Raises:
            DriverError: the node is reserved for a server or busy.
        """
        try:
            stored = self._stored(node_uuid)
        except errors.NodeNotFound:
            return
        if stored.state.get("instance_uuid") or rnodes.busy(
            stored.state.get("op"), ("teardown",)
        ):
            raise errors.DriverError(node=node_uuid, reason="a server is on the node")
        self.connections.forget(stored.bmc)
        self._store().remove(node_uuid)

    def set_maintenance(self, node_uuid: str, on: bool, reason: str = "") -> None:
        """Take the node out of service (``on``) or give it back."""

        def apply(state: rnodes.State) -> rnodes.State:
            state["maintenance"] = (reason or "set by an operator") if on else None
            return state

        self.change(node_uuid, apply)

    # ------------------------------------------------------------ power

    def get_power_state(self, node_uuid: str) -> str | None:
        """``power on``/``power off`` from the BMC; None when unknown."""
        return self.power_of(self._stored(node_uuid))

    def start_power(self, node_uuid: str, target: str) -> None:
        """Start a reset of a deployed node (the same one running: no-op)."""
        if target not in RESETS:
            raise errors.DriverError(
                node=node_uuid, reason=f"unknown power target {target}"
            )
        stored = self._stored(node_uuid)
        state = stored.state
        if not state.get("instance_uuid"):
            raise errors.DriverError(node=node_uuid, reason="the node is not deployed")
        if rnodes.busy(state.get("op"), (*rnodes.DEPLOY_KINDS, "teardown")):
            raise errors.NodeLocked(
                node=node_uuid, reason="a deploy or teardown is running"
            )
        _root, system = self.bmc(stored)
        current = state.get("power") or {}
        if current and self._power_status(current, system) == IN_PROGRESS:
            if current["target"] == target:
                return
            raise errors.NodeLocked(node=node_uuid, reason="another power action runs")
        reset, expect = RESETS[target]
        now = rnodes.POWER_STATES.get(str(system.json.get("PowerState")))
        if target in {"reboot", "soft_reboot"} and now == "power off":
            reset = sushy.ResetType.ON
        record_id = uuid.uuid4().hex
        record = {
            "id": record_id,
            "target": target,
            "expect": expect,
            "error": None,
            "started": time.time(),
        }

        def claim(state: rnodes.State) -> rnodes.State:
            if (state.get("power") or {}).get("id") != current.get("id"):
                raise errors.NodeLocked(
                    node=node_uuid, reason="another power action runs"
                )
            state["power"] = record
            return state

        self.change(node_uuid, claim)
        # NOTE: some BMCs refuse to switch off a system that is off.
        if target in {"on", "off", "soft_off"} and now == expect:
            return
        try:
            with rc.translate(node_uuid, f"power {target}"):
                system.reset_system(reset)
        except errors.DriverError as err:
            self._power_failed(node_uuid, record_id, rnodes.reason(err))

    def _power_failed(self, node_uuid: str, record_id: str, message: str) -> None:
        def failed(state: rnodes.State) -> rnodes.State:
            if (state.get("power") or {}).get("id") != record_id:
                raise rnodes.Unchanged
            state["power"]["error"] = message
            return state

        self.change(node_uuid, failed)

    def _power_status(self, record: dict[str, Any], system: Any) -> base.Status:
        if record.get("error"):
            return base.Status(base.Progress.FAILED, record["error"])
        raw = system.json.get("PowerState")
        if rnodes.POWER_STATES.get(str(raw)) == record["expect"]:
            return DONE
        limit = self.conf.redfish.soft_power_timeout
        if record["target"] in SOFT and time.time() - record["started"] > limit:
            return base.Status(
                base.Progress.FAILED,
                f"{record['target']} not done in {limit:.0f} s (the OS ignored it?)",
            )
        return IN_PROGRESS

    def poll_power(self, node_uuid: str) -> base.Status:
        """Progress of the last power action (DONE when there was none)."""
        stored = self._stored(node_uuid)
        record = stored.state.get("power")
        if not record:
            return DONE
        if record.get("error"):
            return base.Status(base.Progress.FAILED, record["error"])
        try:
            _root, system = self.bmc(stored)
        except errors.DriverError:
            return IN_PROGRESS
        return self._power_status(record, system)

    # ------------------------------------------------------------ hardware

    def validate_hardware(self, node_uuid: str, request: base.HardwareRequest) -> None:
        """Check the request against the BMC's inventory and features."""
        stored = self._stored(node_uuid)
        if not request:
            return
        root, system = self.bmc(stored)
        with rc.translate(node_uuid, "read the inventory"):
            inventory = rinv.read(root, system)
            rhw.check(node_uuid, system, inventory, request)

    def hardware_result(self, node_uuid: str) -> base.HardwareResult:
        """What the last deploy applied, read back from the BMC."""
        stored = self._stored(node_uuid)
        record = stored.state.get("hardware") or {}
        if not record.get("sections"):
            return base.HardwareResult()
        root, system = self.bmc(stored)
        with rc.translate(node_uuid, "read the hardware"):
            return rhw.result(system, rinv.firmware(root, system), record)
