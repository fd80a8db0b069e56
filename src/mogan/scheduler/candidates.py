"""Candidate nodes for a request, and why nodes were not candidates.

Candidates come from Mogan's own indexed view of nodes (``nodes`` and its
trait, aggregate and failure-domain indexes; see
``mogan.db.api.node_candidates``), never from a fleet-wide query:
Placement's ``allocation_candidates`` grows with the fleet even with a
``limit``, a claim does not. Placement stays the ledger: ``claims`` claims
there and a lost race corrects the view. Among candidates a weigher packs
or spreads over failure domains or aggregates, with ties broken by node
uuid. A hardware request keeps only nodes whose hardware class can take it
(``hardware``: judged once per class, then one column in the query).
``explain`` counts, per constraint, why nodes were not usable; those
counts are for people, never for decisions. What must not live here:
claiming (see ``claims``) and group policies (see ``groups``).
"""

import collections
import dataclasses
import random
import typing
import uuid as uuid_lib
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import node as node_db
from mogan.db.api import node_candidates as view
from mogan.drivers import hardware as hw
from mogan.placement import client as placement_client
from mogan.scheduler import groups, picks
from mogan.scheduler import hardware as hardware_fit
from mogan.scheduler import request as select_request

# NOTE: where hardware reasons (many, worded per node) go among the others.
_HARDWARE = "hardware"
# NOTE: the order in which explain() tests them, and lists them.
_REASONS = (
    "wrong resource class",
    "in maintenance",
    "missing required traits",
    "with forbidden traits",
    "outside the requested aggregates",
    "outside the requested availability zone",
    _HARDWARE,
    "excluded",
    "free",
    "failure domain exhausted",
    "already allocated",
    "not available",
)


@dataclasses.dataclass(frozen=True)
class Request:
    """What a request asks of nodes (the RPC payload, typed)."""

    server_uuids: tuple[str, ...]
    min_count: int
    resources: dict[str, int]
    required_traits: tuple[str, ...] = ()
    forbidden_traits: tuple[str, ...] = ()
    resource_aggregates: tuple[tuple[str, str], ...] = ()
    availability_zone: str | None = None
    group_uuid: str | None = None
    exclude_nodes: frozenset[str] = frozenset()
    exclude_blocks: frozenset[str] = frozenset()
    project_id: str = ""
    user_id: str = ""
    hardware: hw.HardwareRequest | None = None
    composable: bool = False

    @classmethod
    def from_request(cls, request: select_request.SelectRequest) -> "Request":
        """Build from the ``select_and_claim`` payload."""
        servers = request.server_uuids
        hardware = hardware_fit.parse_request(request.hardware)
        # NOTE: a hardware profile's traits are required like the flavor's.
        traits = tuple((request.hardware or {}).get("traits") or ())
        return cls(
            server_uuids=servers,
            min_count=request.min_count or len(servers),
            # NOTE: flavors stored before classes were normalised may name
            # a class as nodes spell it.
            resources={
                placement_client.placement_class(k): v
                for k, v in request.resources.items()
            },
            required_traits=tuple(dict.fromkeys(request.required_traits + traits)),
            forbidden_traits=request.forbidden_traits,
            resource_aggregates=tuple(sorted(request.resource_aggregates.items())),
            availability_zone=request.availability_zone or None,
            group_uuid=request.group_uuid or None,
            exclude_nodes=frozenset(request.exclude_nodes),
            exclude_blocks=frozenset(request.exclude_blocks),
            project_id=request.project_id,
            user_id=request.user_id,
            hardware=hardware,
            composable=request.composable,
        )

    @classmethod
    def from_dict(cls, request: dict[str, Any]) -> "Request":
        """Build from the payload as it crossed the bus (unknown keys ignored)."""
        return cls.from_request(select_request.SelectRequest.model_validate(request))

    @property
    def placement_rc(self) -> str:
        """The one resource class a node must have (a node has exactly one).

        Raises:
            NoValidNode: the request names none, or several.
        """
        classes = [rc for rc, amount in self.resources.items() if amount > 0]
        if len(classes) != 1:
            raise exception.NoValidNode(
                reason=(
                    "a node has exactly one resource class; the flavor asks "
                    f"for {len(classes)}: {sorted(classes)}"
                )
            )
        return classes[0]


@dataclasses.dataclass(frozen=True)
class Weigher:
    """How candidates are ordered: ``spread`` or ``pack`` over ``level``."""

    mode: str = "spread"
    level: str = groups.DEFAULT_SCOPE


@dataclasses.dataclass
class Choice:
    """The nodes picked for one attempt, and what the group rules turned away."""

    nodes: list[str]
    domain_rejected: int = 0
    group: groups.Group | None = None


