"""A real Ironic's record of a node's hardware, as inspection and drivers leave it.

Ironic's fake hardware inspects nothing, has no BIOS registry and records
no firmware, so what a real deploy agent and a real BMC driver would have
stored is written into Ironic's database here, in Ironic's own tables
(``node_inventory``, ``bios_settings``, ``firmware_information``); Ironic's
API then serves it as it would after a real inspection. BIOS settings are
also applied the real way, by a manual cleaning step of the fake BIOS
interface (``apply_bios``).

``Hardware`` is mixed into ``support.Ironic``, whose ``call``,
``provision`` and ``state`` it uses.
"""

import datetime
import json
import sqlite3
from typing import Any

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


class Hardware:
    """Seeding inspection data, BIOS registries and firmware for ``support.Ironic``."""

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
