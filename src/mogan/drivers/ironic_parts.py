"""Reads and writes of an Ironic node's parts that hardware configuration uses.

BIOS settings, firmware components, ports and port groups of one node, and
the node-level PATCH and provision calls, over ``ironic_client``: shared by
the deploy side (``ironic_hardware``) and the restore (``ironic_restore``).

What must not live here: what the values mean to Mogan (the callers).
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from mogan.drivers import ironic_client

# NOTE: Ironic changes a port's port group (or physical network ...) only
# while the node is enrolling, inspecting, manageable or in maintenance.
CONNECTIVITY_STATES = frozenset({"enroll", "inspecting", "inspect wait", "manageable"})
# NOTE: the maintenance reason Mogan sets for that window; a deploy resumed
# after a crash inside it recognises it as its own.
WINDOW_REASON = "mogan: joining ports to port groups"


def in_window(node: dict[str, Any]) -> bool:
    """Whether the node is in maintenance for Mogan's port changes."""
    reason = str(node.get("maintenance_reason") or "")
    return bool(node.get("maintenance")) and reason.startswith(WINDOW_REASON)


class NodeParts:
    """One Ironic's node sub-resources, by node uuid."""

    def __init__(self, client: ironic_client.IronicClient) -> None:
        """Send everything through ``client``."""
        self.client = client

    def bios(self, node_uuid: str) -> dict[str, Any]:
        """The node's BIOS settings, name to value (empty when it has none)."""
        found = self.client.get_optional(f"/v1/nodes/{node_uuid}/bios") or {}
        return {s["name"]: s.get("value") for s in found.get("bios") or []}

    def firmware(self, node_uuid: str) -> list[dict[str, Any]]:
        """The node's firmware components (none before API 1.86)."""
        if self.client.newest < ironic_client.FIRMWARE_VERSION:
            return []
        found = self.client.get_optional(
            f"/v1/nodes/{node_uuid}/firmware", version=ironic_client.FIRMWARE_VERSION
        )
        return list((found or {}).get("firmware") or [])

    def ports(self, node_uuid: str) -> dict[str, dict[str, Any]]:
        """The node's ports by lower-case MAC (uuid, address, port group)."""
        ports = self.client.pages(
            f"/v1/nodes/{node_uuid}/ports",
            "ports",
            {"fields": "uuid,address,portgroup_uuid"},
        )
        return {p["address"].lower(): p for p in ports}

    def portgroups(self, node_uuid: str) -> list[dict[str, Any]]:
        """The node's port groups."""
        return self.client.pages(
            f"/v1/nodes/{node_uuid}/portgroups",
            "portgroups",
            {"fields": "uuid,name,address,mode,properties,extra"},
        )

    @contextlib.contextmanager
    def connectivity_window(self, node_uuid: str, server: str) -> Iterator[None]:
        """Let the node's ports change: maintenance for the while, if needed.

        Ironic refuses port group changes of an ``available`` node, but
        takes them in maintenance (the node is reserved for ``server``, so
        nothing else takes it meanwhile). The maintenance Mogan set is
        removed on the way out, error or not; a deploy resumed after a crash
        inside the window finds it by its reason (``in_window``) and ends it.
        """
        node: dict[str, Any] = self.client.request(
            "GET", f"/v1/nodes/{node_uuid}", node=node_uuid
        )
        path = f"/v1/nodes/{node_uuid}/maintenance"
        needed = node.get("provision_state") not in CONNECTIVITY_STATES and (
            not node.get("maintenance") or in_window(node)
        )
        if needed and not in_window(node):
            reason = f"{WINDOW_REASON} for server {server}"
            self.client.request(
                "PUT", path, {"reason": reason}, ok=(202,), node=node_uuid
            )
        try:
            yield
        finally:
            if needed:
                self.client.request("DELETE", path, ok=(202,), node=node_uuid)

    def close_window(self, node: dict[str, Any]) -> None:
        """End Mogan's maintenance window a crash left open on ``node``."""
        if in_window(node):
            self.client.request(
                "DELETE",
                f"/v1/nodes/{node['uuid']}/maintenance",
                ok=(202,),
                node=node["uuid"],
            )

    def patch(self, node_uuid: str, patch: list[dict[str, Any]]) -> None:
        """``PATCH /v1/nodes/{uuid}``."""
        self.client.request("PATCH", f"/v1/nodes/{node_uuid}", patch, node=node_uuid)

    def provision(self, node_uuid: str, body: dict[str, Any]) -> None:
        """``PUT /v1/nodes/{uuid}/states/provision`` (202)."""
        self.client.request(
            "PUT",
            f"/v1/nodes/{node_uuid}/states/provision",
            body,
            ok=(202,),
            node=node_uuid,
        )
