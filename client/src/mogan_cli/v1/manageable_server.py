"""Manageable servers (``/v1/manageable_servers``): adopting deployed nodes (admin).

A manageable server is a node deployed outside Mogan (active, with no
instance); adopting it makes it a server at once, without redeploying.
"""

from collections.abc import Mapping, Sequence

from mogan_cli.v1 import base


class ManageableServerManager(base.Manager):
    """List adoptable nodes and adopt one."""

    def list(self) -> list[base.Resource]:
        """The nodes that may be adopted, by name."""
        return list(self.api.get("/v1/manageable_servers")["manageable_servers"])

    def manage(
        self,
        name: str,
        node: str,
        *,
        description: str | None = None,
        metadata: Mapping[str, str] | None = None,
        project_id: str | None = None,
        network_uuids: Sequence[str] = (),
    ) -> base.Resource:
        """Adopt ``node`` as a server called ``name``; returns the server.

        Args:
            name: the new server's name.
            node: the node to adopt (UUID or name).
            description: free text.
            metadata: user metadata (``key: value``).
            project_id: the project the server belongs to (default: the
                caller's).
            network_uuids: networks to record the node's NICs on, one per
                NIC in port order; each NIC gets an address.
        """
        body: base.Resource = {"name": name, "node_uuid": node}
        if description is not None:
            body["description"] = description
        if metadata:
            body["metadata"] = dict(metadata)
        if project_id is not None:
            body["project_id"] = project_id
        if network_uuids:
            body["networks"] = [{"net_id": net} for net in network_uuids]
        return dict(self.api.post("/v1/manageable_servers", body))
