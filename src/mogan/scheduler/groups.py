"""Server groups in scheduling: policies over failure domains, and the group token.

A group places its members by ``policy`` over the failure domains at its
``scope`` level (``affinity_zone`` unless the group says otherwise):

- ``affinity``: every member in one domain (the members' domain if any).
- ``anti-affinity``: at most ``max_per_domain`` members per domain.
- ``soft-affinity`` / ``soft-anti-affinity``: the same as a preference;
  when it cannot hold, members go where they fit, least-crowded first.

Hard policies only use nodes that have a domain at the scope. Composed
servers have two levels of domains: their composition zone
(``COMPOSITION_SCOPE``, whatever else the group's scope is) and, for a
group scoped to ``chassis`` (``CHASSIS_SCOPE``), the chassis of their
Compute block; ``blocks`` applies the policies to them.

Two requests adding members to the same group at once must not both take
the last free slot of a domain. Each claim for a group therefore also
writes the group's *token*, an allocation of the group's own consumer on a
ledger provider Mogan owns, with the consumer generation read before the
members were. Placement applies node claims and token together or not at
all, so of two racing requests one fails on the generation and re-reads
the members. No lock is taken.
"""

import collections
import dataclasses
import threading
import uuid as uuid_lib
import weakref
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception, states
from mogan.db import models
from mogan.db.api import block_candidates as block_view
from mogan.db.api import node_candidates as view
from mogan.placement import client as placement_client

LEDGER_UUID = str(uuid_lib.uuid5(uuid_lib.NAMESPACE_URL, "mogan:server-group-ledger"))
LEDGER_NAME = "mogan-server-group-ledger"
GROUP_RC = "CUSTOM_MOGAN_SERVER_GROUP"
# NOTE: one unit per group holding a token; far more groups than any cloud has.
LEDGER_TOTAL = 10_000_000

AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"
POLICIES = (AFFINITY, ANTI_AFFINITY, SOFT_AFFINITY, SOFT_ANTI_AFFINITY)
DEFAULT_SCOPE = "affinity_zone"
# NOTE: composed servers' failure domains: the composition zone of their
# blocks, and the chassis of their Compute block.
COMPOSITION_SCOPE = block_view.COMPOSITION_ZONE
CHASSIS_SCOPE = block_view.CHASSIS

_ledger_ready: weakref.WeakSet[placement_client.PlacementClient] = weakref.WeakSet()
_ledger_mutex = threading.Lock()


@dataclasses.dataclass(frozen=True)
class Group:
    """A group as the scheduler sees it for one attempt."""

    uuid: str
    policy: str
    scope: str
    max_per_domain: int
    used: dict[str, int]
    generation: int | None

    @property
    def hard(self) -> bool:
        """Whether the policy must hold (else it is a preference)."""
        return self.policy in {AFFINITY, ANTI_AFFINITY}

    @property
    def affinity(self) -> bool:
        """Whether members go together (else apart)."""
        return self.policy in {AFFINITY, SOFT_AFFINITY}


def load(
    session: orm.Session,
    placement: placement_client.PlacementClient,
    group_uuid: str,
    placing: Sequence[str],
    *,
    composed: bool = False,
) -> Group:
    """The group with how many members each domain at its scope holds.

    The token's generation is read before the members, so a member placed
    after this read makes the claim fail instead of being missed.

    Args:
        session: a session on Mogan's database.
        placement: the Placement client.
        group_uuid: the group.
        placing: servers of this request (not counted as placed members).
        composed: the request places composed servers: the domains are
            chassis for a group scoped to ``chassis``, else composition
            zones (``COMPOSITION_SCOPE``), the domains resource blocks have.

    Raises:
        NoValidNode: the group no longer exists.
    """
    generation = placement.consumer_generation(group_uuid)
    row = session.scalars(
        sa.select(models.ServerGroup).where(models.ServerGroup.uuid == group_uuid)
    ).first()
    if row is None:
        raise exception.NoValidNode(reason=f"server group {group_uuid} is gone")
    rules = dict(row.rules or {})
    scope = str(rules.get("scope") or DEFAULT_SCOPE)
    members = [m.server_uuid for m in row.members if m.server_uuid not in placing]
    if composed:
        scope = CHASSIS_SCOPE if scope == CHASSIS_SCOPE else COMPOSITION_SCOPE
        used = collections.Counter(
            _member_domains(session, placement, members, scope).values()
        )
    else:
        nodes = _member_nodes(session, placement, members)
        domains = view.domains_of(session, scope, set(nodes.values()))
        used = collections.Counter(
            domains[node] for node in nodes.values() if node in domains
        )
    return Group(
        uuid=group_uuid,
        policy=row.policy,
        scope=scope,
        max_per_domain=max(1, int(rules.get("max_per_domain") or 1)),
        used=dict(used),
        generation=generation,
    )


