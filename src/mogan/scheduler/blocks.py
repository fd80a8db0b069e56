"""Composed servers: which resource blocks each server of a request is built from.

A composable request asks for amounts (``VCPU``, ``MEMORY_MB``, ``DISK_GB``,
``CUSTOM_*``). Each server gets a set of free blocks from Mogan's view
(``resource_blocks``, kept by the composition sync) within ONE zone of one
composition service: exactly one ``Compute`` block (every composed system
has one CPU-memory complex) plus other blocks until the sum of their
capacities covers every amount. Waste is kept low: for each short class
the smallest block that covers it alone is added first (else the largest
that helps), and among Compute blocks the set with the fewest blocks and
the least surplus wins. Across zones the server group's policy decides
first, then the weigher (spread or pack over how many composed servers a
zone holds), then waste. A group's domains are composition zones, or for
a group scoped to ``chassis`` the chassis of the server's Compute block
(``groups.block_domain``): a zone is then tried once per chassis of its
free Compute blocks, the other blocks coming from anywhere in the zone.
Each server's claim is every chosen block's whole inventory (a block is
never split between systems), and ``claims`` claims all servers
in one ``POST /allocations``. After the claim, each server's blocks record
it as their consumer and a ``composed_systems`` row names the service, the
zone, the blocks and the node uuid the system will be enrolled under.
What must not live here: the claiming loop (``claims``), node candidates
(``candidates``).
"""

import collections
import dataclasses
import logging
import uuid as uuid_lib
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import orm

from mogan.db.api import block_candidates as block_db
from mogan.db.api import composition as composition_db
from mogan.placement import blocks as placement_blocks
from mogan.scheduler import candidates, groups, picks

LOG = logging.getLogger(__name__)
NO_COMPUTE = "without a free Compute block"
BY_GROUP = "ruled out by the server group's policy"


@dataclasses.dataclass(frozen=True, eq=False)
class BlockPick(picks.Pick):
    """One server's blocks: all of one zone of one service."""

    service_uuid: str
    zone: str
    label: str
    blocks: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Block:
    row: block_db.BlockRow
    amounts: Mapping[str, int]

    @property
    def shape(self) -> tuple[tuple[str, int], ...]:
        """What it brings, for telling blocks of one size apart from others."""
        return tuple(sorted(self.amounts.items()))


@dataclasses.dataclass
class _Zone:
    key: str
    label: str
    service_uuid: str
    zone: str
    compute: list[_Block] = dataclasses.field(default_factory=list)
    others: list[_Block] = dataclasses.field(default_factory=list)

    def without(self, taken: Iterable[_Block]) -> "_Zone":
        """The zone with ``taken`` blocks gone."""
        gone = {b.row.provider_uuid for b in taken}
        return dataclasses.replace(
            self,
            compute=[b for b in self.compute if b.row.provider_uuid not in gone],
            others=[b for b in self.others if b.row.provider_uuid not in gone],
        )


@dataclasses.dataclass(frozen=True)
class _Fit:
    blocks: tuple[_Block, ...]
    surplus: float

    @property
    def cost(self) -> tuple[int, float]:
        """Fewer blocks first, then less surplus."""
        return (len(self.blocks), self.surplus)


@dataclasses.dataclass
class _Context:
    """What ``explain`` needs: the group and the zones its policy ruled out."""

    group: groups.Group | None
    ruled_out: set[str]


def _block(row: block_db.BlockRow) -> _Block:
    return _Block(
        row=row,
        amounts=placement_blocks.amounts(
            cores=row.cores,
            memory_mb=row.memory_mb,
            storage_gb=row.storage_gb,
            accelerators=row.accelerators,
        ),
    )


def _zones(rows: Iterable[block_db.BlockRow]) -> dict[str, _Zone]:
    zones: dict[str, _Zone] = {}
    for row in rows:
        zone = zones.setdefault(
            row.zone_key, _Zone(row.zone_key, row.label, row.service_uuid, row.zone)
        )
        (zone.compute if row.compute else zone.others).append(_block(row))
    return zones


