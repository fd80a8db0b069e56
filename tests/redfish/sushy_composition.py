"""Composition through sushy 5.14, around its two defects (reference code).

sushy models the CompositionService read-only, and wrongly in two places:

- ``CompositionService.resource_blocks`` / ``.resource_zones`` raise
  ``AttributeError: 'function' object has no attribute 'decode'`` (they
  pass the path *method* to the collection instead of calling it). Here the
  collections are built from the paths in the service's JSON.
- ``ResourceBlock.resource_block_type`` maps ``ResourceBlockType`` as one
  value, but the standard (and every service) sends an array, so sushy
  gives ``None``. ``block_types`` reads the array.

sushy has no compose or decompose: they are ``POST /redfish/v1/Systems``
with ``Links.ResourceBlocks`` (201 + ``Location``) and ``DELETE`` of the
system, through sushy's connector (its auth, retries and TLS settings).

The smoke tests use this module; the ``redfish`` driver carries its own
workaround (``mogan/drivers/redfish_blocks.py``: the standard JSON
through sushy's connector) until sushy is fixed. Only sushy here: no
Mogan, no pytest.
"""

from typing import Any

from sushy.resources.compositionservice import resourceblock, resourcezone

SYSTEMS = "/redfish/v1/Systems"


def _collection_path(service: Any, name: str) -> str:
    path = str((service.json.get(name) or {}).get("@odata.id") or "")
    if not path:
        msg = f"{service.path} has no {name} collection"
        raise ValueError(msg)
    return path


def resource_blocks(root: Any) -> list[Any]:
    """Every ``ResourceBlock`` of the root's CompositionService."""
    service = root.get_composition_service()
    collection = resourceblock.ResourceBlockCollection(
        root._conn,
        _collection_path(service, "ResourceBlocks"),
        redfish_version=root.redfish_version,
        registries=root.lazy_registries,
        root=root,
    )
    return list(collection.get_members())


def resource_zones(root: Any) -> list[Any]:
    """Every ``ResourceZone`` of the root's CompositionService."""
    service = root.get_composition_service()
    collection = resourcezone.ResourceZoneCollection(
        root._conn,
        _collection_path(service, "ResourceZones"),
        redfish_version=root.redfish_version,
        registries=root.lazy_registries,
        root=root,
    )
    return list(collection.get_members())


def block_types(block: Any) -> list[str]:
    """A block's ``ResourceBlockType`` (an array; sushy maps it to ``None``)."""
    value = block.json.get("ResourceBlockType") or []
    return [value] if isinstance(value, str) else list(value)


def zone_use_cases(zone: Any) -> list[str]:
    """The ``UseCase`` values of a zone's ``@Redfish.CollectionCapabilities``."""
    capabilities = zone.json.get("@Redfish.CollectionCapabilities") or {}
    return [c.get("UseCase") for c in capabilities.get("Capabilities", [])]


def compose(root: Any, name: str, blocks: list[str]) -> str:
    """Specific composition of these block paths; the new system's path.

    Raises:
        sushy.exceptions.HTTPError: the service refused (409: a block is in
            use; 400: blocks that cannot go together).
    """
    body = {
        "Name": name,
        "Links": {"ResourceBlocks": [{"@odata.id": path} for path in blocks]},
    }
    response = root._conn.post(SYSTEMS, data=body)
    location = response.headers.get("Location")
    if not location:
        location = response.json()["@odata.id"]
    # NOTE: a Location may be absolute; the system's path is what sushy takes.
    return "/redfish/" + location.split("/redfish/", 1)[1]


def decompose(root: Any, system_path: str) -> None:
    """Decompose a composed system (its blocks become free)."""
    root._conn.delete(system_path)