class Nodes:
    """Servers placed on nodes: one node each, claimed whole (``picks.Target``)."""

    def __init__(self, request: Request, *, extra: int, weigher: Weigher) -> None:
        """Nodes for ``request``, ``extra`` candidates beyond one per server."""
        self.request = request
        self.extra = extra
        self.weigher = weigher

    def _pick(self, node: str) -> picks.Pick:
        return picks.Pick(node=node, allocation={node: self.request.resources})

    def choose(
        self,
        session: orm.Session,
        count: int,
        *,
        avoid: frozenset[str],
        group: groups.Group | None,
    ) -> picks.Attempt:
        """Up to ``count`` free nodes (see ``choose``)."""
        choice = choose(
            session,
            self.request,
            count,
            extra=self.extra,
            weigher=self.weigher,
            avoid=avoid,
            group=group,
        )
        return picks.Attempt(
            picks=[self._pick(node) for node in choice.nodes], context=choice
        )

    def record(self, session: orm.Session, claimed: Mapping[str, picks.Pick]) -> None:
        """Mark the claimed nodes allocated to their servers."""
        node_db.mark_allocated(
            session, {pick.node: server for server, pick in claimed.items()}
        )

    def learn(self, session: orm.Session, holders: Mapping[str, str | None]) -> None:
        """Mark nodes another consumer holds allocated to it."""
        node_db.mark_allocated(session, dict(holders))

    def held(
        self,
        session: orm.Session,
        allocations: Mapping[str, Mapping[str, Mapping[str, int]]],
    ) -> dict[str, picks.Pick]:
        """The node each server holds (its first provider)."""
        del session
        return {
            server: self._pick(next(iter(held))) for server, held in allocations.items()
        }

    def explain(self, session: orm.Session, attempt: picks.Attempt, placed: int) -> str:
        """``N free nodes for M servers (at least K needed); <counts>``."""
        choice = typing.cast("Choice", attempt.context)
        wanted = len(set(self.request.server_uuids))
        why = explain(session, self.request, set(choice.nodes), choice)
        return (
            f"{placed + len(choice.nodes)} free nodes for {wanted} servers "
            f"(at least {self.request.min_count} needed); {why}"
        )


def base_filter(session: orm.Session, request: Request) -> view.Filter:
    """The view filter for ``request`` (aggregate metadata resolved to ids)."""
    return view.Filter(
        placement_rc=request.placement_rc,
        required=tuple(sorted(request.required_traits)),
        forbidden=tuple(sorted(request.forbidden_traits)),
        aggregates=tuple(
            view.aggregates_matching(session, request.resource_aggregates)
        ),
        availability_zone=request.availability_zone,
        exclude=request.exclude_nodes,
        hardware_classes=(
            hardware_fit.fitting(session, request.hardware)
            if request.hardware
            else None
        ),
    )


def choose(
    session: orm.Session,
    request: Request,
    count: int,
    *,
    extra: int,
    weigher: Weigher,
    avoid: frozenset[str] = frozenset(),
    group: groups.Group | None = None,
) -> Choice:
    """Up to ``count`` free nodes for the request's pending servers.

    Args:
        session: a session on Mogan's database.
        request: the request.
        count: servers still to place.
        extra: candidates looked at beyond one per server (the weigher's
            choice among them).
        weigher: how to order candidates.
        avoid: nodes other requests are claiming right now; left out.
        group: the request's server group, loaded for this attempt.

    Raises:
        NoValidNode: the request cannot be expressed (no or several classes).
    """
    flt = base_filter(session, request)
    flt = dataclasses.replace(flt, exclude=flt.exclude | avoid)
    if group is not None:
        minimum = max(0, request.min_count - (len(request.server_uuids) - count))
        nodes, rejected = groups.choose(session, flt, group, count, minimum)
        return Choice(nodes=nodes, domain_rejected=rejected, group=group)
    start = str(uuid_lib.UUID(int=random.getrandbits(128)))
    sample = [u for u, _ in view.sample(session, flt, start=start, limit=count + extra)]
    return Choice(nodes=weigh(session, sample, count, weigher))


def weigh(
    session: orm.Session, sample: list[str], count: int, weigher: Weigher
) -> list[str]:
    """``count`` of ``sample``, packed or spread over the weigher's level.

    Greedy: each pick counts towards its domain, so one request's servers
    spread too. Ties go to the lower node uuid.
    """
    if len(sample) <= 1 or not weigher.level:
        return sample[:count]
    if weigher.level == "aggregate":
        memberships, used_by_agg = view.used_per_aggregate(session, sample)
        keys = {u: tuple(str(a) for a in memberships.get(u, ())) for u in sample}
        used = collections.Counter({str(a): n for a, n in used_by_agg.items()})
    else:
        domains = view.domains_of(session, weigher.level, sample)
        keys = {u: (domains[u],) if u in domains else () for u in sample}
        used = collections.Counter(
            view.used_per_domain(session, weigher.level, set(domains.values()))
        )
    sign = -1 if weigher.mode == "pack" else 1
    pool = sorted(sample)
    chosen: list[str] = []
    while pool and len(chosen) < count:
        best = min(pool, key=lambda u: (sign * sum(used[k] for k in keys[u]), u))
        pool.remove(best)
        chosen.append(best)
        for key in keys[best]:
            used[key] += 1
    return chosen


