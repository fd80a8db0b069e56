"""A Redfish CompositionService (specific composition) over a configurable pool.

Faithful to DSP2050 (the composability white paper) and the schemas:

- the service root links ``CompositionService`` (only when a pool is set),
  which links the standard ``ResourceBlocks`` and ``ResourceZones``
  collections;
- a block has ``ResourceBlockType`` (an array), ``CompositionStatus``
  (``CompositionState`` Unused -> Composing -> Composed -> Unused,
  ``Reserved``, not shareable), links to its Processors, Memory, Drives and
  EthernetInterfaces (with capacities), ``Links.Zones`` /
  ``Links.ComputerSystems`` and ``Links.Chassis`` (the chassis the spec
  names it in, ``/redfish/v1/Chassis/<id>``; none by default);
  ``PATCH {"CompositionStatus": {"Reserved": true}}`` sets the advisory
  flag the service does not enforce;
- a zone has ``Links.ResourceBlocks`` and ``@Redfish.CollectionCapabilities``
  (``UseCase: ComputerSystemComposition``, ``TargetCollection``
  ``/redfish/v1/Systems``, ``CapabilitiesObject`` ``/redfish/v1/Systems/
  Capabilities`` with ``@Redfish.RequiredOnCreate`` and
  ``@Redfish.ResourceBlockLimits``);
- ``POST /redfish/v1/Systems {"Name", "Links": {"ResourceBlocks": [...]}}``
  composes: 201, ``Location`` and a service-chosen ``Id``; the new system
  (``SystemType: Composed``) has the blocks' processors, memory, drives and
  NICs and behaves like any system (power, boot, virtual media, BIOS).
  Blocks must share a zone and respect the limits (400); a block in use
  answers 409 with a Redfish error (``ResourceInUse``). Validation and
  allocation happen under one lock: a block is never given twice.
- ``DELETE`` of a composed system decomposes it: its blocks are Unused
  again (``Reserved`` is left as it was, as the white paper says).
"""

import time
from typing import Any

import flask
from sushy_tools import error

from . import redfish, state, system_views
from .state import STORE

SERVICE = "/redfish/v1/CompositionService"
BLOCKS = f"{SERVICE}/ResourceBlocks"
ZONES = f"{SERVICE}/ResourceZones"
CAPABILITIES = "/redfish/v1/Systems/Capabilities"
CHASSIS = "/redfish/v1/Chassis"
BLOCK_TYPES = (
    "Compute",
    "Processor",
    "Memory",
    "Network",
    "Storage",
    "ComputerSystem",
    "Expansion",
)
DEFAULT_LIMITS = {"MinCompute": 1, "MaxCompute": 1}


def normalize_pool(spec: dict[str, Any]) -> dict[str, Any]:
    """The pool's record from a test's spec.

    Spec: ``{"zones": ["z1", {"id": "z2", "name": ...}], "limits":
    {"MinCompute": 1, "MaxCompute": 1, ...}, "blocks": [{"id", "name",
    "types": ["Compute"], "zones": ["z1"], "chassis": ["c1"], "processors",
    "memory", "drives", "nics"}]}`` (processors and memory as in a system
    spec; ``drives`` a list of drive dicts; ``nics`` a list of ``{"mac"}``;
    ``chassis`` the ids of the chassis the block is in, none by default).

    Raises:
        ValueError: a block names an unknown zone or type, or ids repeat.
    """
    zones = {}
    for zone in spec.get("zones", []):
        zone_record = {"id": zone, "name": zone} if isinstance(zone, str) else zone
        zones[zone_record["id"]] = {
            "id": zone_record["id"],
            "name": zone_record.get("name", zone_record["id"]),
        }
    blocks = {}
    for block in spec.get("blocks", []):
        types = block.get("types") or [block.get("type", "Compute")]
        if isinstance(types, str):
            types = [types]
        if set(types) - set(BLOCK_TYPES):
            raise ValueError(f"block {block['id']}: unknown types {types}")
        if not block.get("zones") or set(block["zones"]) - set(zones):
            raise ValueError(f"block {block['id']}: zones {block.get('zones')}")
        if block["id"] in blocks:
            raise ValueError(f"block {block['id']} twice")
        nics = block.get("nics")
        if nics is None:
            nics = [{"mac": state.mac_for(block["id"])}] if "Compute" in types else []
        blocks[block["id"]] = {
            "id": block["id"],
            "name": block.get("name", block["id"]),
            "types": list(types),
            "zones": list(block["zones"]),
            "processors": state.processors_from(block.get("processors", [])),
            "memory": state.memory_from(block.get("memory", [])),
            "drives": state.drives_from(block.get("drives", []), ""),
            "nics": [{"mac": nic["mac"]} for nic in nics],
            "chassis": _chassis(block),
            "reserved": False,
            "system": None,
        }
    return {
        "zones": zones,
        "blocks": blocks,
        "limits": {**DEFAULT_LIMITS, **spec.get("limits", {})},
    }


