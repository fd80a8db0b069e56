"""An Ironic node's hardware as Mogan's typed ``Inventory``.

Pure functions over the JSON Ironic returns (no HTTP; ``ironic`` makes the
requests). The sources, each optional:

- the node: ``properties`` (``cpus``, ``memory_mb``, ``cpu_arch``,
  ``raid_levels``) and its ``raid_interface`` (``agent`` builds software
  RAID; any other but ``fake`` and ``no-raid`` is a hardware controller
  holding the node's disks);
- its ports (``address``, ``physical_network``, ``local_link_connection``,
  ``portgroup_uuid``) and port groups: the NICs Mogan may bind, and the
  bond each is in;
- inspection data (``GET /v1/nodes/{id}/inventory``, API 1.81): the deploy
  agent's ``inventory`` (cpu, memory, disks, interfaces) and ``plugin_data``
  (``parsed_lldp``); absent on nodes never inspected (fake hardware);
- ``GET /v1/nodes/{id}/bios?detail=True`` (API 1.74 for the registry
  fields) and ``GET /v1/nodes/{id}/firmware`` (API 1.86).

Facts from inspection win over properties; ports give the NICs (inspection
adds names and speeds by MAC). Nothing is guessed: what no source says stays
empty.
"""

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from typing import Any

from mogan.drivers import base
from mogan.drivers.hardware import RAID_LEVELS

GIB = 1024**3
SOFTWARE_RAID = "agent"
NO_RAID = frozenset({None, "", "no-raid", "fake"})
PORT_FIELDS = "uuid,address,physical_network,local_link_connection,portgroup_uuid"
"""What Mogan reads of a port (``nics``, ``ports_version``)."""
# NOTE: the levels Ironic's agent (mdadm) builds.
SOFTWARE_LEVELS = ("0", "1", "1+0")


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def disk(raw: dict[str, Any]) -> base.Disk:
    """A disk of the deploy agent's inventory (size in bytes)."""
    name = str(raw.get("name") or "")
    rotational = bool(raw.get("rotational"))
    if "nvme" in name or raw.get("tran") == "nvme":
        kind = base.DiskType.NVME
    elif rotational:
        kind = base.DiskType.HDD
    else:
        kind = base.DiskType.SSD
    return base.Disk(
        name=name,
        size_gb=(_int(raw.get("size")) or 0) // GIB,
        type=kind,
        rotational=rotational,
        model=raw.get("model") or None,
        serial=raw.get("serial") or None,
        wwn=raw.get("wwn") or None,
    )


def _switch(link: dict[str, Any] | None) -> base.SwitchPort | None:
    """A port's ``local_link_connection`` (or parsed LLDP) as a switch port."""
    if not link:
        return None
    port = base.SwitchPort(
        switch_id=link.get("switch_id") or link.get("switch_chassis_id"),
        port_id=link.get("port_id") or link.get("switch_port_id"),
        switch_info=link.get("switch_info") or link.get("switch_system_name"),
    )
    return port if port != base.SwitchPort() else None


def nics(
    ports: Iterable[dict[str, Any]],
    interfaces: Iterable[dict[str, Any]],
    lldp: dict[str, Any],
    port_groups: dict[str, str] | None = None,
) -> tuple[base.InventoryNic, ...]:
    """One NIC per port, named and sped from the inspected interface of its MAC.

    ``port_groups`` names the node's port groups by uuid: a port in one
    shows its name (or uuid when it has none).
    """
    groups = port_groups or {}
    by_mac = {
        str(i.get("mac_address") or "").lower(): i
        for i in interfaces
        if i.get("mac_address")
    }
    found = []
    for port in ports:
        mac = str(port["address"]).lower()
        seen = by_mac.get(mac, {})
        name = seen.get("name")
        found.append(
            base.InventoryNic(
                mac=port["address"],
                name=name,
                speed_mbps=_int(seen.get("speed_mbps")),
                physical_network=port.get("physical_network"),
                switch_port=_switch(port.get("local_link_connection"))
                or _switch(lldp.get(name) if name else None),
                port_group=(
                    groups.get(port["portgroup_uuid"]) or port["portgroup_uuid"]
                    if port.get("portgroup_uuid")
                    else None
                ),
            )
        )
    return tuple(found)


def ports_version(ports: Iterable[dict[str, Any]]) -> str:
    """A digest of the ports' addresses, physical networks, links and groups.

    NOTE: the node sync reads a node's inventory again when it changes: a
    port cabled, moved to another physical network or joined to a port
    group (which leave its address as it was) reaches bond planning then.
    """
    seen = sorted(
        (
            str(p["address"]).lower(),
            p.get("physical_network"),
            json.dumps(p.get("local_link_connection") or {}, sort_keys=True),
            p.get("portgroup_uuid"),
        )
        for p in ports
    )
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:32]