def explain(
    session: orm.Session,
    request: Request,
    offered: set[str],
    choice: Choice | None = None,
) -> str:
    """Why nodes were not usable, as counts: ``8 nodes: 4 wrong resource class, ...``.

    Each node is counted once, under the first reason that applies, in the
    order of ``_REASONS``. ``offered`` are the nodes that were still
    candidates (free, but too few of them).
    """
    node = models.Node
    rows = session.execute(
        sa.select(
            node.uuid,
            node.placement_rc,
            node.maintenance,
            node.consumable,
            node.allocated,
            node.server_uuid,
            node.traits,
            node.availability_zone,
            node.hardware_class,
        )
    ).all()
    required = set(request.required_traits)
    members = _aggregate_members(session, request)
    rejected = bool(
        choice and (choice.domain_rejected or (choice.group and choice.group.hard))
    )
    verdicts = (
        hardware_fit.reasons(session, request.hardware) if request.hardware else {}
    )
    counts: collections.Counter[str] = collections.Counter()
    for row in rows:
        counts[
            _reason(
                request,
                tuple(row),
                members,
                offered,
                rejected=bool(rejected),
                hardware=verdicts,
            )
        ] += 1
    parts = ", ".join(f"{n} {r}" for r, n in sorted(counts.items(), key=_order) if n)
    missing = sorted(required)
    if counts["missing required traits"] and missing:
        parts = parts.replace(
            "missing required traits", f"missing a trait of {', '.join(missing)}"
        )
    return f"{len(rows)} nodes: {parts}" if rows else "0 nodes"


def _reason(
    request: Request,
    row: tuple[Any, ...],
    members: list[set[str]],
    offered: set[str],
    *,
    rejected: bool,
    hardware: dict[str | None, str | None],
) -> str:
    """The first reason, in ``_REASONS`` order, why ``row``'s node was not used."""
    uuid, rc, maint, consumable, allocated, server, traits, az, hw_class = row
    have = set(traits or ())
    misfit = hardware.get(hw_class, hardware_fit.UNKNOWN) if hardware else None
    checks = (
        (rc not in request.resources, "wrong resource class"),
        (maint, "in maintenance"),
        (not set(request.required_traits) <= have, "missing required traits"),
        (bool(set(request.forbidden_traits) & have), "with forbidden traits"),
        (any(uuid not in m for m in members), "outside the requested aggregates"),
        (
            bool(request.availability_zone) and az != request.availability_zone,
            "outside the requested availability zone",
        ),
        (misfit is not None, misfit or ""),
        (uuid in request.exclude_nodes, "excluded"),
        (uuid in offered, "free"),
    )
    for failed, reason in checks:
        if failed:
            return reason
    if consumable and not allocated and server is None:
        return "failure domain exhausted" if rejected else "free"
    if allocated or server is not None:
        return "already allocated"
    return "not available"


def _order(item: tuple[str, int]) -> tuple[int, int, str]:
    """Fixed reasons in ``_REASONS`` order; hardware ones at their place, most first."""
    reason, count = item
    if reason in _REASONS:
        return (_REASONS.index(reason), 0, reason)
    return (_REASONS.index(_HARDWARE), -count, reason)


def _aggregate_members(session: orm.Session, request: Request) -> list[set[str]]:
    """For each aggregate constraint, the nodes that satisfy it."""
    out = []
    for any_of in view.aggregates_matching(session, request.resource_aggregates):
        an = models.AggregateNode
        out.append(
            set(
                session.scalars(
                    sa.select(an.node_uuid).where(an.aggregate_id.in_(any_of))
                )
            )
            if any_of
            else set()
        )
    return out


def group_reason(group: groups.Group | None, placed: int, wanted: int) -> str:
    """The group's part of a "no valid node" message, if it had one."""
    if group is None:
        return ""
    return (
        f"; server group policy {group.policy} over {group.scope} "
        f"(at most {group.max_per_domain} per domain) placed {placed} of {wanted}"
        if not group.affinity
        else f"; server group policy {group.policy} over {group.scope} "
        f"placed {placed} of {wanted}"
    )