def _member_nodes(
    session: orm.Session,
    placement: placement_client.PlacementClient,
    members: list[str],
) -> dict[str, str]:
    """``{member: node}`` for every member that holds a node (or a claim)."""
    nodes = view.nodes_of_consumers(session, members)
    rest = [m for m in members if m not in nodes]
    if not rest:
        return nodes
    servers = session.execute(
        sa.select(
            models.Server.uuid, models.Server.node_uuid, models.Server.status
        ).where(models.Server.uuid.in_(rest))
    )
    for server_uuid, node_uuid, status in servers:
        if node_uuid is not None:
            nodes[str(server_uuid)] = str(node_uuid)
        elif status == states.BUILDING:
            # NOTE: being placed by another request right now: its claim may
            # be in Placement before the view or the server row shows it.
            held = placement.allocations_of(str(server_uuid))
            node = next((rp for rp in held if rp != LEDGER_UUID), None)
            if node is not None:
                nodes[str(server_uuid)] = node
    return nodes


def _member_domains(
    session: orm.Session,
    placement: placement_client.PlacementClient,
    members: list[str],
    scope: str,
) -> dict[str, str]:
    """``{member: domain key}`` for every member composed (or claimed).

    The domain is the composition zone, or at ``CHASSIS_SCOPE`` the chassis
    of the member's Compute block; a member whose Compute block names no
    chassis has no domain there (as a node without one).
    """
    known: dict[str, str | None]
    if scope == CHASSIS_SCOPE:
        known = {
            server: row.chassis_key if row is not None else None
            for server, row in block_view.compute_blocks_of_servers(
                session, members
            ).items()
        }
    else:
        known = {
            server: block_view.zone_key(service, zone)
            for server, (service, zone) in block_view.zones_of_servers(
                session, members
            ).items()
        }
    rest = [m for m in members if m not in known]
    if rest:
        building = session.scalars(
            sa.select(models.Server.uuid).where(
                models.Server.uuid.in_(rest), models.Server.status == states.BUILDING
            )
        )
        for server in building:
            # NOTE: being placed by another request right now: its claim may
            # be in Placement before its composed_systems row is written.
            held = [
                rp for rp in placement.allocations_of(str(server)) if rp != LEDGER_UUID
            ]
            blocks = block_view.by_provider(session, held)
            if blocks:
                known[str(server)] = block_domain(blocks, scope)
    return {server: domain for server, domain in known.items() if domain is not None}


def block_domain(blocks: Sequence[block_view.BlockRow], scope: str) -> str | None:
    """The domain a composed server on ``blocks`` is in at ``scope`` (if any).

    NOTE: at ``CHASSIS_SCOPE`` it is the chassis of the Compute block: that
    block is the system's processors and memory, so the system goes down
    with its chassis. Other blocks (drives, GPUs, memory behind a fabric)
    often sit in chassis shared by many systems (a JBOF, a GPU drawer);
    counting them would put every server in those chassis and make
    anti-affinity impossible, and a server must have one domain per level.
    """
    if scope != CHASSIS_SCOPE:
        return blocks[0].zone_key if blocks else None
    compute = next((b for b in blocks if b.compute), None)
    return compute.chassis_key if compute is not None else None


def choose(
    session: orm.Session, flt: view.Filter, group: Group, count: int, minimum: int
) -> tuple[list[str], int]:
    """Nodes for up to ``count`` new members under the group's policy.

    Returns:
        The chosen nodes (at least ``minimum`` unless impossible) and how many
        nodes were turned away because their failure domain was full.
    """
    scoped = dataclasses.replace(flt, level=group.scope)
    if group.affinity:
        chosen, rejected = _together(session, scoped, group, count)
    else:
        chosen, rejected = _apart(session, scoped, group, count)
    if len(chosen) >= minimum or group.hard:
        return chosen, rejected
    # NOTE: a soft policy that cannot hold: fill up with any free nodes,
    # the least crowded domains first.
    more = _fill(session, flt, group, count - len(chosen), set(chosen))
    return chosen + more, rejected


