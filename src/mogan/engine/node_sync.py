"""Node sync: the driver's nodes into the ``nodes`` table and Placement.

The engine calls :func:`sync` once at start and every ``[engine]
sync_nodes_interval`` seconds (each run is recorded in ``node_syncs``; the
API waits for the first record before it creates servers)::

    node_sync.sync(database, driver, placement_client, conf.host)

Every node becomes a root resource provider (uuid and name of the node) with
inventory ``{CUSTOM_<RC>: total 1, max_unit 1}`` and the node's traits. A
node that cannot take a server (not consumable) and holds no allocation gets
``reserved = 1`` so no claim can land on it; a node holding an allocation
keeps ``reserved = 0`` (the allocation already makes it full).

It is idempotent and cheap when nothing changed: Placement is written only
for nodes whose row differs from what the driver reports (or whose provider
is missing, or which is not consumable yet has free capacity), and each run
costs a few fleet-wide Placement reads (the provider list, and the free
providers of each class with unconsumable nodes), never one per node. A
node whose Placement update fails keeps its old row, so the next run tries
again. Providers are deleted only when
``provider_synced`` says Mogan created them and the node left the driver;
a provider that existed before Mogan saw the node is updated but never
deleted.

Each node's hardware inventory (``driver.get_inventory``) is read when the
node is new, has none yet, its ports or properties changed, or it is older
than ``inventory_max_age`` (and always by ``sync_node``, after a teardown):
stored whole in ``nodes.inventory`` for admins, and reduced to its
scheduling facts (``mogan.scheduler.hardware``), stored once per hardware
class, which the node row names. A failed read keeps what was known. What
must not live here: the node lock and ``server_uuid`` (the
workflows own them), and any scheduling.
"""

import dataclasses
import datetime
import logging
from collections.abc import Sequence
from typing import Any

from mogan import exception
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import aggregate as aggregate_db
from mogan.db.api import hardware_class as hardware_class_db
from mogan.db.api import node as node_db
from mogan.db.api import node_sync as node_sync_db
from mogan.drivers import base
from mogan.engine import node_inventory
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)
GENERATION_RETRIES = 3


@dataclasses.dataclass
class SyncResult:
    """What one run did, by node count."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0


@dataclasses.dataclass
class _Fleet:
    """Placement's view, read once per run."""

    providers: dict[str, dict[str, Any]]
    free: set[str]
    aggregates: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # NOTE: claimable nodes with a reserved unit left over (see sync()).
    stale: set[str] = dataclasses.field(default_factory=set)


def sync(
    database: db_session.Database,
    driver: base.Driver,
    placement: placement_client.PlacementClient,
    host: str,
    levels: tuple[Sequence[str], Sequence[str]] = ((), ()),
    *,
    inventory_max_age: float = 0,
) -> SyncResult:
    """Bring the ``nodes`` rows and Placement in step with ``driver.list_nodes()``.

    Args:
        database: Mogan's database.
        driver: the engine's driver; only rows of ``driver.name`` are touched.
        placement: a Placement client.
        host: the engine's host name (for the log).
        levels: ``[scheduler] failure_domain_hierarchy`` and
            ``failure_domain_orthogonal``, for the zones of nodes enrolled
            again while still in aggregates.
        inventory_max_age: seconds after which a node's inventory is read
            again (0: only when new or changed).

    Returns:
        Counts of created, updated, unchanged, removed and failed nodes.

    Raises:
        DriverError: the driver cannot list its nodes (nothing is changed).
        PlacementError: Placement cannot be read (nothing is changed).
    """
    specs = driver.list_nodes()
    with database.transaction() as session:
        rows = {row.uuid: row for row in node_db.get_all(session, driver=driver.name)}
        aggregates = node_db.aggregate_uuids(session)
    read_at = models.utcnow()
    fleet = _read_fleet(placement, specs, aggregates)
    providers, free = fleet.providers, fleet.free

    result = SyncResult()
    inserts: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    ledger: dict[str, bool] = {}
    classes: dict[str, dict[str, Any]] = {}
    for spec in specs:
        row = rows.get(spec.uuid)
        values = _driver_values(spec, driver.name) | (
            node_inventory.read(driver, spec.uuid, host, classes)
            if node_inventory.due(spec, row, read_at, inventory_max_age)
            else {}
        )
        if spec.consumable and row is not None and row.consumable:
            # NOTE: only where this run writes no inventory: a consumable
            # node is allocated exactly when Placement had no room on it.
            ledger[spec.uuid] = spec.uuid in providers and spec.uuid not in free
        if spec.resource_class and _maybe_stale_reserved(spec, row, fleet):
            try:
                held = bool(placement.provider_allocations(spec.uuid))
            except placement_client.PlacementError:
                held = True
            if held:
                ledger[spec.uuid] = True
            else:
                # NOTE: no room and no claim: a stale reserved unit, taken
                # back below; the next run reconciles the flag.
                fleet.stale.add(spec.uuid)
                ledger.pop(spec.uuid, None)
        # NOTE: a node without a resource class can never be offered (and
        # CUSTOM_ alone is no class): it gets a row, not a provider.
        if spec.resource_class and _needs_placement(spec, row, fleet):
            try:
                created = _apply(placement, spec, row, fleet)
            except (
                placement_client.PlacementError,
                placement_client.ClaimConflict,
            ) as err:
                LOG.warning(
                    "%s: node %s not synced to Placement: %s", host, spec.uuid, err
                )
                result.failed += 1
                continue
            if created:
                values["provider_synced"] = True
        if row is None:
            inserts.append({"uuid": spec.uuid, **values})
            result.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            updates[spec.uuid] = values
            result.updated += 1
        else:
            result.unchanged += 1

    removed = _remove_gone(placement, rows, specs, host, result)

    _write(
        database,
        inserts,
        updates,
        removed,
        ledger=ledger,
        read_at=read_at,
        returning=[v["uuid"] for v in inserts if v["uuid"] in aggregates],
        levels=levels,
        synced=node_sync_db.Synced(driver=driver.name, host=host, nodes=len(specs)),
        classes=classes,
    )
    LOG.debug("%s: node sync %s", host, result)
    return result


