"""Reads and writes of an Ironic node's parts that hardware configuration uses.

BIOS settings, firmware components, ports and port groups of one node, and
the node-level PATCH and provision calls, over ``ironic_client``: shared by
the deploy side (``ironic_hardware``) and the restore (``ironic_restore``).

What must not live here: what the values mean to Mogan (the callers).
"""

from typing import Any

from mogan.drivers import ironic_client


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