def _together(
    session: orm.Session, flt: view.Filter, group: Group, count: int
) -> tuple[list[str], int]:
    if group.used:
        # NOTE: members already landed: the new ones join the first domain.
        home = min(group.used, key=lambda d: (-group.used[d], d))
        picks = view.per_domain(
            session,
            dataclasses.replace(flt, domains_in=frozenset({home})),
            per_domain=count,
        )
        return picks.get(home, [])[:count], 0
    picks = view.per_domain(session, flt, per_domain=count)
    fitting = [d for d, nodes in picks.items() if len(nodes) >= count]
    if not fitting:
        best = max(picks.values(), key=len, default=[])
        return best, 0
    # NOTE: deterministic: the first domain (by name) that holds them all.
    return picks[min(fitting)][:count], 0


def _apart(
    session: orm.Session, flt: view.Filter, group: Group, count: int
) -> tuple[list[str], int]:
    full = frozenset(d for d, n in group.used.items() if n >= group.max_per_domain)
    rejected = 0
    if full:
        rejected = sum(
            len(v)
            for v in view.per_domain(
                session,
                dataclasses.replace(flt, domains_in=full),
                per_domain=count,
            ).values()
        )
    picks = view.per_domain(
        session,
        dataclasses.replace(flt, domains_out=full),
        per_domain=group.max_per_domain,
    )
    room = {d: group.max_per_domain - group.used.get(d, 0) for d in picks}
    chosen: list[str] = []
    # NOTE: round-robin over domains, emptiest first, names breaking ties, so
    # members spread as widely as the fleet allows.
    order = sorted(picks, key=lambda d: (group.used.get(d, 0), d))
    taken = dict.fromkeys(order, 0)
    while len(chosen) < count:
        progressed = False
        for domain in order:
            if len(chosen) >= count:
                break
            if taken[domain] < min(room[domain], len(picks[domain])):
                chosen.append(picks[domain][taken[domain]])
                taken[domain] += 1
                progressed = True
        if not progressed:
            break
    return chosen, rejected


def _fill(
    session: orm.Session,
    flt: view.Filter,
    group: Group,
    count: int,
    taken: set[str],
) -> list[str]:
    if count <= 0:
        return []
    sample = view.sample(
        session,
        dataclasses.replace(flt, exclude=flt.exclude | taken),
        start="",
        limit=count * 4 + 16,
    )
    domains = view.domains_of(session, group.scope, [u for u, _ in sample])
    used = collections.Counter(group.used)
    out: list[str] = []
    pool = [u for u, _ in sample]
    while pool and len(out) < count:
        if group.affinity:
            best = min(pool, key=lambda u: (-used.get(domains.get(u, ""), 0), u))
        else:
            best = min(pool, key=lambda u: (used.get(domains.get(u, ""), 0), u))
        pool.remove(best)
        out.append(best)
        if best in domains:
            used[domains[best]] += 1
    return out


def token(group: Group) -> tuple[dict[str, dict[str, int]], int | None]:
    """The group token's allocation and expected generation for a claim."""
    return {LEDGER_UUID: {GROUP_RC: 1}}, group.generation


def ensure_ledger(placement: placement_client.PlacementClient) -> None:
    """Create the ledger provider and its inventory once per client."""
    with _ledger_mutex:
        if placement in _ledger_ready:
            return
        placement.ensure_resource_class(GROUP_RC)
        provider = placement.get_provider(LEDGER_UUID)
        if provider is None:
            try:
                provider = placement.create_provider(LEDGER_UUID, LEDGER_NAME)
            except placement_client.ClaimConflict:
                provider = placement.get_provider(LEDGER_UUID)
                if provider is None:
                    raise
        if GROUP_RC not in placement.get_inventory(LEDGER_UUID):
            try:
                placement.set_inventory(
                    LEDGER_UUID,
                    int(provider["generation"]),
                    {
                        GROUP_RC: {
                            "total": LEDGER_TOTAL,
                            "max_unit": 1,
                            "reserved": 0,
                            "min_unit": 1,
                            "step_size": 1,
                        }
                    },
                )
            except placement_client.ClaimConflict:
                # NOTE: another scheduler wrote it meanwhile.
                if GROUP_RC not in placement.get_inventory(LEDGER_UUID):
                    raise
        _ledger_ready.add(placement)
