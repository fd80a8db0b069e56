"""Composition services in Mogan: registering them, and keeping their blocks.

``CompositionServices`` is the engine's: it checks a service through the
driver (``CompositionInterface.list_resource_zones``), stores it with its
password sealed (``[DEFAULT] secret_key``), and syncs it: every block of
the service is kept in ``resource_blocks`` (the indexed view the API
lists) and mirrored into Placement as a tree per zone:

- one root provider per zone, ``uuid5(service uuid, "zone:" + zone id)``,
  named ``<service name>:<zone id>``, with no inventory of its own;
- each block a child of its (first) zone, ``uuid5(service uuid, "block:" +
  block id)``, named ``<service name>:<block id>``, with an inventory of
  what it brings (``VCPU`` = cores, ``MEMORY_MB``, ``DISK_GB``,
  ``CUSTOM_ACCEL_<MODEL>``) and traits ``CUSTOM_BLOCK_<TYPE>``.

A block that is not free (composed into a system Mogan did not make, or
any state but ``Unused``, or ``Reserved`` by the service) has all of its
inventory reserved, so the scheduler never offers it. A block Mogan
claimed (``consumer_uuid``) or composed (its system is a
``composed_systems`` row's) is never reserved: its claim already holds
it. The view's claim records are checked against Placement and corrected.
A block gone from the service loses its provider and row, unless
Placement still holds an allocation against it: then both are kept and
the sync logs it.

A service being removed (``composition_removal``: its ``removing_at``
tombstone) is not synced, and a sync that finds the tombstone (or the
service gone) when it comes to write its rows withdraws the providers it
wrote instead, so none outlive the service.

Each database write is one short transaction of its own, never inside
another (``NestedWriteTransaction``), and never open while Placement or
the service is called.

What must not live here: the removal (``composition_removal``), the
driver's Redfish reading (``drivers.redfish_composition``), HTTP shapes
(``api``).
"""

import dataclasses
import logging
import time
import uuid as uuidlib
from typing import Any

from sqlalchemy import exc as sa_exc

from mogan import crypto, exception
from mogan.db import models
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.drivers import hardware, interfaces
from mogan.engine import composition_tree
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)
WHAT = "compose nodes"
# NOTE: bounded work per periodic run: the services synced longest ago go
# first, so with more services than this every one is still reached in turn.
SERVICES_PER_RUN = 20
# NOTE: how many services a run orders before taking SERVICES_PER_RUN; a
# cloud has a handful of composition services, not thousands.
CANDIDATES = 1000
# NOTE: when this engine last failed to sync each service (monotonic s);
# kept across runs, which each build their own CompositionServices.
_FAILED_AT: dict[str, float] = {}


@dataclasses.dataclass
class SyncResult:
    """What one sync of one service did."""

    zones: int = 0
    blocks: int = 0
    removed: int = 0
    kept: int = 0
    reserved: int = 0


