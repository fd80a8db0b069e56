"""Candidate nodes for a request, and why nodes were not candidates.

Candidates come from Placement's ``GET /allocation_candidates`` (resources,
required and forbidden traits, ``member_of``), minus excluded nodes and
nodes that Mogan's ``nodes`` table says cannot take a server right now (in
maintenance, not consumable, or unknown to the engine's sync). The table is
also read to explain a failure with counts; those counts are for people,
never for decisions. What must not live here: claiming (see ``claims``).
"""

import collections
import dataclasses
import random
from collections.abc import Sequence
from typing import Any

from sqlalchemy import orm

from mogan.db import models
from mogan.db.api import node as node_db
from mogan.placement import client as placement_client

# NOTE: the order in which explain() tests them, and lists them.
_REASONS = (
    "wrong resource class",
    "in maintenance",
    "missing required traits",
    "with forbidden traits",
    "excluded",
    "free",
    "already allocated",
    "already allocated or outside the requested aggregates",
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
    member_of: tuple[str, ...] = ()
    exclude_nodes: frozenset[str] = frozenset()
    project_id: str = ""
    user_id: str = ""

    @classmethod
    def from_dict(cls, request: dict[str, Any]) -> "Request":
        """Build from the ``select_and_claim`` payload (unknown keys ignored)."""

        def strings(key: str) -> tuple[str, ...]:
            value = request.get(key) or ()
            return tuple(str(v) for v in value)

        servers = strings("server_uuids")
        resources = request.get("resources") or {}
        return cls(
            server_uuids=servers,
            min_count=int(request.get("min_count") or len(servers)),
            resources={str(k): int(v) for k, v in resources.items()},
            required_traits=strings("required_traits"),
            forbidden_traits=strings("forbidden_traits"),
            member_of=strings("member_of"),
            exclude_nodes=frozenset(strings("exclude_nodes")),
            project_id=str(request.get("project_id") or ""),
            user_id=str(request.get("user_id") or ""),
        )


def find(
    session: orm.Session,
    placement: placement_client.PlacementClient,
    request: Request,
    extra: int,
    avoid: frozenset[str] = frozenset(),
) -> list[str]:
    """Node uuids that can take a server of ``request`` now, in random order.

    Args:
        session: a session to read the ``nodes`` table.
        placement: the Placement client.
        request: the request.
        extra: candidates asked for beyond one per server.
        avoid: nodes other requests are claiming right now; left out.

    Returns:
        Candidate node uuids, shuffled so concurrent schedulers spread out.

    Raises:
        PlacementError: Placement failed.
    """
    offered = placement.allocation_candidates(
        request.resources,
        required=request.required_traits,
        forbidden=request.forbidden_traits,
        member_of=request.member_of,
        # NOTE: excluded and avoided nodes may be among those Placement
        # returns; ask for that many more so they do not crowd real
        # candidates out.
        limit=len(request.server_uuids)
        + extra
        + len(request.exclude_nodes)
        + len(avoid),
    )
    skip = request.exclude_nodes | avoid
    wanted = [uuid for uuid in offered if uuid not in skip]
    usable = node_db.consumable_uuids(session, wanted)
    candidates = [uuid for uuid in wanted if uuid in usable]
    random.shuffle(candidates)
    return candidates


def explain(nodes: Sequence[models.Node], request: Request, offered: set[str]) -> str:
    """Why nodes were not usable, as counts: ``8 nodes: 4 wrong resource class, ...``.

    Each node is counted once, under the first reason that applies, in the
    order of ``_REASONS``. ``offered`` are the nodes that
    were still candidates (free, but too few of them).
    """
    wanted_rcs = set(request.resources)
    required = set(request.required_traits)
    forbidden = set(request.forbidden_traits)
    counts: collections.Counter[str] = collections.Counter()
    for node in nodes:
        traits = set(node.traits)
        if placement_client.resource_class_name(node.resource_class) not in wanted_rcs:
            reason = "wrong resource class"
        elif node.maintenance:
            reason = "in maintenance"
        elif not required <= traits:
            reason = "missing required traits"
        elif forbidden & traits:
            reason = "with forbidden traits"
        elif node.uuid in request.exclude_nodes:
            reason = "excluded"
        elif node.uuid in offered:
            reason = "free"
        elif node.consumable or node.server_uuid is not None:
            reason = (
                "already allocated"
                if not request.member_of
                else "already allocated or outside the requested aggregates"
            )
        else:
            reason = "not available"
        counts[reason] += 1
    parts = ", ".join(f"{counts[r]} {r}" for r in _REASONS if counts[r])
    return f"{len(nodes)} nodes: {parts}" if nodes else "0 nodes"
