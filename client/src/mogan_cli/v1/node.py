"""Nodes (``/v1/nodes``): Mogan's view of the driver's bare-metal nodes (admin).

From microversion 1.6 admins enrol nodes (``create``), change them
(``update``, one JSON patch) and remove them (``delete``); the BMC password
is sent, never shown back.
"""

from collections.abc import Iterable, Mapping
from typing import Any
from urllib import parse

from mogan_cli import exceptions
from mogan_cli.v1 import base

# NOTE: before 1.2 the node list is bare names; from 1.2 on it holds node
# objects with zones, failure domains and why a node cannot take a server.
DETAILS_VERSION = "1.2"
# NOTE: from 1.5 a node shows its hardware inventory.
INVENTORY_VERSION = "1.5"
# NOTE: from 1.6 admins enrol, change and remove nodes.
ENROL_VERSION = "1.6"


def _bool(value: bool | None) -> str | None:
    """A boolean query value as the API spells it (``None`` stays unset)."""
    if value is None:
        return None
    return "true" if value else "false"


class NodeManager(base.CollectionManager):
    """List and show nodes."""

    collection = "nodes"
    noun = "node"

    def list(
        self,
        *,
        resource_class: str | None = None,
        availability_zone: str | None = None,
        consumable: bool | None = None,
        maintenance: bool | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """Node objects, by name, all pages; needs (and sends) microversion 1.2.

        Args:
            resource_class: only nodes of this resource class.
            availability_zone: only nodes in this availability zone.
            consumable: only nodes that can (or cannot) take a server.
            maintenance: only nodes in (or out of) maintenance.
            limit: at most this many nodes.
            marker: the UUID of the last node of the previous page.
            sort_key: the field to sort by (the API sorts by name).
            sort_dir: ``asc`` or ``desc``.

        Raises:
            CommandError: an API version older than 1.2 was asked for.
        """
        query: base.Query = {
            "resource_class": resource_class,
            "availability_zone": availability_zone,
            "consumable": _bool(consumable),
            "maintenance": _bool(maintenance),
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }

        def fetch(page: base.Query) -> list[base.Resource]:
            response = self.api.request(
                "GET",
                "/v1/nodes",
                params={**query, **page},
                min_version=DETAILS_VERSION,
            )
            return list(response.json()["nodes"])

        return base.paginate(fetch, limit=limit, marker=marker)

    def get(self, item_uuid: str, *, inventory: bool = False) -> base.Resource:
        """One node by UUID or name.

        The node object is the same in every microversion; 1.2 is asked for
        unless the caller chose a version. With ``inventory``, at least 1.5
        (the node's hardware ``inventory`` with it).

        Raises:
            CommandError: ``inventory`` with an API version older than 1.5.
        """
        # NOTE: an explicit --os-compute-api-version wins; otherwise ask for
        # the version whose fields the CLI shows.
        wanted = None if self.api.api_version else DETAILS_VERSION
        if inventory:
            wanted = INVENTORY_VERSION
        response = self.api.request(
            "GET", f"/v1/nodes/{parse.quote(item_uuid, safe='')}", min_version=wanted
        )
        return dict(response.json())

    def find(self, name_or_uuid: str, *, inventory: bool = False) -> base.Resource:
        """One node by UUID or name (the API resolves both).

        Raises:
            CommandError: no node has that UUID or name.
            HttpError: the API refused the lookup.
        """
        try:
            return self.get(name_or_uuid, inventory=inventory)
        except exceptions.HttpError as err:
            if err.status != 404:  # noqa: PLR2004 - a miss becomes a CommandError
                raise
        raise exceptions.CommandError(
            f"No {self.noun} with a name or UUID of '{name_or_uuid}' exists."
        )

    def create(
        self,
        *,
        name: str,
        driver: str,
        driver_info: Mapping[str, Any],
        resource_class: str,
        traits: Iterable[str] = (),
        properties: Mapping[str, Any] | None = None,
    ) -> base.Resource:
        """Enrol a node into the engine's driver (microversion 1.6).

        ``driver_info``: ``address``, ``username``, ``password`` and
        optionally ``system_id`` and ``verify_ca``.
        """
        body: base.Resource = {
            "name": name,
            "driver": driver,
            "driver_info": dict(driver_info),
            "resource_class": resource_class,
            "traits": list(traits),
            "properties": dict(properties or {}),
        }
        return dict(self.api.post("/v1/nodes", body, min_version=ENROL_VERSION))

    def update(
        self,
        node_uuid: str,
        *,
        name: str | None = None,
        resource_class: str | None = None,
        traits: Iterable[str] | None = None,
        set_properties: Mapping[str, Any] | None = None,
        unset_properties: Iterable[str] = (),
        driver_info: Mapping[str, Any] | None = None,
    ) -> base.Resource:
        """Change a node in one JSON patch (microversion 1.6).

        ``driver_info`` replaces the BMC access whole (with its password).

        Raises:
            ValueError: nothing to change was given.
        """
        ops: list[dict[str, Any]] = []
        for field, value in (
            ("name", name),
            ("resource_class", resource_class),
            ("traits", None if traits is None else list(traits)),
            ("driver_info", None if driver_info is None else dict(driver_info)),
        ):
            if value is not None:
                ops.append({"op": "add", "path": f"/{field}", "value": value})
        for key, value in (set_properties or {}).items():
            ops.append(
                {"op": "add", "path": f"/properties/{_escape(key)}", "value": value}
            )
        ops.extend(
            {"op": "remove", "path": f"/properties/{_escape(key)}"}
            for key in unset_properties
        )
        if not ops:
            msg = "nothing to change"
            raise ValueError(msg)
        path = f"/v1/nodes/{parse.quote(node_uuid, safe='')}"
        response = self.api.request("PATCH", path, json=ops, min_version=ENROL_VERSION)
        return dict(response.json())

    def delete(self, node_uuid: str) -> None:
        """Remove a node carrying no server (microversion 1.6)."""
        path = f"/v1/nodes/{parse.quote(node_uuid, safe='')}"
        self.api.request("DELETE", path, min_version=ENROL_VERSION)


def _escape(key: str) -> str:
    """A key as one JSON-pointer segment."""
    return key.replace("~", "~0").replace("/", "~1")
