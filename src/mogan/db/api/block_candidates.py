"""The scheduler's queries over the resource-block view, and its claim records.

The composition sync keeps ``resource_blocks`` (``db.api.composition``);
the scheduler reads the free ones here, by zone, and records which server's
Placement claim holds a block (``consumer_uuid``, as ``nodes`` has it).
Placement stays the truth: a claim lost to someone the view did not know of
is recorded from Placement's answer, and releases clear the record. A
composition zone is ``(service uuid, zone id)``; ``zone_key`` spells it as
one string. A chassis is ``(service uuid, chassis id)`` (``chassis_key``):
chassis ids are the service's own, so two services' chassis never mix. A
composed server's chassis is the first chassis of its Compute block
(``BlockRow.chassis_key``). Query functions never commit.
"""

import collections
import dataclasses
from collections.abc import Collection, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models

UNUSED = "Unused"
COMPUTE = "Compute"
# NOTE: the failure-domain levels composed servers have (server group
# scopes and keys of ``servers.failure_domains``).
COMPOSITION_ZONE = "composition_zone"
CHASSIS = "chassis"


def zone_key(service_uuid: str, zone: str) -> str:
    """One string for a zone of a service (a uuid has no ``:``, so it splits back)."""
    return f"{service_uuid}:{zone}"


def chassis_key(service_uuid: str, chassis: str) -> str:
    """One string for a chassis of a service."""
    return f"{service_uuid}:{chassis}"


@dataclasses.dataclass(frozen=True)
class BlockRow:
    """A block as the scheduler sees it: where it is, what it brings, if free."""

    service_uuid: str
    service_name: str
    block_id: str
    zone: str
    provider_uuid: str
    block_types: tuple[str, ...]
    cores: int
    memory_mb: int
    storage_gb: int
    accelerators: Mapping[str, int]
    free: bool
    consumer_uuid: str | None
    chassis: tuple[str, ...] = ()

    @property
    def zone_key(self) -> str:
        """The block's composition zone as one string."""
        return zone_key(self.service_uuid, self.zone)

    @property
    def label(self) -> str:
        """The zone as people name it: ``<service name>:<zone id>``."""
        return f"{self.service_name}:{self.zone}"

    @property
    def chassis_key(self) -> str | None:
        """The block's chassis (the first the service links) as one string, if any."""
        return chassis_key(self.service_uuid, self.chassis[0]) if self.chassis else None

    @property
    def chassis_label(self) -> str | None:
        """That chassis as people name it: ``<service name>:<chassis id>``."""
        return f"{self.service_name}:{self.chassis[0]}" if self.chassis else None

    @property
    def compute(self) -> bool:
        """Whether it is a CPU-memory complex (every system needs exactly one)."""
        return COMPUTE in self.block_types


def _free() -> sa.ColumnElement[bool]:
    # NOTE: used with ``_select``'s join of the block's service: a service
    # being removed (its tombstone set) offers nothing, so no claim races
    # its DELETE into a 409.
    rb, svc = models.ResourceBlock, models.CompositionService
    return sa.and_(
        rb.composition_state == UNUSED,
        rb.reserved.is_(False),
        rb.system.is_(None),
        rb.consumer_uuid.is_(None),
        svc.removing_at.is_(None),
    )


def _select() -> sa.Select[Any]:
    rb, svc = models.ResourceBlock, models.CompositionService
    return (
        sa.select(
            rb.service_uuid,
            svc.name,
            rb.block_id,
            rb.zone,
            rb.provider_uuid,
            rb.block_types,
            rb.cores,
            rb.memory_mb,
            rb.storage_gb,
            rb.accelerators,
            _free(),
            rb.consumer_uuid,
            rb.chassis,
        )
        .join(svc, svc.uuid == rb.service_uuid)
        .where(rb.zone.is_not(None))
        .order_by(rb.service_uuid, rb.zone, rb.block_id)
    )