def bios(settings: Iterable[dict[str, Any]]) -> dict[str, base.BiosAttribute]:
    """``GET …/bios?detail=True`` as attribute name to registry entry."""
    types = {t.value for t in base.BiosAttributeType}
    registry = {}
    for item in settings:
        kind = item.get("attribute_type")
        value = item.get("value")
        registry[str(item["name"])] = base.BiosAttribute(
            current_value=None if value is None else str(value),
            attribute_type=base.BiosAttributeType(kind) if kind in types else None,
            allowable_values=tuple(str(v) for v in item.get("allowable_values") or ()),
            lower_bound=_int(item.get("lower_bound")),
            upper_bound=_int(item.get("upper_bound")),
            min_length=_int(item.get("min_length")),
            max_length=_int(item.get("max_length")),
            read_only=bool(item.get("read_only")),
            reset_required=bool(item.get("reset_required")),
        )
    return registry


def firmware(
    components: Iterable[dict[str, Any]],
) -> tuple[base.FirmwareComponent, ...]:
    """``GET …/firmware`` as firmware components."""
    return tuple(
        base.FirmwareComponent(
            component=str(c["component"]),
            current_version=c.get("current_version"),
            initial_version=c.get("initial_version"),
            last_version_flashed=c.get("last_version_flashed"),
        )
        for c in components
    )


def _levels(value: Any) -> tuple[str, ...]:
    """``properties.raid_levels`` (a list or ``"1,5,1+0"``), known levels only."""
    items = value.split(",") if isinstance(value, str) else value or ()
    wanted = {str(item).strip() for item in items}
    return tuple(level for level in RAID_LEVELS if level in wanted)


def raid_controllers(node: dict[str, Any]) -> tuple[base.RaidController, ...]:
    """What the node's RAID interface can build.

    A hardware RAID interface is one controller named after it. Ironic does
    not say which levels it supports: the node's ``properties.raid_levels``
    do when an operator (or an inspection rule) set them, else the levels
    Ironic's RAID schema accepts.
    """
    interface = node.get("raid_interface")
    if interface in NO_RAID:
        return ()
    if interface == SOFTWARE_RAID:
        return (base.RaidController("software", SOFTWARE_LEVELS, software=True),)
    props = node.get("properties") or {}
    levels = _levels(props["raid_levels"]) if "raid_levels" in props else RAID_LEVELS
    return (base.RaidController(str(interface), levels),)


def build(
    node: dict[str, Any],
    ports: list[dict[str, Any]],
    inspection: dict[str, Any] | None,
    bios_settings: list[dict[str, Any]],
    firmware_components: list[dict[str, Any]],
    *,
    port_groups: dict[str, str] | None = None,
) -> base.Inventory:
    """The inventory of ``node`` from everything Ironic said about it.

    Args:
        node: ``GET /v1/nodes/{id}``.
        ports: its ports with ``address``, ``physical_network`` and
            ``local_link_connection``.
        inspection: ``GET …/inventory`` (``inventory`` and ``plugin_data``),
            or None when the node was never inspected.
        bios_settings: ``GET …/bios?detail=True``'s ``bios`` list.
        firmware_components: ``GET …/firmware``'s ``firmware`` list.
        port_groups: the node's port groups, uuid to name.
    """
    props = node.get("properties") or {}
    found = (inspection or {}).get("inventory") or {}
    controllers = raid_controllers(node)
    disks = tuple(disk(d) for d in found.get("disks") or ())
    if controllers and not controllers[0].software:
        # NOTE: the node's one hardware controller holds its disks.
        disks = tuple(
            dataclasses.replace(d, controller=controllers[0].name) for d in disks
        )
    plugin = (inspection or {}).get("plugin_data") or {}
    cpu = found.get("cpu") or {}
    memory = found.get("memory") or {}
    return base.Inventory(
        cpus=_int(cpu.get("count")) or _int(props.get("cpus")),
        cpu_arch=cpu.get("architecture") or props.get("cpu_arch") or None,
        memory_mb=_int(memory.get("physical_mb")) or _int(props.get("memory_mb")),
        disks=disks,
        raid_controllers=controllers,
        nics=nics(
            ports,
            found.get("interfaces") or (),
            plugin.get("parsed_lldp") or {},
            port_groups,
        ),
        bios=bios(bios_settings),
        firmware=firmware(firmware_components),
    )
