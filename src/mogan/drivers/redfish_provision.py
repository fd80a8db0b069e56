"""Deploy, rebuild and teardown of Redfish nodes: reserve, then advance by polls.

``start_deploy`` checks the request (its image first: ``redfish_install``
refuses what it cannot deploy before any BMC is asked), publishes the
config drive (``MediaStore``, a name per attempt; with the installer's
instructions for a disk image) and reserves the node with one
compare-and-set of its state (``instance_uuid`` and a new ``op``): of
several engines deploying one node, one wins. Polls then advance the
operation through ``redfish_deploy``'s phases, one BMC step after another,
each phase's outcome written back with a compare-and-set: the progress
lives in the node store, so another engine carries on where one stopped.
NOTE: unlike other drivers' polls, these change the node (a BMC has no
deploy engine of its own to poll).

What must not live here: the phases themselves (``redfish_deploy``), the
hardware checks (``redfish_hardware``).
"""

import time
import uuid
from typing import Any

from sushy import exceptions as sushy_exc

from mogan.drivers import configdrive_iso, errors, store
from mogan.drivers import hardware as hw
from mogan.drivers import redfish_client as rc
from mogan.drivers import redfish_deploy as rdeploy
from mogan.drivers import redfish_hardware as rhw
from mogan.drivers import redfish_install as rinstall
from mogan.drivers import redfish_inventory as rinv
from mogan.drivers import redfish_nodes as rnodes
from mogan.drivers.models import DeployRequest, Progress, Status

MAX_STEPS = 10
DONE = Status(Progress.DONE)
IN_PROGRESS = Status(Progress.IN_PROGRESS)


def _failed(error: str) -> Status:
    return Status(Progress.FAILED, error)


