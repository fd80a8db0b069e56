"""Failures of a real Ironic, made with Ironic's own features (no patches).

- deploy: a deploy template named by a trait of the node that disables the
  core ``deploy.deploy`` step, selected through ``instance_info/traits``
  (Ironic then finds no deploy steps and fails the deploy asynchronously);
- cleaning: the node's ``automated_clean`` is switched on and its
  ``driver_info`` names a cleaning runbook whose fake BIOS step gets a
  setting without a name, which fails when the step runs (Ironic is
  configured to take runbooks from nodes);
- power: a child node with ``disable_power_off`` is attached, so powering
  the parent off fails in the conductor (Ironic powers children off first);
- a locked node: its ``reservation`` is set in Ironic's database, as another
  conductor holding it would.

Also here: reading what Ironic stored (the API masks the config drive).
``Faults`` is mixed into ``support.Ironic``, whose ``call``, ``create``,
``power``, ``http`` and ``state`` it uses.
"""

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from typing import Any

FAIL_DEPLOY_TRAIT = "CUSTOM_MOGAN_FAIL_DEPLOY"
FAIL_CLEAN_RUNBOOK = "CUSTOM_MOGAN_FAIL_CLEAN"
OK = 200
CREATED = 201
NO_CONTENT = 204


class Faults:
    """Failure injection and database reads for ``support.Ironic``."""

    def stored_instance_info(self, node: str) -> dict[str, Any]:
        """The node's ``instance_info`` as Ironic stored it.

        Read from Ironic's database: the API masks the config drive.
        """
        conn = sqlite3.connect(f"file:{self.state}/ironic.sqlite?mode=ro", uri=True)
        try:
            row = conn.execute(
                "SELECT instance_info FROM nodes WHERE uuid = ?", (node,)
            ).fetchone()
        finally:
            conn.close()
        result: dict[str, Any] = json.loads(row[0] or "{}")
        return result

    @contextlib.contextmanager
    def locked(self, node: str, host: str = "another-conductor") -> Iterator[None]:
        """Hold the node's lock (its ``reservation``) as another conductor would."""
        self._set_reservation(node, host)
        try:
            yield
        finally:
            self._set_reservation(node, None)

    def _set_reservation(self, node: str, host: str | None) -> None:
        conn = sqlite3.connect(f"{self.state}/ironic.sqlite", timeout=30)
        try:
            with conn:
                conn.execute(
                    "UPDATE nodes SET reservation = ? WHERE uuid = ?", (host, node)
                )
        finally:
            conn.close()

    # ------------------------------------------------------------ failures

    def fail_next_deploy(self, node: str) -> None:
        """Make the node's next deploy fail (see the module docstring)."""
        with self._lock:
            resp = self.http.get(f"/v1/deploy_templates/{FAIL_DEPLOY_TRAIT}")
            if resp.status_code != OK:
                self.call(
                    "POST",
                    "/v1/deploy_templates",
                    {
                        "name": FAIL_DEPLOY_TRAIT,
                        "steps": [
                            {
                                "interface": "deploy",
                                "step": "deploy",
                                "args": {},
                                "priority": 0,
                            }
                        ],
                    },
                    ok=CREATED,
                )
        self.call("PUT", f"/v1/nodes/{node}/traits/{FAIL_DEPLOY_TRAIT}", ok=NO_CONTENT)
        self.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {
                    "op": "add",
                    "path": "/instance_info/traits",
                    "value": [FAIL_DEPLOY_TRAIT],
                }
            ],
        )

    def fail_next_clean(self, node: str) -> None:
        """Make the node's next cleaning fail (see the module docstring)."""
        with self._lock:
            resp = self.http.get(f"/v1/runbooks/{FAIL_CLEAN_RUNBOOK}")
            if resp.status_code != OK:
                self.call(
                    "POST",
                    "/v1/runbooks",
                    {
                        "name": FAIL_CLEAN_RUNBOOK,
                        "steps": [
                            {
                                "interface": "bios",
                                "step": "apply_configuration",
                                # NOTE: a setting without a name: the fake
                                # BIOS fails on it when the step runs.
                                "args": {"settings": [{"value": "on"}]},
                                "order": 1,
                            }
                        ],
                    },
                    ok=CREATED,
                )
        self.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {"op": "replace", "path": "/automated_clean", "value": True},
                {
                    "op": "add",
                    "path": "/driver_info/cleaning_runbook",
                    "value": FAIL_CLEAN_RUNBOOK,
                },
            ],
        )

    def fail_power_off(self, node: str) -> str:
        """Make powering the node off fail; the blocking child node's uuid."""
        child = self.create(
            name=None,
            resource_class=None,
            parent_node=node,
            disable_power_off=True,
        )
        self.power(child, "power on")
        return child
