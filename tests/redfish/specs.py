"""Builders of the emulator's system and composition-pool specs (plain JSON).

A *system spec* is sushy-tools' fake system (``uuid``, ``name``,
``power_state``, ``nics``) with the team's keys (processors, memory,
storage, BIOS overrides, firmware versions, supported features); a *pool
spec* lists resource zones, resource blocks with their parts, and
composition limits. The emulator fills every field left out
(``emulator/state.py``, ``emulator/composition.py``).
"""

import uuid
from typing import Any

GIB = 1024  # MiB
GB = 1000**3  # bytes, as drive vendors count
FEATURES = ("bios", "firmware", "volumes", "virtual_media")


def system_uuid(name: str) -> str:
    """The stable uuid the builders give a system of this name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mogan-test/redfish/{name}"))


def system(
    name: str,
    *,
    power_state: str = "Off",
    macs: tuple[str, ...] | None = None,
    cpus: int = 2,
    cores: int = 8,
    memory_gib: int = 64,
    drives: int = 2,
    drive_gb: int = 480,
    raid_types: tuple[str, ...] = ("RAID0", "RAID1", "RAID10"),
    bios: dict[str, Any] | None = None,
    bios_version: str = "1.0.0",
    bmc_version: str = "1.00",
    features: tuple[str, ...] = FEATURES,
) -> dict[str, Any]:
    """A physical system: ``cpus`` sockets, 16 GiB DIMMs, one RAID controller.

    ``macs`` default to one NIC with a MAC derived from the uuid; ``bios``
    overrides registry defaults; ``features`` is what its BMC supports (a
    BMC without ``bios`` serves no Bios resource, and so on).
    """
    spec: dict[str, Any] = {
        "uuid": system_uuid(name),
        "name": name,
        "power_state": power_state,
        "processors": [{"cores": cores} for _ in range(cpus)],
        "memory": [{"capacity_mib": 16 * GIB} for _ in range(memory_gib // 16)],
        "storage": [
            {
                "raid_types": list(raid_types),
                "drives": [{"capacity_bytes": drive_gb * GB} for _ in range(drives)],
            }
        ],
        "bios": dict(bios or {}),
        "bios_version": bios_version,
        "bmc_version": bmc_version,
        "features": list(features),
    }
    if macs is not None:
        spec["nics"] = [{"mac": mac} for mac in macs]
    return spec


def block(
    block_id: str,
    types: tuple[str, ...],
    zones: tuple[str, ...],
    *,
    processors: list[dict[str, Any]] | None = None,
    memory: list[dict[str, Any]] | None = None,
    drives: list[dict[str, Any]] | None = None,
    nics: list[dict[str, Any]] | None = None,
    chassis: str | tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """A resource block of any kind (Compute blocks get a NIC by default).

    ``chassis``: the chassis it is in (``Links.Chassis``, one id or several);
    none when not given.
    """
    spec: dict[str, Any] = {
        "id": block_id,
        "types": list(types),
        "zones": list(zones),
        "processors": processors or [],
        "memory": memory or [],
        "drives": drives or [],
    }
    if nics is not None:
        spec["nics"] = nics
    if chassis is not None:
        spec["chassis"] = [chassis] if isinstance(chassis, str) else list(chassis)
    return spec


def compute_block(
    block_id: str,
    zone: str,
    *,
    sockets: int = 1,
    cores: int = 16,
    memory_gib: int = 64,
    model: str = "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz",
    chassis: str | tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """A CPU-memory complex (``Compute``): what every composed system needs."""
    return block(
        block_id,
        ("Compute",),
        (zone,),
        processors=[{"cores": cores, "model": model} for _ in range(sockets)],
        memory=[{"capacity_mib": 16 * GIB} for _ in range(memory_gib // 16)],
        chassis=chassis,
    )


def processor_block(
    block_id: str,
    zone: str,
    *,
    kind: str = "GPU",
    model: str = "NVIDIA A100",
    count: int = 1,
    cores: int = 108,
    chassis: str | tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Accelerators (``Processor`` block of GPUs or FPGAs)."""
    return block(
        block_id,
        ("Processor",),
        (zone,),
        processors=[
            {"type": kind, "model": model, "cores": cores, "threads": cores}
            for _ in range(count)
        ],
        chassis=chassis,
    )


def memory_block(
    block_id: str,
    zone: str,
    *,
    gib: int = 128,
    chassis: str | tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Extra memory (``Memory`` block of 32 GiB modules)."""
    return block(
        block_id,
        ("Memory",),
        (zone,),
        memory=[{"capacity_mib": 32 * GIB} for _ in range(max(1, gib // 32))],
        chassis=chassis,
    )


def storage_block(
    block_id: str,
    zone: str,
    *,
    drives_gb: tuple[int, ...] = (960,),
    media_type: str = "SSD",
    protocol: str = "NVMe",
    chassis: str | tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Drives (``Storage`` block)."""
    return block(
        block_id,
        ("Storage",),
        (zone,),
        drives=[
            {"capacity_bytes": gb * GB, "media_type": media_type, "protocol": protocol}
            for gb in drives_gb
        ],
        chassis=chassis,
    )


def pool(
    blocks: list[dict[str, Any]],
    *,
    zones: tuple[str, ...] | None = None,
    limits: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A composition pool of these blocks (zones default to the ones they name).

    ``limits`` are ``@Redfish.ResourceBlockLimits`` (``MinCompute``,
    ``MaxStorage`` ...); the default is exactly one Compute block.
    """
    names = zones or tuple(dict.fromkeys(z for b in blocks for z in b["zones"]))
    return {"zones": list(names), "blocks": blocks, "limits": dict(limits or {})}


def simple_pool(
    zones: tuple[str, ...] = ("zone-a",),
    *,
    compute: int = 2,
    gpu: int = 0,
    memory: int = 0,
    storage: int = 0,
    chassis: int = 0,
) -> dict[str, Any]:
    """Per zone: ``compute`` Compute blocks, and GPU, Memory, Storage blocks.

    Block ids are ``<zone>-<kind>-<n>`` (``zone-a-compute-0``). With
    ``chassis``, the zone's blocks of each kind go round-robin into that
    many chassis, ``<zone>-chassis-<n>`` (block n in chassis n mod
    ``chassis``); without, blocks link no chassis.
    """

    def where(zone: str, index: int) -> str | None:
        return f"{zone}-chassis-{index % chassis}" if chassis else None

    blocks = []
    for zone in zones:
        blocks += [
            compute_block(f"{zone}-compute-{i}", zone, chassis=where(zone, i))
            for i in range(compute)
        ]
        blocks += [
            processor_block(f"{zone}-gpu-{i}", zone, chassis=where(zone, i))
            for i in range(gpu)
        ]
        blocks += [
            memory_block(f"{zone}-memory-{i}", zone, chassis=where(zone, i))
            for i in range(memory)
        ]
        blocks += [
            storage_block(f"{zone}-storage-{i}", zone, chassis=where(zone, i))
            for i in range(storage)
        ]
    return pool(blocks, zones=zones)
