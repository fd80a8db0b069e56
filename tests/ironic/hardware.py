"""A real Ironic's record of a node's hardware, as inspection and drivers leave it.

Ironic's fake hardware inspects nothing, has no BIOS registry and records
no firmware, so what a real deploy agent and a real BMC driver would have
stored is written into Ironic's database here, in Ironic's own tables
(``node_inventory``, ``bios_settings``, ``firmware_information``); Ironic's
API then serves it as it would after a real inspection. BIOS settings are
also applied the real way, by a manual cleaning step of the fake BIOS
interface (``apply_bios``).

Our Ironic plugin (``plugin/mogan_ironic_steps``) makes a node's RAID,
BIOS and firmware deploy and clean steps apply something: nodes of the
``MOGAN_FAKE`` hardware type have them, and a node whose ``extra`` names a
step under ``FAIL_MARKER`` fails it. ``plugin_path`` is how the Ironic
process finds it; the readers below (``raid_config``, ``bios``,
``firmware`` ...) show what the steps recorded, through Ironic's API.

``Hardware`` is mixed into ``support.Ironic``, whose ``call``, ``node``,
``provision`` and ``state`` it uses.
"""

import datetime
import json
import pathlib
import sqlite3
from typing import Any

from tests import children

PLUGIN = pathlib.Path(__file__).parent / "plugin"
MOGAN_FAKE = "mogan-fake-hardware"
FAIL_MARKER = "mogan_fail_step"
NO_CONTENT = 204

# NOTE: the versions of Ironic's objects for these rows (Ironic 39).
VERSIONS = {"node_inventory": "1.1", "bios_settings": "1.2", "firmware": "1.2"}
BIOS_COLUMNS = (
    "attribute_type",
    "allowable_values",
    "lower_bound",
    "upper_bound",
    "min_length",
    "max_length",
    "read_only",
    "reset_required",
    "unique",
)


def plugin_path(state: pathlib.Path) -> str:
    """The ``PYTHONPATH`` on which Ironic finds our plugin: a copy under ``state``.

    The package, and a ``*.dist-info`` directory written from
    ``plugin/pyproject.toml``: Ironic finds drivers by entry points, which
    Python reads from such directories on its path.
    """
    return children.entry_point_path(PLUGIN, state / "plugin")