def _short(have: Mapping[str, int], need: Mapping[str, int]) -> dict[str, int]:
    return {rc: n - have.get(rc, 0) for rc, n in need.items() if have.get(rc, 0) < n}


def _cover(
    start: _Block, others: Sequence[_Block], need: Mapping[str, int]
) -> tuple[list[_Block], dict[str, int]]:
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


def _fit(zone: _Zone, need: Mapping[str, int]) -> _Fit | None:
    """The cheapest set of the zone's free blocks for one server, if any."""
    best: _Fit | None = None
    seen: set[tuple[tuple[str, int], ...]] = set()
    for compute in sorted(zone.compute, key=lambda b: (b.shape, b.row.block_id)):
        # NOTE: Compute blocks of one size give one answer: try each size once.
        if compute.shape in seen:
            continue
        seen.add(compute.shape)
        chosen, short = _cover(compute, zone.others, need)
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
        fit = _Fit(tuple(chosen), surplus)
        if best is None or fit.cost < best.cost:
            best = fit
    return best


def _fill(zone: _Zone, need: Mapping[str, int], count: int) -> list[_Fit]:
    """Up to ``count`` servers' sets from one zone, one after another."""
    fits: list[_Fit] = []
    while len(fits) < count and (fit := _fit(zone, need)) is not None:
        fits.append(fit)
        zone = zone.without(fit.blocks)
    return fits