def _rows(session: orm.Session, stmt: sa.Select[Any]) -> list[BlockRow]:
    return [
        BlockRow(
            service_uuid=str(s),
            service_name=str(n),
            block_id=str(b),
            zone=str(z),
            provider_uuid=str(p),
            block_types=tuple(t or ()),
            cores=int(c or 0),
            memory_mb=int(m or 0),
            storage_gb=int(d or 0),
            accelerators=dict(a or {}),
            free=bool(f),
            consumer_uuid=None if u is None else str(u),
            chassis=tuple(str(x) for x in h or ()),
        )
        for s, n, b, z, p, t, c, m, d, a, f, u, h in session.execute(stmt)
    ]


def zoned_blocks(session: orm.Session, *, free_only: bool) -> list[BlockRow]:
    """Every block that hangs under a zone (only the free ones with ``free_only``).

    Free: ``Unused``, in no system, not ``Reserved`` by the service, held
    by no claim the view knows of, and of a service not being removed.
    """
    stmt = _select()
    if free_only:
        stmt = stmt.where(_free())
    return _rows(session, stmt)


def by_provider(session: orm.Session, providers: Collection[str]) -> list[BlockRow]:
    """The blocks mirrored to ``providers`` (unknown providers are left out)."""
    if not providers:
        return []
    rb = models.ResourceBlock
    return _rows(session, _select().where(rb.provider_uuid.in_(list(providers))))


def servers_per_zone(session: orm.Session) -> collections.Counter[str]:
    """How many composed servers each zone (``zone_key``) holds now."""
    cs = models.ComposedSystem
    stmt = sa.select(cs.service_uuid, cs.zone, sa.func.count()).group_by(
        cs.service_uuid, cs.zone
    )
    return collections.Counter(
        {zone_key(str(s), str(z)): int(n) for s, z, n in session.execute(stmt)}
    )


def zones_of_servers(
    session: orm.Session, servers: Collection[str]
) -> dict[str, tuple[str, str]]:
    """``{server: (service uuid, zone)}`` for servers with a composed system row."""
    if not servers:
        return {}
    cs = models.ComposedSystem
    stmt = sa.select(cs.server_uuid, cs.service_uuid, cs.zone).where(
        cs.server_uuid.in_(list(servers))
    )
    return {str(u): (str(s), str(z)) for u, s, z in session.execute(stmt)}


def compute_blocks_of_servers(
    session: orm.Session, servers: Collection[str]
) -> dict[str, BlockRow | None]:
    """The Compute block of each server with a composed system row.

    None for a server whose row names no Compute block the view still has.
    """
    if not servers:
        return {}
    cs, rb = models.ComposedSystem, models.ResourceBlock
    composed = [
        (str(u), str(s), [str(b) for b in blocks or ()])
        for u, s, blocks in session.execute(
            sa.select(cs.server_uuid, cs.service_uuid, cs.blocks).where(
                cs.server_uuid.in_(list(servers))
            )
        )
    ]
    services = {service for _, service, _ in composed}
    ids = {block for _, _, blocks in composed for block in blocks}
    found = {
        (row.service_uuid, row.block_id): row
        for row in _rows(
            session,
            _select().where(
                rb.service_uuid.in_(sorted(services)), rb.block_id.in_(sorted(ids))
            ),
        )
        if row.compute
    }
    return {
        server: next(
            (found[(service, b)] for b in blocks if (service, b) in found), None
        )
        for server, service, blocks in composed
    }


def mark_claimed(session: orm.Session, holders: Mapping[str, str | None]) -> None:
    """Record that Placement holds ``{block provider: consumer}`` (None: unknown).

    NOTE: an unknown holder is recorded as the consumer ``None`` would
    make the block look free, so it is left as the view had it.
    """
    rb = models.ResourceBlock
    for provider, consumer in holders.items():
        if consumer is None:
            continue
        session.execute(
            sa.update(rb)
            .where(rb.provider_uuid == provider)
            .values(consumer_uuid=consumer, updated_at=models.utcnow())
        )


def mark_released(session: orm.Session, consumer: str) -> list[str]:
    """Record that ``consumer`` holds no block any more; its blocks' providers."""
    rb = models.ResourceBlock
    providers = list(
        session.scalars(sa.select(rb.provider_uuid).where(rb.consumer_uuid == consumer))
    )
    if providers:
        session.execute(
            sa.update(rb)
            .where(rb.consumer_uuid == consumer)
            .values(consumer_uuid=None, updated_at=models.utcnow())
        )
    return [str(p) for p in providers]
