"""The fake driver's hardware interface: RAID, BIOS, firmware and bonds.

``Configurer`` is mixed into ``FakeDriver``: it checks requests as a BMC
would (``fake_hardware.plan``), prepares what a deploy applies and a
teardown restores (the driver calls ``_hardware_deploy`` and
``_hardware_teardown`` inside its own fleet transaction, and the change
lands when the operation's simulated time ends), reports the last
deploy's per-section results, and shows the node's simulated hardware
(``hardware_state``) so tests read back what was applied from the driver.

What must not live here: the checks themselves (``fake_hardware``), SQL
(``fake_fleet``), when an operation may start (``fake``).
"""

import sqlite3
import time
from typing import Any

from mogan.drivers import base, fake_fleet, fake_hardware, fake_inventory


class Configurer(base.HardwareInterface):
    """Hardware configuration of a fake fleet's nodes (mixed into ``FakeDriver``)."""

    _fleet: fake_fleet.Fleet
    inventories: dict[str, base.Inventory]
    restore_bios: str
    hardware_seconds: float

    def base_inventory(self, node_uuid: str) -> base.Inventory:
        """The node's hardware as built (scripted, configured or made up), unchanged.

        Raises:
            NodeNotFound: no such node.
        """
        node = self._fleet.read(node_uuid)
        stored = self._fleet.read_inventory(node_uuid)
        if stored is not None:
            return base.Inventory.from_dict(stored)
        configured = fake_inventory.configured(self.inventories, node.uuid, node.name)
        if configured is not None:
            return configured
        return fake_inventory.generate(node.uuid, node.ports, node.properties)

    def get_inventory(self, node_uuid: str) -> base.Inventory:
        """The inventory set with ``set_inventory``, else one made up from the uuid.

        A made-up inventory is the same on every call (``fake_inventory``):
        the node's ports are its NICs, its ``cpus``/``memory_mb`` its own.
        BIOS values and firmware versions are the ones deploys left.
        """
        inventory = self.base_inventory(node_uuid)
        record = self._fleet.read_hardware(node_uuid)
        return fake_hardware.overlay(inventory, record["config"])

    def validate_hardware(self, node_uuid: str, request: base.HardwareRequest) -> None:
        """Check the request against the node's inventory; changes nothing.

        Raises:
            NodeNotFound: no such node.
            HardwareRejected: a section cannot be applied (says which, why).
        """
        fake_hardware.plan(node_uuid, self.base_inventory(node_uuid), request)

    def hardware_result(self, node_uuid: str) -> base.HardwareResult:
        """The last deploy's per-section results, once its simulated time ended."""
        record = self._fleet.read_hardware(node_uuid)
        if time.time() < record["results_at"]:
            return base.HardwareResult()
        return base.HardwareResult(
            tuple(
                base.SectionResult(
                    base.HardwareSection(r["section"]),
                    bool(r["applied"]),
                    r["error"],
                    dict(r["details"]),
                )
                for r in record["results"]
            )
        )

    def hardware_state(self, node_uuid: str) -> dict[str, Any]:
        """What the node's hardware is now, as a BMC would show it.

        ``raid``: the RAID volumes built; ``bios``: every BIOS attribute's
        current value; ``firmware``: component to running version;
        ``bonds``: the bonds configured.

        Raises:
            NodeNotFound: no such node.
        """
        inventory = self.get_inventory(node_uuid)
        config = self._fleet.read_hardware(node_uuid)["config"]
        return {
            "raid": list(config["raid"]),
            "bios": {name: a.current_value for name, a in inventory.bios.items()},
            "firmware": {c.component: c.current_version for c in inventory.firmware},
            "bonds": list(config["bonds"]),
        }

    # ------------------------------------------------------------ for FakeDriver

    def _hardware_deploy(
        self,
        conn: sqlite3.Connection,
        node: fake_fleet.Node,
        op: str,
        request: base.DeployRequest,
    ) -> tuple[dict[str, Any], float, str | None]:
        """Prepare a deploy's (or rebuild's) hardware: record, extra time, error.

        A rebuild asking for no hardware keeps the node's configuration
        (and the results of the deploy that made it).

        Raises:
            HardwareRejected: the node cannot take a section.
        """
        record = self._fleet.load_hardware(conn, node.uuid)
        # NOTE: deploying again after a failed deploy (no teardown between)
        # must keep the values from before the first try as "previous".
        fresh = op == "deploy" and node.instance_uuid is None
        if fresh:
            record["saved_bios"] = dict(record["config"]["bios"])
        if not request.hardware:
            if op == "deploy":
                record["results"] = []
            return record, 0.0, None
        planned = fake_hardware.plan(
            node.uuid, self.base_inventory(node.uuid), request.hardware
        )
        fail = record["fail_hardware"] if record["fail_hardware"] in planned else None
        if fail is not None:
            record["fail_hardware"] = None
        new, results, error = fake_hardware.apply(record["config"], planned, fail)
        record["next"], record["results"] = new, results
        seconds = record["hardware_seconds"]
        per_section = self.hardware_seconds if seconds is None else seconds
        return record, per_section * len(planned), error

    def _hardware_teardown(
        self, conn: sqlite3.Connection, node: fake_fleet.Node
    ) -> tuple[dict[str, Any], str | None]:
        """Prepare a teardown's restore: the record and the restore's error.

        A deploy cut short has applied what it was applying.
        """
        record = self._fleet.load_hardware(conn, node.uuid)
        if record["next"] is not None:
            record["config"], record["next"] = record["next"], None
        if record["fail_restore"] > 0:
            record["fail_restore"] -= 1
            return record, "restoring hardware failed: simulated restore failure"
        record["next"] = fake_hardware.restore(
            record["config"], record["saved_bios"], self.restore_bios
        )
        return record, None

    def _hardware_done(
        self,
        conn: sqlite3.Connection,
        node_uuid: str,
        record: dict[str, Any],
        end: float,
        *,
        deployed: bool,
    ) -> None:
        """Store the record, its change (and a deploy's results) landing at ``end``."""
        record["next_at"] = end
        if deployed:
            record["results_at"] = end
        self._fleet.save_hardware(conn, node_uuid, record)
