"""Which free blocks of one zone cover one composed server's amounts, cheapest.

A server gets exactly one ``Compute`` block (every composed system has one
CPU-memory complex) plus other blocks of the same zone until the sum of
their capacities covers every amount: for the class short by the largest
share, the smallest block that covers it alone is added first (else the
largest that helps). Every Compute block size is tried; the set with the
fewest blocks and the least surplus wins. Pure functions over the view's
rows (``block_candidates.BlockRow``); ``blocks`` orders zones and domains
and claims. What must not live here: server groups, weighers, claims.
"""

import collections
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from mogan.db.api import block_candidates as block_db
from mogan.placement import blocks as placement_blocks


@dataclasses.dataclass(frozen=True)
class Block:
    """A free block and the amounts it brings (its whole inventory)."""

    row: block_db.BlockRow
    amounts: Mapping[str, int]

    @property
    def shape(self) -> tuple[tuple[str, int], ...]:
        """What it brings, for telling blocks of one size apart from others."""
        return tuple(sorted(self.amounts.items()))


@dataclasses.dataclass
class Zone:
    """The free blocks of one zone of one service: Compute blocks and the rest."""

    key: str
    label: str
    service_uuid: str
    zone: str
    compute: list[Block] = dataclasses.field(default_factory=list)
    others: list[Block] = dataclasses.field(default_factory=list)

    def without(self, taken: Iterable[Block]) -> "Zone":
        """The zone with ``taken`` blocks gone."""
        gone = {b.row.provider_uuid for b in taken}
        return dataclasses.replace(
            self,
            compute=[b for b in self.compute if b.row.provider_uuid not in gone],
            others=[b for b in self.others if b.row.provider_uuid not in gone],
        )


@dataclasses.dataclass(frozen=True)
class Fit:
    """One server's blocks, and what they bring beyond its amounts."""

    blocks: tuple[Block, ...]
    surplus: float

    @property
    def cost(self) -> tuple[int, float]:
        """Fewer blocks first, then less surplus."""
        return (len(self.blocks), self.surplus)


def of_row(row: block_db.BlockRow) -> Block:
    """The block of a view row, with its amounts."""
    return Block(
        row=row,
        amounts=placement_blocks.amounts(
            cores=row.cores,
            memory_mb=row.memory_mb,
            storage_gb=row.storage_gb,
            accelerators=row.accelerators,
        ),
    )


def by_zone(rows: Iterable[block_db.BlockRow]) -> dict[str, Zone]:
    """The rows' blocks grouped by zone (``BlockRow.zone_key``)."""
    found: dict[str, Zone] = {}
    for row in rows:
        zone = found.setdefault(
            row.zone_key, Zone(row.zone_key, row.label, row.service_uuid, row.zone)
        )
        (zone.compute if row.compute else zone.others).append(of_row(row))
    return found


def _short(have: Mapping[str, int], need: Mapping[str, int]) -> dict[str, int]:
    return {rc: n - have.get(rc, 0) for rc, n in need.items() if have.get(rc, 0) < n}


def cover(
    start: Block, others: Sequence[Block], need: Mapping[str, int]
) -> tuple[list[Block], dict[str, int]]:
    """``start`` plus others until ``need`` is covered; the blocks and what is short."""
    have = collections.Counter(start.amounts)
    chosen = [start]
    pool = list(others)
    stuck: set[str] = set()
    while True:
        short = _short(have, need)
        open_ = {rc: n for rc, n in short.items() if rc not in stuck}
        if not open_:
            return chosen, short
        # NOTE: the class short by the largest share of its amount first.
        rc = max(sorted(open_), key=lambda c: open_[c] / need[c])
        helpers = [b for b in pool if b.amounts.get(rc, 0) > 0]
        if not helpers:
            stuck.add(rc)
            continue
        enough = [b for b in helpers if b.amounts[rc] >= open_[rc]]
        if enough:
            pick = min(
                enough,
                key=lambda b: (b.amounts[rc], sum(b.amounts.values()), b.row.block_id),
            )
        else:
            pick = max(helpers, key=lambda b: (b.amounts[rc], b.row.block_id))
        pool.remove(pick)
        chosen.append(pick)
        have.update(pick.amounts)


def cheapest(zone: Zone, need: Mapping[str, int]) -> Fit | None:
    """The cheapest set of the zone's free blocks for one server, if any."""
    best: Fit | None = None
    seen: set[tuple[tuple[str, int], ...]] = set()
    for compute in sorted(zone.compute, key=lambda b: (b.shape, b.row.block_id)):
        # NOTE: Compute blocks of one size give one answer: try each size once.
        if compute.shape in seen:
            continue
        seen.add(compute.shape)
        chosen, short = cover(compute, zone.others, need)
        if short:
            continue
        have = collections.Counter[str]()
        for b in chosen:
            have.update(b.amounts)
        # NOTE: what it brings beyond the amounts, and classes not asked for
        # (a GPU nobody asked for is waste too).
        surplus = sum((have[rc] - n) / n for rc, n in need.items()) + sum(
            1 for rc in have if rc not in need
        )
        found = Fit(tuple(chosen), surplus)
        if best is None or found.cost < best.cost:
            best = found
    return best


def fill(zone: Zone, need: Mapping[str, int], count: int) -> list[Fit]:
    """Up to ``count`` servers' sets from one zone, one after another."""
    fits: list[Fit] = []
    while len(fits) < count and (found := cheapest(zone, need)) is not None:
        fits.append(found)
        zone = zone.without(found.blocks)
    return fits


def shortfall(zone: Zone, need: Mapping[str, int]) -> str:
    """The least a zone lacks for one server, as ``MEMORY_MB 65536``."""
    best: dict[str, int] | None = None
    for compute in zone.compute:
        _, short = cover(compute, zone.others, need)
        if best is None or _lack(short, need) < _lack(best, need):
            best = short
    return ", ".join(f"{rc} {n}" for rc, n in sorted((best or {}).items()))


def _lack(short: Mapping[str, int], need: Mapping[str, int]) -> tuple[int, float]:
    return (len(short), sum(n / need[rc] for rc, n in short.items()))