class Blocks:
    """Composed servers placed on resource blocks (``picks.Target``)."""

    def __init__(
        self, request: candidates.Request, *, weigher: candidates.Weigher
    ) -> None:
        """Blocks for ``request`` (its amounts), zones ordered by ``weigher``."""
        self.request = request
        self.need = {rc: n for rc, n in request.resources.items() if n > 0}
        self.weigher = weigher

    # ------------------------------------------------------------ choosing

    def choose(
        self,
        session: orm.Session,
        count: int,
        *,
        avoid: frozenset[str],
        group: groups.Group | None,
    ) -> picks.Attempt:
        """Block sets for up to ``count`` servers, none of them on ``avoid``."""
        rows = block_db.zoned_blocks(session, free_only=True)
        zones = _zones(r for r in rows if r.provider_uuid not in avoid)
        members = collections.Counter(group.used if group else {})
        crowd = block_db.servers_per_zone(session)
        context = _Context(group=group, ruled_out=set())
        scope = group.scope if group is not None else groups.COMPOSITION_SCOPE
        home = self._home(zones, members, group, count)
        chosen: list[picks.Pick] = []
        while len(chosen) < count:
            options: dict[tuple[str, str | None], _Fit] = {}
            for key, zone in zones.items():
                refused = found = False
                for domain, part in _parts(zone, scope).items():
                    if not _allowed(domain, home, members, group):
                        refused = True
                        continue
                    fit = _fit(part, self.need)
                    if fit is not None:
                        options[(key, domain)] = fit
                        found = True
                if refused and not found:
                    context.ruled_out.add(key)
            if not options:
                break
            key, domain = min(
                options,
                key=lambda o: (
                    _group_rank(o[1], home, members, group),
                    self._weigh(crowd[o[0]]),
                    options[o].cost,
                    zones[o[0]].label,
                    o[1] or "",
                ),
            )
            fit = options[(key, domain)]
            chosen.append(self._pick(zones[key], fit.blocks))
            zones[key] = zones[key].without(fit.blocks)
            crowd[key] += 1
            if domain is not None:
                members[domain] += 1
                if home is None and group is not None and group.affinity:
                    home = domain
        return picks.Attempt(picks=chosen, context=context)

    def _home(
        self,
        zones: Mapping[str, _Zone],
        members: Mapping[str, int],
        group: groups.Group | None,
        count: int,
    ) -> str | None:
        """An affinity group's domain: its members', else the one most fit in."""
        if group is None or not group.affinity:
            return None
        if any(members.values()):
            return min(members, key=lambda k: (-members[k], k))
        room: collections.Counter[str] = collections.Counter()
        labels: dict[str, str] = {}
        for zone in zones.values():
            for domain, part in _parts(zone, group.scope).items():
                if domain is not None:
                    room[domain] += len(_fill(part, self.need, count))
                    labels[domain] = _label(part, group.scope)
        if not any(room.values()):
            return None
        return min(room, key=lambda k: (-room[k], labels[k]))

    def _weigh(self, crowd: int) -> int:
        return -crowd if self.weigher.mode == "pack" else crowd

    def _pick(self, zone: _Zone, blocks: Sequence[_Block]) -> BlockPick:
        return BlockPick(
            node=str(uuid_lib.uuid4()),
            allocation={b.row.provider_uuid: dict(b.amounts) for b in blocks},
            service_uuid=zone.service_uuid,
            zone=zone.zone,
            label=zone.label,
            blocks=tuple(b.row.block_id for b in blocks),
        )

    # ------------------------------------------------------------ the view

    def record(self, session: orm.Session, claimed: Mapping[str, picks.Pick]) -> None:
        """Each server's blocks name it as consumer; its composed_systems row."""
        for server, pick in claimed.items():
            if not isinstance(pick, BlockPick):
                continue
            block_db.mark_released(session, server)
            block_db.mark_claimed(session, dict.fromkeys(pick.providers, server))
            recorded = composition_db.put_composed(
                session,
                {
                    "server_uuid": server,
                    "node_uuid": pick.node,
                    "service_uuid": pick.service_uuid,
                    "zone": pick.zone,
                    "blocks": list(pick.blocks),
                    "system": None,
                },
            )
            if not recorded:
                LOG.error(
                    "server %s: claimed blocks %s but its earlier system is not "
                    "decomposed; its composed_systems row is kept",
                    server,
                    list(pick.blocks),
                )

    def learn(self, session: orm.Session, holders: Mapping[str, str | None]) -> None:
        """Record who holds the blocks a claim lost."""
        block_db.mark_claimed(session, holders)

    def held(
        self,
        session: orm.Session,
        allocations: Mapping[str, Mapping[str, Mapping[str, int]]],
    ) -> dict[str, picks.Pick]:
        """The blocks servers already hold (an earlier call's claim)."""
        out: dict[str, picks.Pick] = {}
        for server, held in allocations.items():
            rows = block_db.by_provider(session, list(held))
            if not rows:
                continue
            ids = tuple(r.block_id for r in rows)
            row = composition_db.composed_of(session, server)
            node = (
                row.node_uuid
                if row is not None and set(row.blocks) == set(ids)
                else str(uuid_lib.uuid4())
            )
            out[server] = BlockPick(
                node=node,
                allocation={rp: dict(a) for rp, a in held.items()},
                service_uuid=rows[0].service_uuid,
                zone=rows[0].zone,
                label=rows[0].label,
                blocks=ids,
            )
        return out

    # ------------------------------------------------------------ explaining

    def explain(self, session: orm.Session, attempt: picks.Attempt, placed: int) -> str:
        """``N free block sets for M servers (...); Z zones: 2 without ...``."""
        context = attempt.context
        ruled_out = context.ruled_out if isinstance(context, _Context) else set()
        wanted = len(set(self.request.server_uuids))
        head = (
            f"{placed + len(attempt.picks)} free block sets for {wanted} servers "
            f"(at least {self.request.min_count} needed)"
        )
        rows = block_db.zoned_blocks(session, free_only=False)
        every = {r.zone_key for r in rows}
        if not every:
            return f"{head}; no composition service has resource blocks in a zone"
        zones = _zones(r for r in rows if r.free)
        counts: collections.Counter[str] = collections.Counter()
        for key in sorted(every):
            counts[self._why(zones.get(key), key in ruled_out)] += 1
        parts = ", ".join(f"{n} {why}" for why, n in sorted(counts.items(), key=_order))
        zones_word = "zone" if len(every) == 1 else "zones"
        return f"{head}; {len(every)} {zones_word}: {parts}"

    def _why(self, zone: _Zone | None, ruled_out: bool) -> str:
        if zone is None or not zone.compute:
            return NO_COMPUTE
        if _fit(zone, self.need) is None:
            return "short of " + _shortfall(zone, self.need)
        if ruled_out:
            return BY_GROUP
        room = len(_fill(zone, self.need, len(self.request.server_uuids)))
        return f"room for {room} server{'s' if room != 1 else ''}"


