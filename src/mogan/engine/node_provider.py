"""A node's Placement provider: read, written, withdrawn for the node sync.

``node_sync`` decides which nodes to sync; this module holds what it does
to each node's provider: the fleet read once per run (``read_fleet``),
whether a provider may differ from the driver's node (``needs_placement``,
``maybe_stale_reserved``), writing only what differs (``apply``: the
provider, one unit of the node's class, reserved when the node must not be
claimed, its traits and aggregates), and deleting the providers Mogan
created (``remove_provider``, ``withdraw``).

What must not live here: the ``nodes`` rows (``node_sync``,
``mogan.db.api.node``), the node lock, scheduling.
"""

import dataclasses
import logging
from typing import Any

from mogan.db import models
from mogan.drivers import base
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)
GENERATION_RETRIES = 3


@dataclasses.dataclass
class Fleet:
    """Placement's view, read once per run."""

    providers: dict[str, dict[str, Any]]
    free: set[str]
    aggregates: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # NOTE: claimable nodes with a reserved unit left over (see sync()).
    stale: set[str] = dataclasses.field(default_factory=set)


def withdraw(
    placement: placement_client.PlacementClient, uuids: set[str], host: str
) -> None:
    """Delete the providers a sync created for nodes removed meanwhile.

    NOTE: a removal marks the node, then deletes its provider; a sync that
    read the node before the mark may create the provider after the delete.
    Its write transaction sees the mark (or the row gone): it takes back
    what it created, so no claim can land on a node the driver forgets.
    """
    for uuid in sorted(uuids):
        try:
            placement.delete_provider(uuid)
        except placement_client.PlacementError as err:
            LOG.warning("%s: provider of leaving node %s kept: %s", host, uuid, err)
        else:
            LOG.info("%s: node %s is being removed; its provider withdrawn", host, uuid)


def read_fleet(
    placement: placement_client.PlacementClient,
    specs: list[base.NodeSpec],
    aggregates: dict[str, list[str]],
) -> Fleet:
    """Placement's providers and, per class of ``specs``, the free ones."""
    providers = placement.list_providers()
    # NOTE: one query per class finds the free providers: nodes that must
    # not be claimed but are free need a reserved unit again, and the
    # scheduler's ``allocated`` flags are reconciled against the rest.
    rcs = {
        placement_client.resource_class_name(s.resource_class)
        for s in specs
        if s.resource_class
    }
    free: set[str] = set()
    for rc in sorted(rcs):
        placement.ensure_resource_class(rc)
        free |= set(placement.list_providers(resources={rc: 1}))
    return Fleet(providers, free, aggregates)


def needs_placement(spec: base.NodeSpec, row: models.Node | None, fleet: Fleet) -> bool:
    """Whether Placement may differ from what ``spec`` asks for."""
    provider = fleet.providers.get(spec.uuid)
    if row is None or provider is None or provider["name"] != spec.name:
        return True
    if not spec.consumable and spec.uuid in fleet.free:
        # NOTE: an allocation released since the last run (or a reserved
        # flag lost) leaves a node that must not be claimed claimable.
        return True
    if spec.uuid in fleet.stale:
        return True
    return (
        row.resource_class != spec.resource_class
        or sorted(row.traits) != sorted(spec.traits)
        or row.consumable != spec.consumable
    )


def maybe_stale_reserved(
    spec: base.NodeSpec, row: models.Node | None, fleet: Fleet
) -> bool:
    """Whether a claimable node shows no room in Placement for no known claim.

    A run that read the driver before a teardown ended can write the
    reserved unit after the node was freed; nothing else would take it back.
    """
    return (
        spec.consumable
        and row is not None
        and spec.uuid in fleet.providers
        and spec.uuid not in fleet.free
        and not (row.allocated and row.consumer_uuid)
    )


def apply(
    placement: placement_client.PlacementClient,
    spec: base.NodeSpec,
    row: models.Node | None,
    fleet: Fleet,
) -> bool:
    """Make the node's provider match ``spec``; returns whether Mogan created it.

    Only what differs is written: a node that merely became (un)consumable
    costs one inventory PUT.

    Raises:
        PlacementError: Placement refused; the caller retries next run.
        ClaimConflict: the provider kept changing underneath.
    """
    rc = placement_client.resource_class_name(spec.resource_class)
    provider, created = _ensure_provider(placement, spec, fleet)
    if provider["name"] != spec.name:
        provider = placement.rename_provider(spec.uuid, spec.name)
    if created or row is None or spec.uuid not in fleet.providers:
        write_inventory = write_traits = True
    else:
        write_inventory = (
            row.resource_class != spec.resource_class
            or row.consumable != spec.consumable
            or (not spec.consumable and spec.uuid in fleet.free)
            or spec.uuid in fleet.stale
        )
        write_traits = sorted(row.traits) != sorted(spec.traits)
    if not created and row is None:
        # NOTE: a provider Mogan did not create may carry anything: check.
        write_traits = placement.get_traits(spec.uuid) != sorted(spec.traits)
    generation = int(provider["generation"])
    for attempt in range(GENERATION_RETRIES):
        try:
            if write_inventory:
                inventory = _inventory(placement, spec, rc, fleet, created)
                generation = placement.set_inventory(spec.uuid, generation, inventory)
            if write_traits and (spec.traits or not created):
                generation = placement.set_traits(
                    spec.uuid, generation, sorted(spec.traits)
                )
            if created and fleet.aggregates.get(spec.uuid):
                # NOTE: a node enrolled again keeps its aggregates.
                generation = placement.set_aggregates(
                    spec.uuid, generation, fleet.aggregates[spec.uuid]
                )
            break
        except placement_client.ClaimConflict:
            # NOTE: a claim bumped the generation between our read and write.
            current = placement.get_provider(spec.uuid)
            if current is None or attempt == GENERATION_RETRIES - 1:
                raise
            generation = int(current["generation"])
    return created


def _ensure_provider(
    placement: placement_client.PlacementClient, spec: base.NodeSpec, fleet: Fleet
) -> tuple[dict[str, Any], bool]:
    """The node's provider, created if missing; and whether this call created it."""
    provider = fleet.providers.get(spec.uuid)
    if provider is not None:
        return provider, False
    try:
        return placement.create_provider(spec.uuid, spec.name), True
    except placement_client.ClaimConflict:
        # NOTE: another engine created it meanwhile (or the name is taken by
        # another provider, which the caller's rename reports).
        provider = placement.get_provider(spec.uuid)
        if provider is None:
            raise
        return provider, False


def _inventory(
    placement: placement_client.PlacementClient,
    spec: base.NodeSpec,
    rc: str,
    fleet: Fleet,
    created: bool,
) -> dict[str, dict[str, int]]:
    """One unit of the node's class, reserved when it must not be claimed."""
    placement.ensure_resource_class(rc)
    reserved = 0
    if not spec.consumable and (
        created
        or spec.uuid in fleet.free
        or not placement.provider_allocations(spec.uuid)
    ):
        reserved = 1
    return {rc: {"total": 1, "reserved": reserved, "min_unit": 1, "max_unit": 1}}


def remove_provider(
    placement: placement_client.PlacementClient, row: models.Node, host: str
) -> bool:
    """Delete the provider of a node the driver dropped, if Mogan created it.

    Returns whether the row may go (False: the provider still has
    allocations or Placement failed; the next run tries again).
    """
    if not row.provider_synced:
        return True
    try:
        placement.delete_provider(row.uuid)
    except placement_client.PlacementError as err:
        LOG.warning("%s: provider of removed node %s kept: %s", host, row.uuid, err)
        return False
    return True
