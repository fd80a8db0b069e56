"""What a composition service's blocks are in Placement and in Mogan's view.

The provider uuids of zones and blocks (``uuid5`` of the service's uuid),
a block's inventory (whole-block amounts, reserved when the scheduler must
not offer it) and traits, whether Mogan holds a block, and the view's row
of a block. Pure functions: the sync (``composition_sync``), the removal
(``composition_removal``) and the compose steps (``compose``,
``taken_blocks``) share them.
"""

import uuid as uuidlib
from typing import Any

from mogan.drivers import hardware
from mogan.placement import blocks as placement_blocks


def zone_provider(service_uuid: str, zone_id: str) -> str:
    """The Placement provider uuid of a zone of a service."""
    return str(uuidlib.uuid5(uuidlib.UUID(service_uuid), f"zone:{zone_id}"))


def block_provider(service_uuid: str, block_id: str) -> str:
    """The Placement provider uuid of a block of a service."""
    return str(uuidlib.uuid5(uuidlib.UUID(service_uuid), f"block:{block_id}"))


def block_inventory(
    block: hardware.ResourceBlock, *, ours: bool = False
) -> dict[str, dict[str, int]]:
    """The Placement inventory of what a block brings.

    NOTE: whole-block amounts: total, min_unit and max_unit are the
    block's capacity, so Placement itself refuses a claim of part of a
    block (say one made from a stale view while a sync rewrote the
    inventory) and two servers can never share one: a block cannot be
    split between systems (the service composes blocks, never parts). A block the
    scheduler must not offer has all of it reserved, unless it is ``ours``
    (claimed or composed by Mogan: its claim already holds it, and
    reserving it too would count it twice).
    """
    amounts = placement_blocks.amounts(
        cores=block.cores,
        memory_mb=block.memory_mb,
        storage_gb=block.storage_gb,
        accelerators=block.accelerators,
    )
    unavailable = not ours and (not block.free or block.reserved)
    return {
        rc: {
            "total": n,
            "max_unit": n,
            "min_unit": n,
            "step_size": 1,
            "reserved": n if unavailable else 0,
        }
        for rc, n in amounts.items()
    }


def is_ours(
    block: hardware.ResourceBlock, claimed: set[str], systems: set[str]
) -> bool:
    """Whether Mogan holds the block: claimed it, or composed its system."""
    return block.id in claimed or (
        block.system is not None and block.system.rstrip("/") in systems
    )


def block_traits(block: hardware.ResourceBlock) -> list[str]:
    """``CUSTOM_BLOCK_<TYPE>`` for each of the block's types."""
    return placement_blocks.traits(block.block_types)


def block_row(
    block: hardware.ResourceBlock, zone: str | None, provider: str
) -> dict[str, Any]:
    """The view's row (``resource_blocks``) of a block as the service shows it."""
    return {
        "block_id": block.id,
        "block_types": list(block.block_types),
        "zones": list(block.zones),
        "zone": zone,
        "composition_state": block.composition_state,
        "reserved": block.reserved,
        "system": block.system,
        "chassis": list(block.chassis),
        "cpus": block.cpus,
        "cores": block.cores,
        "memory_mb": block.memory_mb,
        "storage_gb": block.storage_gb,
        "accelerators": dict(block.accelerators),
        "provider_uuid": provider,
    }