def _chassis(block: dict[str, Any]) -> list[str]:
    """A block spec's chassis ids (it may name one id or a list)."""
    value = block.get("chassis") or []
    ids = [value] if isinstance(value, str) else list(value)
    if not all(isinstance(c, str) and c and "/" not in c for c in ids):
        raise ValueError(f"block {block['id']}: chassis {value!r}")
    return ids


def _pool() -> dict[str, Any]:
    if STORE.pool is None:
        raise error.NotFound("this service has no CompositionService")
    return STORE.pool


def block_state(block: dict[str, Any]) -> str:
    """The block's CompositionState now."""
    system = STORE.systems.get(block["system"] or "")
    if system is None:
        return "Unused"
    ready = system.get("ready_at")
    if ready is not None and time.time() < ready:
        return "Composing"
    return "Composed"


def composition_service() -> flask.Response:
    """The CompositionService."""
    _pool()
    return redfish.respond(
        redfish.odata(
            SERVICE,
            "#CompositionService.v1_2_0.CompositionService",
            Id="CompositionService",
            Name="Composition Service",
            Status={"State": "Enabled", "Health": "OK"},
            ServiceEnabled=True,
            AllowOverprovisioning=False,
            AllowZoneAffinity=True,
            ResourceBlocks=redfish.link(BLOCKS),
            ResourceZones=redfish.link(ZONES),
        )
    )


def block_collection() -> flask.Response:
    """Every resource block."""
    with STORE.lock:
        members = [f"{BLOCKS}/{block}" for block in _pool()["blocks"]]
    return redfish.respond(
        redfish.collection(
            BLOCKS, "ResourceBlock", "Resource Block Collection", members
        )
    )


def _block(block_id: str) -> dict[str, Any]:
    block = _pool()["blocks"].get(block_id)
    if block is None:
        raise error.NotFound(f"no resource block {block_id}")
    return block


def block_body(block: dict[str, Any]) -> dict[str, Any]:
    """A ResourceBlock resource."""
    path = f"{BLOCKS}/{block['id']}"
    current = block_state(block)

    def parts(kind: str, items: list[dict[str, Any]], key: str = "id") -> list[Any]:
        return [redfish.link(f"{path}/{kind}/{item[key]}") for item in items]

    systems = []
    if block["system"] is not None:
        systems = [redfish.link(f"{system_views.SYSTEMS}/{block['system']}")]
    return redfish.odata(
        path,
        "#ResourceBlock.v1_4_0.ResourceBlock",
        Id=block["id"],
        Name=block["name"],
        ResourceBlockType=block["types"],
        Status={"State": "Enabled", "Health": "OK"},
        CompositionStatus={
            "Reserved": block["reserved"],
            "CompositionState": current,
            "SharingCapable": False,
            "SharingEnabled": False,
            "MaxCompositions": 1,
            "NumberOfCompositions": 0 if current == "Unused" else 1,
        },
        Processors=parts("Processors", block["processors"]),
        Memory=parts("Memory", block["memory"]),
        Drives=parts("Drives", block["drives"]),
        EthernetInterfaces=parts("EthernetInterfaces", block["nics"], "mac"),
        Storage=[],
        ComputerSystems=[],
        Links={
            "ComputerSystems": systems,
            "Zones": [redfish.link(f"{ZONES}/{zone}") for zone in block["zones"]],
            "Chassis": [redfish.link(f"{CHASSIS}/{c}") for c in block["chassis"]],
        },
    )


def block_resource(block_id: str) -> flask.Response:
    """GET a block; PATCH its ``Reserved`` flag."""
    with STORE.lock:
        block = _block(block_id)
        if flask.request.method == "PATCH":
            body = redfish.request_json()
            status = body.pop("CompositionStatus", None)
            if not isinstance(status, dict):
                status = {}
            reserved = status.pop("Reserved", None)
            others = [*body, *status]
            if others:
                raise redfish.RedfishError(400, "PropertyNotWritable", others[0])
            if not isinstance(reserved, bool):
                raise redfish.RedfishError(
                    400, "PropertyValueTypeError", reserved, "Reserved"
                )
            block["reserved"] = reserved
            return redfish.respond(None, 204)
        return redfish.respond(block_body(block))


