"""The scheduler's queries over the resource-block view, and its claim records.

The composition sync keeps ``resource_blocks`` (``db.api.composition``);
the scheduler reads the free ones here, by zone, and records which server's
Placement claim holds a block (``consumer_uuid``, as ``nodes`` has it).
Placement stays the truth: a claim lost to someone the view did not know of
is recorded from Placement's answer, and releases clear the record. A
composition zone is ``(service uuid, zone id)``; ``zone_key`` spells it as
one string. Query functions never commit.
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


def zone_key(service_uuid: str, zone: str) -> str:
    """One string for a zone of a service (a uuid has no ``:``, so it splits back)."""
    return f"{service_uuid}:{zone}"


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

    @property
    def zone_key(self) -> str:
        """The block's composition zone as one string."""
        return zone_key(self.service_uuid, self.zone)

    @property
    def label(self) -> str:
        """The zone as people name it: ``<service name>:<zone id>``."""
        return f"{self.service_name}:{self.zone}"

    @property
    def compute(self) -> bool:
        """Whether it is a CPU-memory complex (every system needs exactly one)."""
        return COMPUTE in self.block_types


def _free() -> sa.ColumnElement[bool]:
    rb = models.ResourceBlock
    return sa.and_(
        rb.composition_state == UNUSED,
        rb.reserved.is_(False),
        rb.system.is_(None),
        rb.consumer_uuid.is_(None),
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
        )
        for s, n, b, z, p, t, c, m, d, a, f, u in session.execute(stmt)
    ]


def zoned_blocks(session: orm.Session, *, free_only: bool) -> list[BlockRow]:
    """Every block that hangs under a zone (only the free ones with ``free_only``).

    Free: ``Unused``, in no system, not ``Reserved`` by the service, and
    held by no claim the view knows of.
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