class CompositionServices:
    """The registered composition services, their blocks and providers."""

    def __init__(
        self,
        database: db_session.Database,
        driver: driver_base.Driver,
        placement: placement_client.PlacementClient,
        sealer: crypto.Sealer,
    ) -> None:
        """Services in ``database``, read through ``driver``, into ``placement``."""
        self._db = database
        self._driver = driver
        self._placement = placement
        self._sealer = sealer

    def _composer(self) -> interfaces.CompositionInterface:
        return driver_caps.require(self._driver, interfaces.CompositionInterface, WHAT)

    # ------------------------------------------------------------ services

    def access(self, service_uuid: str) -> tuple[str, driver_base.BmcAccess]:
        """The service's name and how to reach it (the password opened).

        Raises:
            CompositionServiceNotFound: no such service.
        """
        with self._db.transaction(readonly=True) as session:
            row = composition_db.find(session, service_uuid)
            if row is None:
                raise exception.CompositionServiceNotFound(service=service_uuid)
            name, address, user = row.name, row.address, row.username
            sealed, verify = row.password, row.verify_tls
        return name, driver_base.BmcAccess(
            address=address,
            username=user,
            password=self._sealer.open(sealed),
            verify_tls=verify,
        )

    def register(
        self, name: str, access: driver_base.BmcAccess, service_uuid: str | None = None
    ) -> str:
        """Check, store and sync a new service; its uuid.

        Raises:
            CannotCompose: the driver has no composition interface.
            BmcRefused: the service is unreachable or refuses the credentials.
            CompositionServiceExists: the name is taken.
        """
        self.check(access)
        service_uuid = service_uuid or str(uuidlib.uuid4())
        values: dict[str, Any] = {
            "uuid": service_uuid,
            "name": name,
            "address": access.address,
            "username": access.username,
            "password": self._sealer.seal(access.password),
            "verify_tls": access.verify_tls,
        }
        try:
            with self._db.transaction() as session:
                if composition_db.name_taken(session, name):
                    raise exception.CompositionServiceExists(name=name)
                composition_db.create(session, values)
        except sa_exc.IntegrityError as err:
            raise exception.CompositionServiceExists(name=name) from err
        LOG.info("composition service %s (%s) registered", name, service_uuid)
        try:
            self.sync(service_uuid)
        except (
            driver_base.DriverError,
            placement_client.PlacementError,
            sa_exc.SQLAlchemyError,
        ) as err:
            # NOTE: the service is stored (it answered the check just now):
            # the periodic sync tries again rather than the create failing
            # for a service that exists.
            LOG.warning("composition service %s: first sync failed: %s", name, err)
        return service_uuid

    def check(self, access: driver_base.BmcAccess) -> None:
        """The service answers with its zones.

        Raises:
            DriverCannot: the driver has no composition interface.
            BmcRefused, DriverError: it does not.
        """
        self._composer().list_resource_zones(access)

    def change(
        self,
        service_uuid: str,
        name: str | None,
        access: driver_base.BmcAccess | None,
    ) -> None:
        """Rename the service and/or change how it is reached.

        Raises:
            CompositionServiceNotFound: no such service.
            CompositionServiceExists: the new name is taken.
        """
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = name
        if access is not None:
            values |= {
                "address": access.address,
                "username": access.username,
                "password": self._sealer.seal(access.password),
                "verify_tls": access.verify_tls,
            }
        try:
            with self._db.transaction() as session:
                if composition_db.find(session, service_uuid) is None:
                    raise exception.CompositionServiceNotFound(service=service_uuid)
                if name is not None and composition_db.name_taken(
                    session, name, other_than=service_uuid
                ):
                    raise exception.CompositionServiceExists(name=name)
                if values:
                    composition_db.update(session, service_uuid, values)
        except sa_exc.IntegrityError as err:
            raise exception.CompositionServiceExists(name=name or "?") from err

    # ------------------------------------------------------------ sync

    def sync_all(self) -> dict[str, SyncResult]:
        """Sync the services synced longest ago (at most ``SERVICES_PER_RUN``).

        One failing service does not stop the others.
        """
        with self._db.transaction(readonly=True) as session:
            uuids = composition_db.least_recently_synced(session, CANDIDATES)
        # NOTE: services that failed lately go last, so unreachable ones
        # (never stamped as synced) cannot take every run's places.
        uuids.sort(key=lambda u: _FAILED_AT.get(u, 0.0))
        results = {}
        for service_uuid in uuids[:SERVICES_PER_RUN]:
            try:
                results[service_uuid] = self.sync(service_uuid)
            except (
                exception.MoganError,
                placement_client.PlacementError,
                sa_exc.SQLAlchemyError,
            ) as err:
                _FAILED_AT[service_uuid] = time.monotonic()
                LOG.warning(
                    "composition service %s: sync failed: %s", service_uuid, err
                )
            else:
                _FAILED_AT.pop(service_uuid, None)
        return results

    def sync(self, service_uuid: str) -> SyncResult:
        """Read the service's zones and blocks into the database and Placement.

        NOTE: a removal of the service (``remove``) may run meanwhile on
        another engine. The service is checked to be live before anything is
        written, and again, its row locked, in the transaction that writes
        the blocks: a sync that lost to a removal withdraws the providers
        it wrote and writes no rows, so none outlive the service.

        Raises:
            CompositionServiceNotFound: no such service, or it is being removed.
            BmcRefused, DriverError: the service could not be read.
        """
        composer = self._composer()
        name, access = self.access(service_uuid)
        held_before = self._held(service_uuid)
        zones = composer.list_resource_zones(access)
        blocks = composer.list_resource_blocks(access)
        # NOTE: what Mogan holds is read before and after the service: a
        # block claimed and composed while the service was read shows in
        # the second read, one decomposed and released meanwhile in the
        # first; either way its (old or new) claim covers it.
        held_after = self._held(service_uuid)
        claimed = held_before[0] | held_after[0]
        systems = held_before[1] | held_after[1]
        result = SyncResult(zones=len(zones), blocks=len(blocks))
        zone_ids = {z.id for z in zones}
        self._require_live(service_uuid)
        written: list[str] = []
        try:
            rows = self._write_providers(
                service_uuid, name, zones, blocks, (claimed, systems), written=written
            )
        except Exception:
            if not self._is_live(service_uuid):
                self._withdraw(service_uuid, written)
            raise
        for block in blocks:
            result.reserved += not composition_tree.is_ours(
                block, claimed, systems
            ) and (not block.free or block.reserved)
        with self._db.transaction(readonly=True) as session:
            known = {
                r.block_id: (r.provider_uuid, r.zone)
                for r in composition_db.blocks_of(session, service_uuid)
            }
        gone = sorted(set(known) - {b.id for b in blocks})
        forget = []
        for block_id in gone:
            provider, _zone = known[block_id]
            if self._placement.provider_allocations(provider):
                LOG.warning(
                    "composition service %s: block %s is gone but still claimed;"
                    " keeping its provider %s",
                    service_uuid,
                    block_id,
                    provider,
                )
                result.kept += 1
                continue
            self._placement.delete_provider(provider)
            forget.append(block_id)
        result.removed = len(forget)
        with self._db.transaction() as session:
            live = composition_db.live(session, service_uuid, lock=True) is not None
            if live:
                for values in rows:
                    composition_db.put_block(session, service_uuid, values)
                for block_id in forget:
                    composition_db.remove_block(session, service_uuid, block_id)
                composition_db.update(
                    session, service_uuid, {"synced_at": models.utcnow()}
                )
        if not live:
            self._withdraw(service_uuid, written)
            raise exception.CompositionServiceNotFound(service=service_uuid)
        self._drop_empty_zones(service_uuid, {z for _p, z in known.values()} - zone_ids)
        self._reconcile_claims(service_uuid)
        LOG.info("composition service %s synced: %s", service_uuid, result)
        return result

    def _held(self, service_uuid: str) -> tuple[set[str], set[str]]:
        """The service's blocks Mogan claimed, and the systems it composed."""
        with self._db.transaction(readonly=True) as session:
            return composition_db.held_by_mogan(session, service_uuid)

    def _reconcile_claims(self, service_uuid: str) -> None:
        """Correct the view's claim records of the service's blocks from Placement.

        A block the view says is held whose claim is gone (released by a
        path that did not reach the view) is free again; one held by
        another consumer records it. Each change is conditional on the
        consumer read, so a claim recorded meanwhile is kept.
        """
        with self._db.transaction(readonly=True) as session:
            recorded = composition_db.claimed_blocks(session, service_uuid)
        changes = []
        for provider, consumer in recorded:
            holders = self._placement.provider_allocations(provider)
            if consumer in holders:
                continue
            changes.append((provider, consumer, next(iter(holders), None)))
        if not changes:
            return
        with self._db.transaction() as session:
            for provider, consumer, holder in changes:
                composition_db.set_consumer(session, provider, consumer, holder)

    def _is_live(self, service_uuid: str) -> bool:
        with self._db.transaction(readonly=True) as session:
            return composition_db.live(session, service_uuid) is not None

    def _require_live(self, service_uuid: str) -> None:
        """Raises CompositionServiceNotFound: gone, or being removed."""
        if not self._is_live(service_uuid):
            raise exception.CompositionServiceNotFound(service=service_uuid)

    def _write_providers(
        self,
        service_uuid: str,
        name: str,
        zones: list[hardware.ResourceZone],
        blocks: list[hardware.ResourceBlock],
        held: tuple[set[str], set[str]],
        *,
        written: list[str],
    ) -> list[dict[str, Any]]:
        """Mirror the zones and blocks into Placement; the blocks' rows.

        ``held``: the blocks Mogan claimed and the systems it composed
        (never reserved). Each provider is appended to ``written`` before
        it is written, so a sync that loses to a removal knows what to
        withdraw.
        """
        zone_ids = {z.id for z in zones}
        for zone in zones:
            written.append(composition_tree.zone_provider(service_uuid, zone.id))
            self._ensure_provider(written[-1], f"{name}:{zone.id}", None)
        rows = []
        for block in blocks:
            zone_id = next((z for z in block.zones if z in zone_ids), None)
            provider = composition_tree.block_provider(service_uuid, block.id)
            if zone_id is not None:
                written.append(provider)
                self._mirror(
                    service_uuid,
                    name,
                    zone_id,
                    provider,
                    block,
                    ours=composition_tree.is_ours(block, *held),
                )
            rows.append(composition_tree.block_row(block, zone_id, provider))
        return rows

    def _withdraw(self, service_uuid: str, providers: list[str]) -> None:
        """Delete what a sync that lost to a removal wrote, children first.

        A provider claimed meanwhile (or whose claimed child stays) is kept
        and logged: Placement refuses it, and the claim's owner releases it.
        """
        for provider in reversed(providers):
            try:
                self._placement.delete_provider(provider)
            except placement_client.PlacementError as err:
                LOG.warning(
                    "composition service %s is being removed; provider %s stays: %s",
                    service_uuid,
                    provider,
                    err,
                )
        LOG.info(
            "composition service %s was removed during its sync;"
            " its providers were withdrawn",
            service_uuid,
        )

    def _drop_empty_zones(self, service_uuid: str, zones: set[str | None]) -> None:
        """Delete the providers of zones the service no longer has, if childless."""
        for zone in sorted(z for z in zones if z is not None):
            provider = composition_tree.zone_provider(service_uuid, zone)
            if set(self._placement.tree(provider)) - {provider}:
                continue
            self._placement.delete_provider(provider)

    def _ensure_provider(self, uuid: str, name: str, parent: str | None) -> int:
        """The provider's generation, created or renamed as needed."""
        found = self._placement.get_provider(uuid)
        if found is None:
            try:
                found = self._placement.create_provider(uuid, name, parent=parent)
            except placement_client.ClaimConflict:
                # NOTE: another engine's sync created it meanwhile.
                found = self._placement.get_provider(uuid)
                if found is None:
                    raise
        moved = parent is not None and found.get("parent_provider_uuid") != parent
        if found["name"] != name or moved:
            # NOTE: a block whose first zone changed moves under the new one.
            found = self._placement.rename_provider(
                uuid, name, parent=parent if moved else None
            )
        return int(found["generation"])

    def _mirror(
        self,
        service_uuid: str,
        name: str,
        zone_id: str,
        provider: str,
        block: hardware.ResourceBlock,
        *,
        ours: bool,
    ) -> None:
        parent = composition_tree.zone_provider(service_uuid, zone_id)
        generation = self._ensure_provider(provider, f"{name}:{block.id}", parent)
        inventory = composition_tree.block_inventory(block, ours=ours)
        for rc in inventory:
            self._placement.ensure_resource_class(rc)
        current = self._placement.get_inventory(provider)
        wanted_view = {rc: dict(v) for rc, v in inventory.items()}
        current_view = {
            rc: {
                k: int(v[k])
                for k in ("total", "max_unit", "min_unit", "step_size", "reserved")
            }
            for rc, v in current.items()
        }
        if current_view != wanted_view:
            generation = self._placement.set_inventory(provider, generation, inventory)
        traits = composition_tree.block_traits(block)
        if self._placement.get_traits(provider) != traits:
            self._placement.set_traits(provider, generation, traits)
