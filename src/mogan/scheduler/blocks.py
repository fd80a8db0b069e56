"""Composed servers: which resource blocks each server of a request is built from.

A composable request asks for amounts (``VCPU``, ``MEMORY_MB``, ``DISK_GB``,
``CUSTOM_*``). Each server gets a set of free blocks from Mogan's view
(``resource_blocks``, kept by the composition sync) within ONE zone of one
composition service: exactly one ``Compute`` block (every composed system
has one CPU-memory complex) plus other blocks until the sum of their
capacities covers every amount. Waste is kept low: for each short class
the smallest block that covers it alone is added first (else the largest
that helps), and among Compute blocks the set with the fewest blocks and
the least surplus wins (``block_fit``). Across zones the server group's policy decides
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
(``candidates``), the blocks that fit one server in one zone
(``block_fit``).
"""

import collections
import dataclasses
import logging
import uuid as uuid_lib
from collections.abc import Mapping, Sequence

from sqlalchemy import orm

from mogan.db.api import block_candidates as block_db
from mogan.db.api import composition as composition_db
from mogan.scheduler import block_fit, candidates, groups, picks

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


@dataclasses.dataclass
class _Context:
    """What ``explain`` needs: the group and the zones its policy ruled out."""

    group: groups.Group | None
    ruled_out: set[str]


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
        """Block sets for up to ``count`` servers, none of them on ``avoid``.

        Nor on the blocks earlier attempts of the request failed on
        (``Request.exclude_blocks``).
        """
        rows = block_db.zoned_blocks(session, free_only=True)
        skip = avoid | self.request.exclude_blocks
        zones = block_fit.by_zone(r for r in rows if r.provider_uuid not in skip)
        members = collections.Counter(group.used if group else {})
        crowd = block_db.servers_per_zone(session)
        context = _Context(group=group, ruled_out=set())
        scope = group.scope if group is not None else groups.COMPOSITION_SCOPE
        home = self._home(zones, members, group, count)
        chosen: list[picks.Pick] = []
        while len(chosen) < count:
            options: dict[tuple[str, str | None], block_fit.Fit] = {}
            for key, zone in zones.items():
                refused = found = False
                for domain, part in _parts(zone, scope).items():
                    if not _allowed(domain, home, members, group):
                        refused = True
                        continue
                    fit = block_fit.cheapest(part, self.need)
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
        zones: Mapping[str, block_fit.Zone],
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
                    room[domain] += len(block_fit.fill(part, self.need, count))
                    labels[domain] = _label(part, group.scope)
        if not any(room.values()):
            return None
        return min(room, key=lambda k: (-room[k], labels[k]))

    def _weigh(self, crowd: int) -> int:
        return -crowd if self.weigher.mode == "pack" else crowd

    def _pick(
        self, zone: block_fit.Zone, blocks: Sequence[block_fit.Block]
    ) -> BlockPick:
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
        excluded = self.request.exclude_blocks
        zones = block_fit.by_zone(
            r for r in rows if r.free and r.provider_uuid not in excluded
        )
        counts: collections.Counter[str] = collections.Counter()
        for key in sorted(every):
            counts[self._why(zones.get(key), key in ruled_out)] += 1
        parts = ", ".join(f"{n} {why}" for why, n in sorted(counts.items(), key=_order))
        zones_word = "zone" if len(every) == 1 else "zones"
        left_out = sum(1 for r in rows if r.free and r.provider_uuid in excluded)
        tail = (
            f"; {left_out} free block{'s' if left_out != 1 else ''} left out: "
            "earlier attempts failed on them"
            if left_out
            else ""
        )
        return f"{head}; {len(every)} {zones_word}: {parts}{tail}"

    def _why(self, zone: block_fit.Zone | None, ruled_out: bool) -> str:
        if zone is None or not zone.compute:
            return NO_COMPUTE
        if block_fit.cheapest(zone, self.need) is None:
            return "short of " + block_fit.shortfall(zone, self.need)
        if ruled_out:
            return BY_GROUP
        room = len(block_fit.fill(zone, self.need, len(self.request.server_uuids)))
        return f"room for {room} server{'s' if room != 1 else ''}"


def _parts(zone: block_fit.Zone, scope: str) -> dict[str | None, block_fit.Zone]:
    """The zone by the domain a server built on it lands in, at ``scope``.

    At the composition-zone level the zone is one domain. At ``chassis``
    each part keeps the Compute blocks of one chassis (None: blocks that
    name none) and every other block of the zone.
    """
    if scope != groups.CHASSIS_SCOPE:
        return {zone.key: zone}
    by_chassis: dict[str | None, list[block_fit.Block]] = {}
    for block in zone.compute:
        by_chassis.setdefault(block.row.chassis_key, []).append(block)
    return {
        chassis: dataclasses.replace(zone, compute=blocks)
        for chassis, blocks in by_chassis.items()
    }


def _label(part: block_fit.Zone, scope: str) -> str:
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


def _order(item: tuple[str, int]) -> tuple[int, int, str]:
    why, count = item
    if why == NO_COMPUTE:
        return (0, -count, why)
    if why.startswith("short of"):
        return (1, -count, why)
    if why == BY_GROUP:
        return (2, -count, why)
    return (3, -count, why)