def _parts(zone: _Zone, scope: str) -> dict[str | None, _Zone]:
    """The zone by the domain a server built on it lands in, at ``scope``.

    At the composition-zone level the zone is one domain. At ``chassis``
    each part keeps the Compute blocks of one chassis (None: blocks that
    name none) and every other block of the zone.
    """
    if scope != groups.CHASSIS_SCOPE:
        return {zone.key: zone}
    by_chassis: dict[str | None, list[_Block]] = {}
    for block in zone.compute:
        by_chassis.setdefault(block.row.chassis_key, []).append(block)
    return {
        chassis: dataclasses.replace(zone, compute=blocks)
        for chassis, blocks in by_chassis.items()
    }


def _label(part: _Zone, scope: str) -> str:
    """A part's domain as people name it (``<service name>:<zone or chassis>``)."""
    if scope == groups.CHASSIS_SCOPE and part.compute:
        return part.compute[0].row.chassis_label or part.label
    return part.label


def _allowed(
    domain: str | None,
    home: str | None,
    members: Mapping[str, int],
    group: groups.Group | None,
) -> bool:
    """Whether the group's policy lets a server into ``domain`` (soft: always).

    A hard policy never uses blocks without a domain at its scope, as it
    never uses nodes without one.
    """
    if group is None or not group.hard:
        return True
    if domain is None:
        return False
    if group.affinity:
        return home is None or domain == home
    return members.get(domain, 0) < group.max_per_domain


def _group_rank(
    domain: str | None,
    home: str | None,
    members: Mapping[str, int],
    group: groups.Group | None,
) -> tuple[int, int, int]:
    """Domains in the group policy's order: home first, or the emptiest first.

    Blocks without a domain (soft policies only) come after every domain
    that keeps the policy: an affinity group's home and its crowded
    domains, an anti-affinity group's domains with as few members.
    """
    if group is None:
        return (0, 0, 0)
    used = members.get(domain, 0) if domain is not None else 0
    if group.affinity:
        if domain is not None and domain == home:
            return (0, 0, 0)
        return (1, int(domain is None), -used)
    return (0, used, int(domain is None))


def _shortfall(zone: _Zone, need: Mapping[str, int]) -> str:
    """The least a zone lacks for one server, as ``MEMORY_MB 65536``."""
    best: dict[str, int] | None = None
    for compute in zone.compute:
        _, short = _cover(compute, zone.others, need)
        if best is None or _lack(short, need) < _lack(best, need):
            best = short
    return ", ".join(f"{rc} {n}" for rc, n in sorted((best or {}).items()))


def _lack(short: Mapping[str, int], need: Mapping[str, int]) -> tuple[int, float]:
    return (len(short), sum(n / need[rc] for rc, n in short.items()))


def _order(item: tuple[str, int]) -> tuple[int, int, str]:
    why, count = item
    if why == NO_COMPUTE:
        return (0, -count, why)
    if why.startswith("short of"):
        return (1, -count, why)
    if why == BY_GROUP:
        return (2, -count, why)
    return (3, -count, why)
