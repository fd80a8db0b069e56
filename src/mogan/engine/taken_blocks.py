"""Resource blocks a compose found taken behind Mogan's back: never offered again.

The service refused a compose because a block is in a system Mogan did
not make (``BlockTaken``, since the scheduler's claim). ``reserve`` marks
it reserved in the view and reserves its whole inventory in Placement
(the inventory ``composition_tree.block_inventory`` gives a reserved
block, from what the view knows of it), so no scheduler offers it until
the next sync writes it as the service shows it. When the service did
not say which block (``BlockTaken.block`` is None), ``find`` reads the
service's blocks again for those of the composition that are not free.

Every Placement and driver call is made outside a database transaction.
What must not live here: the compose step itself (``compose``), the sync.
"""

import logging
from collections.abc import Sequence

from mogan.db.api import composition as composition_db
from mogan.drivers import base as driver_base
from mogan.drivers import hardware, interfaces
from mogan.engine import composition_tree, workflow
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)
GENERATION_RETRIES = 3


def _block(row: composition_db.ResourceBlock) -> hardware.ResourceBlock:
    """A view row as the block it mirrors (what its inventory is made from)."""
    return hardware.ResourceBlock(
        id=row.block_id,
        block_types=tuple(row.block_types or ()),
        zones=tuple(row.zones or ()),
        composition_state=row.composition_state,
        reserved=row.reserved,
        system=row.system,
        chassis=tuple(row.chassis or ()),
        cpus=row.cpus,
        cores=row.cores,
        memory_mb=row.memory_mb,
        storage_gb=row.storage_gb,
        accelerators=dict(row.accelerators or {}),
    )


def reserve(deps: workflow.Deps, service_uuid: str, block_id: str) -> None:
    """Keep a block composed behind Mogan's back from being offered again.

    Reserved in the view and its whole inventory reserved in Placement
    (its allocation, if any, is the failing claim, released just after).
    Only an optimisation: a failure is logged, the build fails all the same.
    """
    with deps.db.transaction() as session:
        composition_db.reserve_block(session, service_uuid, block_id)
        row = composition_db.find_block(session, service_uuid, block_id)
        block = None if row is None else _block(row)
    if block is None:
        return
    provider = composition_tree.block_provider(service_uuid, block_id)
    inventory = composition_tree.block_inventory(block)
    placement = deps.placement
    try:
        for _ in range(GENERATION_RETRIES):
            found = placement.get_provider(provider)
            if found is None:
                return
            try:
                placement.set_inventory(provider, int(found["generation"]), inventory)
            except placement_client.ClaimConflict:
                continue
            return
    except placement_client.PlacementError as err:
        LOG.warning("block %s not reserved in Placement: %s", block_id, err)


def find(
    composer: interfaces.CompositionInterface,
    service: driver_base.BmcAccess,
    blocks: Sequence[str],
) -> list[str]:
    """Which of ``blocks`` the service shows taken (not free), read again now.

    For a refusal that named no block. Empty when none is (any more), or
    when the service cannot be read: the compose fails all the same.
    """
    try:
        listed = {b.id: b for b in composer.list_resource_blocks(service)}
    except driver_base.DriverError as err:
        LOG.warning("blocks of %s not read again: %s", service.address, err)
        return []
    return [b for b in blocks if b in listed and not listed[b].free]