def _remove_gone(
    placement: placement_client.PlacementClient,
    rows: dict[str, models.Node],
    specs: list[base.NodeSpec],
    host: str,
    result: SyncResult,
) -> list[str]:
    """Drop the providers of nodes the driver no longer lists; their uuids."""
    seen = {spec.uuid for spec in specs}
    gone = [row for uuid, row in rows.items() if uuid not in seen]
    removed = [row.uuid for row in gone if _remove_provider(placement, row, host)]
    result.removed = len(removed)
    result.failed += len(gone) - len(removed)
    return removed


def _write(
    database: db_session.Database,
    inserts: list[dict[str, Any]],
    updates: dict[str, dict[str, Any]],
    removed: list[str],
    *,
    ledger: dict[str, bool],
    read_at: datetime.datetime,
    returning: list[str],
    levels: tuple[Sequence[str], Sequence[str]],
    synced: node_sync_db.Synced,
    classes: dict[str, dict[str, Any]],
) -> None:
    """Write one run's rows, allocated flags and returning nodes' zones.

    The run is recorded in the same transaction (``node_syncs``): the API
    serves creates once a record exists, so the nodes must be there with it.
    """
    with database.transaction() as session:
        node_sync_db.record(session, synced, at=models.utcnow())
        for fingerprint, facts in classes.items():
            hardware_class_db.ensure(session, fingerprint, facts)
        for values in inserts:
            node_db.create_or_update(session, values)
        if returning:
            # NOTE: memberships outlive a node's row; its zones come back.
            aggregate_db.recompute_zones(session, returning, *levels)
        for uuid, values in updates.items():
            node_db.update(session, uuid, values)
        for uuid in removed:
            node_db.destroy(session, uuid)
        for uuid, allocated in ledger.items():
            node_db.reconcile_allocated(
                session, uuid, allocated=allocated, read_at=read_at
            )


def _read_fleet(
    placement: placement_client.PlacementClient,
    specs: list[base.NodeSpec],
    aggregates: dict[str, list[str]],
) -> _Fleet:
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
    return _Fleet(providers, free, aggregates)


def sync_node(
    database: db_session.Database,
    driver: base.Driver,
    placement: placement_client.PlacementClient,
    node_uuid: str,
) -> None:
    """Bring one node's row and provider in step with the driver, now.

    Called when a workflow changed the node (a teardown freed it), so the
    node is claimable again at once instead of after the next periodic run.

    Raises:
        NodeNotFound: the driver no longer knows the node.
        PlacementError: Placement refused; the periodic sync will retry.
        ClaimConflict: the provider kept changing; the periodic sync will retry.
    """
    spec = driver.get_node(node_uuid)
    with database.transaction(readonly=True) as session:
        try:
            row: models.Node | None = node_db.get(session, node_uuid)
        except exception.NotFound:
            row = None
        aggregates = node_db.aggregate_uuids(session, [node_uuid])
    provider = placement.get_provider(node_uuid)
    fleet = _Fleet({node_uuid: provider} if provider else {}, set(), aggregates)
    values = _driver_values(spec, driver.name)
    classes: dict[str, dict[str, Any]] = {}
    values |= node_inventory.read(driver, node_uuid, "sync_node", classes)
    if (
        spec.resource_class
        and _needs_placement(spec, row, fleet)
        and _apply(placement, spec, row, fleet)
    ):
        values["provider_synced"] = True
    with database.transaction() as session:
        for fingerprint, facts in classes.items():
            hardware_class_db.ensure(session, fingerprint, facts)
        if row is None:
            node_db.create(session, {"uuid": node_uuid, **values})
        else:
            node_db.update(session, node_uuid, values)


def forget_node(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    node_uuid: str,
    host: str,
) -> bool:
    """Drop a node the driver no longer has from Placement and ``nodes``, now.

    Returns:
        False when Placement kept the provider (the periodic sync retries).
    """
    with database.transaction(readonly=True) as session:
        row = node_db.find(session, node_uuid)
    if row is None:
        return True
    if not _remove_provider(placement, row, host):
        return False
    with database.transaction() as session:
        node_db.destroy(session, node_uuid)
    return True


def _driver_values(spec: base.NodeSpec, driver_name: str) -> dict[str, Any]:
    """The row's driver-owned columns as ``spec`` reports them."""
    return {
        "name": spec.name,
        "driver": driver_name,
        "resource_class": spec.resource_class,
        "placement_rc": placement_client.resource_class_name(spec.resource_class),
        "traits": sorted(spec.traits),
        "properties": dict(spec.properties),
        "ports": list(spec.ports),
        "power_state": spec.power_state,
        "maintenance": spec.maintenance,
        "consumable": spec.consumable,
        "why_not": spec.why_not[:255] if spec.why_not else None,
    }


def _needs_placement(
    spec: base.NodeSpec, row: models.Node | None, fleet: _Fleet
) -> bool:
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


def _maybe_stale_reserved(
    spec: base.NodeSpec, row: models.Node | None, fleet: _Fleet
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


def _apply(
    placement: placement_client.PlacementClient,
    spec: base.NodeSpec,
    row: models.Node | None,
    fleet: _Fleet,
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
    placement: placement_client.PlacementClient, spec: base.NodeSpec, fleet: _Fleet
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
    fleet: _Fleet,
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


def _remove_provider(
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