class Hardware:
    """Seeding and reading a node's hardware record for ``support.Ironic``."""

    def _write(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        conn = sqlite3.connect(f"{self.state}/ironic.sqlite", timeout=30)
        try:
            with conn:
                conn.executemany(sql, rows)
        finally:
            conn.close()

    def _node_id(self, node: str) -> int:
        conn = sqlite3.connect(f"file:{self.state}/ironic.sqlite?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT id FROM nodes WHERE uuid = ?", (node,)
            ).fetchone()
        finally:
            conn.close()
        return int(row[0])

    @staticmethod
    def _now() -> str:
        return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def seed_inspection(
        self, node: str, inventory: dict[str, Any], plugin_data: dict[str, Any]
    ) -> None:
        """Store inspection data as Ironic's inspector would (database backend)."""
        self._write(
            "INSERT INTO node_inventory (inventory_data, plugin_data, node_id,"
            " version, created_at) VALUES (?, ?, ?, ?, ?)",
            [
                (
                    json.dumps(inventory),
                    json.dumps(plugin_data),
                    self._node_id(node),
                    VERSIONS["node_inventory"],
                    self._now(),
                )
            ],
        )

    def seed_bios_registry(self, node: str, settings: list[dict[str, Any]]) -> None:
        """Store BIOS settings with their registry fields, as a Redfish BIOS would."""
        columns = ("node_id", "name", "value", *BIOS_COLUMNS, "version", "created_at")
        node_id, now = self._node_id(node), self._now()
        rows = []
        for item in settings:
            values = [item.get(c) for c in BIOS_COLUMNS]
            values[1] = json.dumps(values[1]) if values[1] is not None else None
            rows.append(
                (
                    node_id,
                    item["name"],
                    item.get("value"),
                    *values,
                    VERSIONS["bios_settings"],
                    now,
                )
            )
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        self._write(f"INSERT INTO bios_settings ({quoted}) VALUES ({marks})", rows)  # noqa: S608 - fixed columns

    def seed_firmware(self, node: str, components: list[dict[str, str]]) -> None:
        """Store firmware components as a BMC driver's cache would."""
        node_id, now = self._node_id(node), self._now()
        self._write(
            "INSERT INTO firmware_information (node_id, component, initial_version,"
            " current_version, last_version_flashed, version, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    node_id,
                    c["component"],
                    c["initial_version"],
                    c.get("current_version"),
                    c.get("last_version_flashed"),
                    VERSIONS["firmware"],
                    now,
                )
                for c in components
            ],
        )

    def apply_bios(self, node: str, settings: dict[str, str]) -> None:
        """Apply BIOS settings with the fake BIOS interface's cleaning step.

        The node must be ``manageable``; it is again afterwards.
        """
        step = {
            "interface": "bios",
            "step": "apply_configuration",
            "args": {
                "settings": [{"name": k, "value": v} for k, v in settings.items()]
            },
        }
        self.provision(node, "clean", "manageable", clean_steps=[step])

    # ------------------------------------------------------------ plugin

    def fail_step(self, node: str, step: str | None) -> None:
        """Make the node's ``step`` ("bios.apply_configuration") fail; None: none."""
        op = (
            {"op": "add", "path": f"/extra/{FAIL_MARKER}", "value": step}
            if step
            else {"op": "remove", "path": f"/extra/{FAIL_MARKER}"}
        )
        self.call("PATCH", f"/v1/nodes/{node}", [op])

    def set_target_raid(self, node: str, logical_disks: list[dict[str, Any]]) -> None:
        """Set the node's ``target_raid_config`` (``PUT .../states/raid``)."""
        self.call(
            "PUT",
            f"/v1/nodes/{node}/states/raid",
            {"logical_disks": logical_disks},
            ok=NO_CONTENT,
        )

    def raid_config(self, node: str) -> dict[str, Any]:
        """The node's ``raid_config`` (``{}`` when none)."""
        result: dict[str, Any] = self.node(node)["raid_config"]
        return result

    def bios(self, node: str) -> dict[str, str | None]:
        """The node's BIOS settings, name → value."""
        rows = self.call("GET", f"/v1/nodes/{node}/bios")["bios"]
        return {row["name"]: row["value"] for row in rows}

    def bios_detail(self, node: str) -> dict[str, dict[str, Any]]:
        """The node's BIOS settings with their registry fields, by name."""
        rows = self.call("GET", f"/v1/nodes/{node}/bios?detail=True")["bios"]
        return {row["name"]: row for row in rows}

    def firmware(self, node: str) -> dict[str, str | None]:
        """The node's firmware components, component → ``current_version``."""
        return {
            component: row["current_version"]
            for component, row in self.firmware_detail(node).items()
        }

    def firmware_detail(self, node: str) -> dict[str, dict[str, Any]]:
        """The node's firmware components with all their versions, by component."""
        rows = self.call("GET", f"/v1/nodes/{node}/firmware")["firmware"]
        return {row["component"]: row for row in rows}

    def ports(self, node: str) -> list[dict[str, Any]]:
        """The node's ports, in detail."""
        result: list[dict[str, Any]] = self.call(
            "GET", f"/v1/nodes/{node}/ports?detail=True"
        )["ports"]
        return result

    def portgroups(self, node: str) -> list[dict[str, Any]]:
        """The node's port groups, in detail."""
        result: list[dict[str, Any]] = self.call(
            "GET", f"/v1/nodes/{node}/portgroups?detail=True"
        )["portgroups"]
        return result
