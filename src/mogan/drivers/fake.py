"""The fake driver: a simulated fleet for the all-in-one, demos and tests.

The fleet lives in ``<state_path>/fake-fleet.json`` (the simulation's
"hardware", outside Mogan's database, as real hardware would be). Issue #3
adds deploy, power and console simulation with scriptable delays and faults.
"""

import dataclasses
import json
import pathlib
import threading
from typing import Any

from mogan.drivers import base


class FakeDriver(base.InventoryInterface, base.EnrollInterface):
    """Simulated nodes persisted in a JSON file."""

    name = "fake"

    def __init__(self, state_path: str) -> None:
        """Use (and create when missing) the fleet file under ``state_path``."""
        self.path = pathlib.Path(state_path) / "fake-fleet.json"
        self._lock = threading.Lock()

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        data: dict[str, dict[str, Any]] = json.loads(self.path.read_text())
        return data

    def _save(self, fleet: dict[str, dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(fleet, indent=2, sort_keys=True))
        tmp.replace(self.path)

    def list_nodes(self) -> list[base.NodeSpec]:
        """Every simulated node, by name."""
        with self._lock:
            fleet = self._load()
        nodes = [
            base.NodeSpec(
                uuid=n["uuid"],
                name=n["name"],
                resource_class=n["resource_class"],
                traits=tuple(n.get("traits", ())),
                properties=n.get("properties", {}),
                ports=tuple(n.get("ports", ())),
            )
            for n in fleet.values()
        ]
        return sorted(nodes, key=lambda n: n.name)

    def enroll(self, node: base.NodeSpec) -> bool:
        """Add a simulated node; an existing uuid is left as it is."""
        with self._lock:
            fleet = self._load()
            if node.uuid in fleet:
                return False
            record = dataclasses.asdict(node)
            record["traits"] = list(node.traits)
            record["ports"] = list(node.ports)
            fleet[node.uuid] = record
            self._save(fleet)
        return True