def _drive_body(path: str, disk: dict[str, Any]) -> dict[str, Any]:
    return redfish.odata(
        path,
        "#Drive.v1_9_0.Drive",
        Id=disk["id"],
        Name=disk["name"],
        CapacityBytes=disk["capacity_bytes"],
        MediaType=disk["media_type"],
        Protocol=disk["protocol"],
        Status={"State": "Enabled", "Health": "OK"},
    )


def _nic_body(path: str, nic: dict[str, Any]) -> dict[str, Any]:
    return redfish.odata(
        path,
        "#EthernetInterface.v1_6_0.EthernetInterface",
        Id=nic["mac"],
        Name="Ethernet Interface",
        MACAddress=nic["mac"],
        SpeedMbps=25000,
        Status={"State": "Enabled", "Health": "OK"},
    )


# NOTE: a block's parts: URL segment -> (record key, id key, body builder).
PARTS = {
    "Processors": ("processors", "id", system_views.processor_body),
    "Memory": ("memory", "id", system_views.memory_body),
    "Drives": ("drives", "id", _drive_body),
    "EthernetInterfaces": ("nics", "mac", _nic_body),
}


def block_part(block_id: str, kind: str, part_id: str) -> flask.Response:
    """A processor, memory module, drive or NIC of a block (with capacities)."""
    with STORE.lock:
        block = _block(block_id)
        if kind in PARTS:
            key, id_key, builder = PARTS[kind]
            for part in block[key]:
                if part[id_key] == part_id:
                    path = f"{BLOCKS}/{block_id}/{kind}/{part_id}"
                    return redfish.respond(builder(path, part))
    raise error.NotFound(f"no {kind} {part_id} in block {block_id}")


def zone_collection() -> flask.Response:
    """Every resource zone."""
    with STORE.lock:
        members = [f"{ZONES}/{zone}" for zone in _pool()["zones"]]
    return redfish.respond(
        redfish.collection(ZONES, "Zone", "Resource Zone Collection", members)
    )


def zone_resource(zone_id: str) -> flask.Response:
    """A resource zone, with what it can compose."""
    with STORE.lock:
        pool = _pool()
        zone = pool["zones"].get(zone_id)
        if zone is None:
            raise error.NotFound(f"no resource zone {zone_id}")
        blocks = [b for b in pool["blocks"].values() if zone_id in b["zones"]]
    path = f"{ZONES}/{zone_id}"
    body = redfish.odata(
        path,
        "#Zone.v1_6_0.Zone",
        Id=zone_id,
        Name=zone["name"],
        ZoneType="ZoneOfResourceBlocks",
        Status={"State": "Enabled", "Health": "OK"},
        Links={"ResourceBlocks": [redfish.link(f"{BLOCKS}/{b['id']}") for b in blocks]},
        **{
            "@Redfish.CollectionCapabilities": {
                "@odata.type": "#CollectionCapabilities.v1_4_0.CollectionCapabilities",
                "Capabilities": [
                    {
                        "CapabilitiesObject": redfish.link(CAPABILITIES),
                        "UseCase": "ComputerSystemComposition",
                        "Links": {
                            "TargetCollection": redfish.link(system_views.SYSTEMS),
                            "RelatedItem": [redfish.link(path)],
                        },
                    }
                ],
            }
        },
    )
    return redfish.respond(body)


def capabilities() -> flask.Response:
    """How to form a specific-composition request (the CapabilitiesObject)."""
    with STORE.lock:
        limits = dict(_pool()["limits"])
    return redfish.respond(
        redfish.odata(
            CAPABILITIES,
            "#ComputerSystem.v1_20_0.ComputerSystem",
            Id="Capabilities",
            Name="Capabilities for the zones",
            Links={
                "ResourceBlocks@Redfish.RequiredOnCreate": True,
                "ResourceBlocks@Redfish.UpdatableAfterCreate": False,
            },
            Boot={
                "BootSourceOverrideEnabled@Redfish.OptionalOnCreate": True,
                "BootSourceOverrideTarget@Redfish.OptionalOnCreate": True,
            },
            **{
                "Name@Redfish.RequiredOnCreate": True,
                "Name@Redfish.SetOnlyOnCreate": True,
                "Description@Redfish.OptionalOnCreate": True,
                "Links@Redfish.RequiredOnCreate": True,
                "@Redfish.ResourceBlockLimits": limits,
            },
        )
    )
