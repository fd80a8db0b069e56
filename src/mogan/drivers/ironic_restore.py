"""Undoing a deploy's hardware configuration on an Ironic node, after teardown.

Ironic cleans a node after ``deleted`` but knows nothing of what Mogan asked
for, and a deployed node cannot be cleaned by hand. So once the teardown
has brought the node to ``available``, the record the deploy left in its
``extra`` (``ironic_hardware.KEY``) drives a restore, one Ironic call per
poll so an engine restart resumes it where the node is:

1. ``available``: ``manage``;
2. ``manageable``: a manual clean with the steps that undo the record
   (``raid.delete_configuration``; ``bios.apply_configuration`` with the
   values before the deploy, or ``bios.factory_reset``, per ``[hardware]
   restore_bios``; firmware stays), the phase ``cleaning`` written first;
3. ``manageable`` again (phase ``cleaning``): the bonds' port groups
   removed, ``target_raid_config`` cleared, phase ``provide``, ``provide``;
4. ``available`` (phase ``provide``): the record removed: DONE.

A failed clean (``clean failed``, which Ironic also puts in maintenance)
is FAILED with Ironic's error; the engine then keeps the node out of use.

What must not live here: what a deploy records (``ironic_hardware``), the
teardown before it (``ironic``).
"""

from typing import Any

from mogan.drivers import base, ironic_hardware, ironic_parts
from mogan.drivers import ironic_nodes as nodes

MANAGEABLE = "manageable"


def clean_steps(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The manual clean undoing ``record``: RAID deleted, BIOS per policy."""
    steps: list[dict[str, Any]] = []
    if record.get("raid"):
        steps.append({"interface": "raid", "step": "delete_configuration"})
    policy = record.get("restore_bios")
    before = record.get("bios_before") or {}
    if record.get("bios") and policy == "previous" and before:
        settings = [{"name": n, "value": v} for n, v in sorted(before.items())]
        steps.append(
            {
                "interface": "bios",
                "step": "apply_configuration",
                "args": {"settings": settings},
            }
        )
    elif record.get("bios") and policy == "factory":
        steps.append({"interface": "bios", "step": "factory_reset"})
    return steps


class Restorer:
    """The restore of one Ironic's nodes, one transition per poll."""

    def __init__(self, parts: ironic_parts.NodeParts) -> None:
        """Reach Ironic through ``parts``."""
        self.parts = parts

    def poll(self, node: dict[str, Any]) -> base.Status | None:
        """One step of the restore of ``node`` (a full node document).

        Returns:
            None when the node has nothing (left) to restore: the
            teardown's own state decides then; else the restore's status.
        """
        record = ironic_hardware.record_of(node)
        if record is None:
            return None
        state, target = node.get("provision_state"), node.get("target_provision_state")
        if state == nodes.CLEAN_FAILED:
            error = node.get("last_error") or node.get("maintenance_reason") or state
            return base.Status(
                base.Progress.FAILED, f"restoring the node's hardware failed: {error}"
            )
        if target or state not in {nodes.AVAILABLE, MANAGEABLE}:
            # NOTE: the teardown (or a step of the restore) is still running;
            # a failure state is the teardown's to report.
            return None if state in nodes.FAILURE_STATES else _running()
        if state == nodes.AVAILABLE:
            return self._available(node["uuid"], record)
        return self._manageable(node, record)

    def _available(self, node_uuid: str, record: dict[str, Any]) -> base.Status:
        if record.get("phase") == "provide":
            remove = [{"op": "remove", "path": f"/extra/{ironic_hardware.KEY}"}]
            self.parts.patch(node_uuid, remove)
            return base.Status(base.Progress.DONE)
        self.parts.provision(node_uuid, {"target": "manage"})
        return _running()

    def _manageable(self, node: dict[str, Any], record: dict[str, Any]) -> base.Status:
        node_uuid = node["uuid"]
        phase = record.get("phase")
        steps = clean_steps(record)
        # NOTE: the phase is written before the clean is asked for (a node
        # being cleaned is locked against PATCH); with it, when the node's
        # provision state last changed. Still that time when the node is
        # manageable again: the clean never started (the request failed, or
        # the engine stopped in between), so it is asked for again.
        since = node.get("provision_updated_at")
        never_cleaned = phase == "cleaning" and record.get("since") == since
        if steps and (phase not in {"cleaning", "provide"} or never_cleaned):
            if not never_cleaned:
                self._set_phase(node_uuid, record | {"since": since}, "cleaning")
            self.parts.provision(node_uuid, {"target": "clean", "clean_steps": steps})
            return _running()
        if phase != "provide":
            self._unmake_bonds(node_uuid, record)
            if record.get("raid"):
                self.parts.client.request(
                    "PUT",
                    f"/v1/nodes/{node_uuid}/states/raid",
                    {},
                    ok=(204,),
                    node=node_uuid,
                )
            self._set_phase(node_uuid, record, "provide")
        self.parts.provision(node_uuid, {"target": "provide"})
        return _running()

    def _unmake_bonds(self, node_uuid: str, record: dict[str, Any]) -> None:
        # NOTE: also the groups a deploy made but did not record before a
        # crash: they carry the node's uuid in their name.
        present = self.parts.portgroups(node_uuid)
        groups = set((record.get("portgroups") or {}).values()) | {
            g["uuid"]
            for g in present
            if str(g.get("name") or "").startswith(f"{node_uuid}-bond")
        }
        if not groups:
            return
        for port in self.parts.ports(node_uuid).values():
            if port.get("portgroup_uuid") in groups:
                patch = [{"op": "remove", "path": "/portgroup_uuid"}]
                self.parts.client.request(
                    "PATCH", f"/v1/ports/{port['uuid']}", patch, node=node_uuid
                )
        for uuid in sorted(groups & {g["uuid"] for g in present}):
            self.parts.client.request(
                "DELETE", f"/v1/portgroups/{uuid}", ok=(204,), node=node_uuid
            )

    def _set_phase(self, node_uuid: str, record: dict[str, Any], phase: str) -> None:
        value = record | {"phase": phase}
        patch = [{"op": "add", "path": f"/extra/{ironic_hardware.KEY}", "value": value}]
        self.parts.patch(node_uuid, patch)


def _running() -> base.Status:
    return base.Status(base.Progress.IN_PROGRESS)