class Provisioning(rnodes.NodeAccess):
    """The deploy interface of the Redfish driver."""

    # ------------------------------------------------------------ start

    def _plan(
        self, stored: store.StoredNode, request: hw.HardwareRequest
    ) -> dict[str, Any]:
        """The hardware record of a deploy asking for ``request``."""
        root, system = self.bmc(stored)
        with rc.translate(stored.spec.uuid, "read the inventory"):
            inventory = rinv.read(root, system)
            plan = rhw.check(stored.spec.uuid, system, inventory, request)
        for volume, disk in zip(plan.get("raid", []), request.raid, strict=True):
            volume["asked_gb"] = disk.size_gb
        return {
            "sections": [s.value for s in request.sections() if s.value in plan],
            "plan": plan,
            "updates": [
                {"component": u.component, "url": u.url} for u in request.firmware
            ],
            "tasks": [],
            "volumes": [],
            "errors": {},
        }

    def _publish(
        self, node_uuid: str, request: DeployRequest, path: rinstall.Path
    ) -> tuple[str | None, str | None]:
        """(name, URL) of the config drive medium (None: the deploy has none).

        On the installer path the medium also carries the installer's
        instructions (``redfish_install.medium``).
        """
        files = rinstall.medium(node_uuid, request, path)
        if files is None:
            return None, None
        if self.media_store is None:
            raise errors.DriverError(
                node=node_uuid, reason="no media store to serve the config drive from"
            )
        name = f"redfish-{node_uuid}-{uuid.uuid4().hex[:12]}.iso"
        url = self.media_store.publish(
            name, configdrive_iso.build(files), self.conf.redfish.media_ttl
        )
        return name, url

    def _withdraw(self, *names: str | None) -> None:
        if self.media_store is None:
            return
        for name in names:
            if name:
                self.media_store.withdraw(name)

    def _start(self, node_uuid: str, request: DeployRequest, kind: str) -> None:
        stored = self._stored(node_uuid)
        state = stored.state
        op = state.get("op") or {}
        same = state.get("instance_uuid") == request.server_uuid
        if (
            kind == "deploy"
            and same
            and op.get("kind") in rnodes.DEPLOY_KINDS
            and not op.get("error")
        ):
            return
        if kind == "rebuild" and same and rnodes.busy(op, ("rebuild",)):
            return
        # NOTE: before anything else: a refused image changes no BMC.
        installer_url = self.conf.redfish.installer_iso_url
        path = rinstall.plan(node_uuid, request, installer_url)
        self._refuse(stored, request, kind)
        ports = {p.lower() for p in stored.spec.ports}
        for nic in request.nics:
            if nic.mac.lower() not in ports:
                raise errors.DriverError(
                    node=node_uuid, reason=f"no port {nic.mac} for VIF {nic.port_id}"
                )
        record = self._plan(stored, request.hardware) if request.hardware else None
        name, url = self._publish(node_uuid, request, path)
        new_op = {
            "kind": kind,
            "id": uuid.uuid4().hex,
            "server": request.server_uuid,
            "phase": "firmware_start" if record else "media",
            "error": None,
            "image_url": request.image_url,
            "installer_url": installer_url if path == "installer" else None,
            "config_url": url,
            "media": name,
            "bios": (record or {}).get("plan", {}).get("bios", {}),
            "started": time.time(),
        }

        def reserve(state: rnodes.State) -> rnodes.State:
            self._refuse_state(node_uuid, state, request, kind)
            old = state.get("op") or {}
            state["op"] = new_op
            state["instance_uuid"] = request.server_uuid
            state["power"] = None
            if record is not None:
                previous = state.get("hardware") or {}
                record["saved_bios"] = previous.get("saved_bios") or {}
                record["old_volumes"] = (previous.get("old_volumes") or []) + (
                    previous.get("volumes") or []
                )
                state["hardware"] = record
            elif kind == "deploy" and not old.get("error"):
                state.setdefault("hardware", {})["sections"] = []
            return state

        try:
            self.change(node_uuid, reserve)
        except Exception:
            self._withdraw(name)
            raise
        # NOTE: the medium of the deploy this one replaces is no longer used.
        if (
            op.get("media")
            and op.get("media") != name
            and op.get("kind") in rnodes.DEPLOY_KINDS
        ):
            self._withdraw(op["media"])

    def _refuse(
        self, stored: store.StoredNode, request: DeployRequest, kind: str
    ) -> None:
        self._refuse_state(stored.spec.uuid, stored.state, request, kind)

    @staticmethod
    def _refuse_state(
        node_uuid: str, state: rnodes.State, request: DeployRequest, kind: str
    ) -> None:
        op = state.get("op")
        instance = state.get("instance_uuid")
        if state.get("maintenance"):
            raise errors.DriverError(
                node=node_uuid, reason=f"in maintenance: {state['maintenance']}"
            )
        if rnodes.busy(op, ("teardown",)):
            raise errors.NodeLocked(node=node_uuid, reason="it is being cleaned")
        if kind == "deploy":
            if instance and instance != request.server_uuid:
                raise errors.DriverError(
                    node=node_uuid, reason=f"reserved for server {instance}"
                )
            if (
                instance
                and rnodes.busy(op, rnodes.DEPLOY_KINDS)
                and op
                and op.get("id")
            ):
                # NOTE: a deploy of this server running: another engine won.
                raise errors.NodeLocked(node=node_uuid, reason="a deploy is running")
            return
        if instance != request.server_uuid:
            raise errors.DriverError(
                node=node_uuid, reason=f"not deployed for server {request.server_uuid}"
            )
        if rnodes.busy(op, rnodes.DEPLOY_KINDS):
            raise errors.NodeLocked(node=node_uuid, reason="a deploy is running")

    def start_deploy(self, node_uuid: str, request: DeployRequest) -> None:
        """Reserve the node for the server and start deploying by virtual media."""
        self._start(node_uuid, request, "deploy")

    def start_rebuild(self, node_uuid: str, request: DeployRequest) -> None:
        """Deploy the node again for its server (hardware kept unless asked)."""
        self._start(node_uuid, request, "rebuild")

    # ------------------------------------------------------------ advance

    def _advance(
        self,
        node_uuid: str,
        kinds: tuple[str, ...],
        phases: dict[str, Any],
    ) -> Status | None:
        """Run phases until one waits; None when no such operation exists."""
        for _ in range(MAX_STEPS):
            stored = self._stored(node_uuid)
            op = stored.state.get("op")
            if not op or op.get("kind") not in kinds:
                return None
            if op.get("error"):
                return _failed(op["error"])
            if op["phase"] == "done":
                return DONE
            if op["phase"] in rdeploy.POWER_ON_PHASES:
                self._boot(stored, op)
                continue
            state = stored.state
            step = rdeploy.Step(
                root=None,
                system=None,
                op=state["op"],
                hardware=state.setdefault("hardware", {}),
                policy=self.conf.hardware.restore_bios,
                timeout=self._deploy_timeout(kinds),
            )
            try:
                step.root, step.system = self.bmc(stored)
            except errors.BmcRefused as err:
                self._fail(node_uuid, op["id"], rnodes.reason(err), None)
                continue
            except errors.DriverError:
                # NOTE: unreachable for now: the engine's deadline bounds
                # how long the operation waits for its BMC.
                return IN_PROGRESS
            try:
                phases[op["phase"]](step)
            except rdeploy.Wait:
                return IN_PROGRESS
            except rdeploy.SectionFailed as err:
                self._fail(
                    node_uuid, op["id"], f"{err.section}: {err.reason}", err.section
                )
                continue
            except (errors.DriverError, sushy_exc.SushyError) as err:
                section = rdeploy.SECTION_OF_PHASE.get(op["phase"])
                prefix = f"{section}: " if section else ""
                self._fail(node_uuid, op["id"], prefix + rnodes.reason(err), section)
                continue
            if step.op["phase"] == "finish":
                self._finish_teardown(stored, state)
                continue
            self._save_phase(stored, state, step)
        return IN_PROGRESS

    def _save_phase(
        self, stored: store.StoredNode, state: rnodes.State, step: rdeploy.Step
    ) -> None:
        """Save a phase's outcome, also when another writer saved first.

        The phase has acted on the BMC already (volumes made, a firmware
        task started): on a lost compare-and-set its operation and hardware
        records go into the fresh state instead of being lost, unless the
        operation itself changed meanwhile.
        """
        node_uuid = stored.spec.uuid
        if self._store().save_state(node_uuid, state, stored.version):
            return
        op_id = step.op["id"]

        def merge(fresh: rnodes.State) -> rnodes.State:
            if (fresh.get("op") or {}).get("id") != op_id:
                raise rnodes.Unchanged
            fresh["op"] = step.op
            fresh["hardware"] = step.hardware
            return fresh

        self.change(node_uuid, merge)

    def _deploy_timeout(self, kinds: tuple[str, ...]) -> float:
        """How long a deploy phase may wait (0 for teardown: the engine's)."""
        if kinds != rnodes.DEPLOY_KINDS:
            return 0.0
        return float(self.conf.engine.deploy_timeout)

    def _boot(self, stored: store.StoredNode, op: dict[str, Any]) -> None:
        """Claim a power-on phase, then power the node (never twice)."""
        phase = op["phase"]

        def claim(state: rnodes.State) -> rnodes.State:
            current = state.get("op") or {}
            if current.get("id") != op["id"] or current.get("phase") != phase:
                raise rnodes.Unchanged
            current["phase"] = rdeploy.after_power_on(current)
            return state

        if self.change(stored.spec.uuid, claim) is None:
            return
        try:
            _root, system = self.bmc(stored)
            rdeploy.boot(system)
        except (errors.DriverError, sushy_exc.SushyError) as err:
            self._fail(
                stored.spec.uuid, op["id"], f"{phase}: {rnodes.reason(err)}", None
            )

    def _fail(
        self, node_uuid: str, op_id: str, message: str, section: str | None
    ) -> None:
        """Record the operation's failure (a failed cleaning: maintenance too)."""
        names: list[str | None] = []

        def record(state: rnodes.State) -> rnodes.State:
            op = state.get("op") or {}
            if op.get("id") != op_id or op.get("error"):
                raise rnodes.Unchanged
            op["error"] = message
            if section:
                state.setdefault("hardware", {}).setdefault("errors", {})[section] = (
                    message
                )
            if op.get("kind") == "teardown":
                state["maintenance"] = f"cleaning failed: {message}"
                state["instance_uuid"] = None
                names.append(op.get("media"))
            return state

        self.change(node_uuid, record)
        self._withdraw(*names)

    def poll_deploy(self, node_uuid: str) -> Status:
        """Advance the deploy or rebuild; its progress."""
        status = self._advance(node_uuid, rnodes.DEPLOY_KINDS, rdeploy.DEPLOY_PHASES)
        if status is not None:
            return status
        stored = self._stored(node_uuid)
        if stored.state.get("instance_uuid"):
            return DONE
        return _failed("no deploy on this node")

    # ------------------------------------------------------------ teardown

    def start_teardown(self, node_uuid: str) -> None:
        """Begin ejecting, powering off and restoring the node."""

        def begin(state: rnodes.State) -> rnodes.State:
            op = state.get("op") or {}
            if rnodes.busy(op, ("teardown",)):
                raise rnodes.Unchanged
            hardware = state.get("hardware") or {}
            leftovers = (
                hardware.get("volumes")
                or hardware.get("saved_bios")
                or hardware.get("old_volumes")
            )
            if (
                not state.get("instance_uuid")
                and not leftovers
                and not rnodes.busy(op, rnodes.DEPLOY_KINDS)
            ):
                raise rnodes.Unchanged
            state["op"] = {
                "kind": "teardown",
                "id": uuid.uuid4().hex,
                "phase": "eject",
                "error": None,
                "media": op.get("media"),
                "started": time.time(),
            }
            state["power"] = None
            return state

        self.change(node_uuid, begin)

    def _finish_teardown(self, stored: store.StoredNode, state: rnodes.State) -> None:
        op = state["op"]
        op["phase"] = "done"
        state["instance_uuid"] = None
        state["hardware"] = {}
        if self._store().save_state(stored.spec.uuid, state, stored.version):
            self._withdraw(op.get("media"))

    def poll_teardown(self, node_uuid: str) -> Status:
        """Advance the teardown; its progress (FAILED: the node in maintenance)."""
        phases = dict(rdeploy.TEARDOWN_PHASES)
        phases["restore"] = self._restore_phase
        status = self._advance(node_uuid, ("teardown",), phases)
        if status is not None:
            return status
        stored = self._stored(node_uuid)
        if stored.state.get("instance_uuid"):
            return (
                IN_PROGRESS
                if rnodes.busy(stored.state.get("op"), rnodes.DEPLOY_KINDS)
                else _failed("not torn down")
            )
        return DONE

    @staticmethod
    def _restore_phase(step: rdeploy.Step) -> None:
        old = step.hardware.get("old_volumes") or []
        if old:
            rhw.delete_volumes(step.system, old)
            step.hardware["old_volumes"] = []
        rdeploy.TEARDOWN_PHASES["restore"](step)
