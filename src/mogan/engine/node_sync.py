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
class, which the node row names. A failed read keeps what was known.

A node being removed (``nodes.leaving_at``, set by ``enrolment.unenroll``
before it deletes the provider) is left alone; a run that read it before
the mark and created its provider after the delete sees the mark (or the
row gone) when it writes its rows, and deletes that provider again.

What must not live here: the provider writes themselves
(``node_provider``), the node lock and ``server_uuid`` (the workflows own
them), and any scheduling.
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
from mogan.engine import node_inventory, node_provider
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)


@dataclasses.dataclass
class SyncResult:
    """What one run did, by node count."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: int = 0
    leaving: int = 0


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
    fleet = node_provider.read_fleet(placement, specs, aggregates)

    result = SyncResult()
    inserts: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}
    ledger: dict[str, bool] = {}
    classes: dict[str, dict[str, Any]] = {}
    created: set[str] = set()
    for spec in specs:
        row = rows.get(spec.uuid)
        if row is not None and row.leaving_at is not None:
            # NOTE: being removed (``enrolment.unenroll``): its provider
            # stays deleted while the driver forgets it.
            result.leaving += 1
            continue
        values = _driver_values(spec, driver.name) | (
            node_inventory.read(driver, spec, host, classes)
            if node_inventory.due(spec, row, read_at, inventory_max_age)
            else {}
        )
        _reconcile(placement, spec, row, fleet, ledger)
        # NOTE: a node without a resource class can never be offered (and
        # CUSTOM_ alone is no class): it gets a row, not a provider.
        if spec.resource_class and node_provider.needs_placement(spec, row, fleet):
            try:
                if node_provider.apply(placement, spec, row, fleet):
                    created.add(spec.uuid)
                    values["provider_synced"] = True
            except (
                placement_client.PlacementError,
                placement_client.ClaimConflict,
            ) as err:
                LOG.warning(
                    "%s: node %s not synced to Placement: %s", host, spec.uuid, err
                )
                result.failed += 1
                continue
        if row is None:
            inserts.append({"uuid": spec.uuid, **values})
            result.created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            updates[spec.uuid] = values
            result.updated += 1
        else:
            result.unchanged += 1

    removed = _remove_gone(placement, rows, specs, host, result)

    lost = _write(
        database,
        inserts,
        updates,
        removed,
        checked=set(updates) | (created & set(rows)),
        ledger=ledger,
        read_at=read_at,
        returning=[v["uuid"] for v in inserts if v["uuid"] in aggregates],
        levels=levels,
        synced=node_sync_db.Synced(driver=driver.name, host=host, nodes=len(specs)),
        classes=classes,
    )
    node_provider.withdraw(placement, lost & created, host)
    LOG.debug("%s: node sync %s", host, result)
    return result


def _reconcile(
    placement: placement_client.PlacementClient,
    spec: base.NodeSpec,
    row: models.Node | None,
    fleet: node_provider.Fleet,
    ledger: dict[str, bool],
) -> None:
    """Note in ``ledger`` whether the node is allocated, as far as Placement says."""
    if spec.consumable and row is not None and row.consumable:
        # NOTE: only where this run writes no inventory: a consumable
        # node is allocated exactly when Placement had no room on it.
        ledger[spec.uuid] = spec.uuid in fleet.providers and spec.uuid not in fleet.free
    if spec.resource_class and node_provider.maybe_stale_reserved(spec, row, fleet):
        try:
            held = bool(placement.provider_allocations(spec.uuid))
        except placement_client.PlacementError:
            held = True
        if held:
            ledger[spec.uuid] = True
        else:
            # NOTE: no room and no claim: a stale reserved unit, taken
            # back by this run; the next run reconciles the flag.
            fleet.stale.add(spec.uuid)
            ledger.pop(spec.uuid, None)


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
    removed = [
        row.uuid for row in gone if node_provider.remove_provider(placement, row, host)
    ]
    result.removed = len(removed)
    result.failed += len(gone) - len(removed)
    return removed


def _write(
    database: db_session.Database,
    inserts: list[dict[str, Any]],
    updates: dict[str, dict[str, Any]],
    removed: list[str],
    *,
    checked: set[str],
    ledger: dict[str, bool],
    read_at: datetime.datetime,
    returning: list[str],
    levels: tuple[Sequence[str], Sequence[str]],
    synced: node_sync_db.Synced,
    classes: dict[str, dict[str, Any]],
) -> set[str]:
    """Write one run's rows, allocated flags and returning nodes' zones.

    The run is recorded in the same transaction (``node_syncs``): the API
    serves creates once a record exists, so the nodes must be there with it.

    Returns:
        Those of ``checked`` (rows the run read) that are gone or being
        removed now: their rows are not written.
    """
    with database.transaction() as session:
        staying = node_db.staying(session, checked)
        node_sync_db.record(session, synced, at=models.utcnow())
        for fingerprint, facts in classes.items():
            hardware_class_db.ensure(session, fingerprint, facts)
        for values in inserts:
            node_db.create_or_update(session, values)
        if returning:
            # NOTE: memberships outlive a node's row; its zones come back.
            aggregate_db.recompute_zones(session, returning, *levels)
        for uuid, values in updates.items():
            if uuid in staying:
                node_db.update(session, uuid, values)
        for uuid in removed:
            node_db.destroy(session, uuid)
        for uuid, allocated in ledger.items():
            node_db.reconcile_allocated(
                session, uuid, allocated=allocated, read_at=read_at
            )
    return checked - staying


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
    if row is not None and row.leaving_at is not None:
        # NOTE: being removed (``enrolment.unenroll``): left alone.
        return
    provider = placement.get_provider(node_uuid)
    fleet = node_provider.Fleet(
        {node_uuid: provider} if provider else {}, set(), aggregates
    )
    values = _driver_values(spec, driver.name)
    classes: dict[str, dict[str, Any]] = {}
    values |= node_inventory.read(driver, spec, "sync_node", classes)
    created = bool(
        spec.resource_class
        and node_provider.needs_placement(spec, row, fleet)
        and node_provider.apply(placement, spec, row, fleet)
    )
    if created:
        values["provider_synced"] = True
    with database.transaction() as session:
        for fingerprint, facts in classes.items():
            hardware_class_db.ensure(session, fingerprint, facts)
        lost = row is not None and not node_db.staying(session, [node_uuid])
        if row is None:
            # NOTE: a full run (or another engine) may have inserted it since
            # the row was read: an update then, not a failed enrolment.
            node_db.create_or_update(session, {"uuid": node_uuid, **values})
        elif not lost:
            node_db.update(session, node_uuid, values)
    if lost and created:
        node_provider.withdraw(placement, {node_uuid}, "sync_node")


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
    if not node_provider.remove_provider(placement, row, host):
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
