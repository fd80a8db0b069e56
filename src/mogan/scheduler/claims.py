"""Claims: every server of a request in ONE ``POST /allocations``, retried on races.

Placement is the claims ledger and applies a multi-consumer claim all or
nothing, so a request never half-lands. Losing a race (another scheduler
claimed a node first, or a provider changed) means: fresh candidates, a
jittered pause, and another single claim, up to ``[scheduler]
claim_retries`` times. No lock is taken, in or across processes. What must
not live here: how candidates are found (see ``candidates``).
"""

import logging
import random
import time
from collections.abc import Callable

from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import node as node_db
from mogan.placement import client as placement_client
from mogan.scheduler import candidates as candidates_mod

LOG = logging.getLogger(__name__)
BACKOFF_BASE = 0.02
BACKOFF_CAP = 0.5


def select_and_claim(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    *,
    retries: int,
    extra: int,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Claim a node for as many servers of ``request`` as fit (at least min_count).

    Args:
        database: Mogan's database (the ``nodes`` table).
        placement: the Placement client.
        request: the servers and what their nodes must offer.
        retries: claims retried after a lost race.
        extra: candidates asked for beyond one per server.
        sleep: the pause between retries (tests pass a faster one).

    Returns:
        ``{server_uuid: node_uuid}`` for every claimed server.

    Raises:
        NoValidNode: fewer than ``min_count`` servers fit, or every retry lost
            its race; nothing of this request is claimed.
        PlacementError: Placement failed.
    """
    servers = list(dict.fromkeys(request.server_uuids))
    if not servers:
        return {}
    if not request.resources:
        raise exception.NoValidNode(reason="the request names no resources")
    placed: dict[str, str] = {}
    for attempt in range(retries + 1):
        pending = [uuid for uuid in servers if uuid not in placed]
        with database.transaction() as session:
            found = candidates_mod.find(session, placement, request, extra)
        if len(placed) + len(found) < request.min_count:
            raise _no_valid_node(database, request, found, len(servers))
        chosen = dict(zip(pending, found, strict=False))
        try:
            placement.claim(
                {server: {node: request.resources} for server, node in chosen.items()},
                project_id=request.project_id,
                user_id=request.user_id,
            )
        except placement_client.ClaimConflict as err:
            LOG.debug("claim of %d servers lost a race: %s", len(chosen), err)
            if "consumer generation" in str(err):
                # NOTE: a resumed request: some servers were claimed by an
                # earlier call whose answer was lost; keep those claims.
                placed.update(_held(placement, pending))
            sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)))  # noqa: S311 - jitter, not crypto
            continue
        placed.update(chosen)
        return placed
    raise exception.NoValidNode(
        reason=f"claims kept losing races with other requests ({retries} retries)"
    )


def _held(
    placement: placement_client.PlacementClient, servers: list[str]
) -> dict[str, str]:
    """The node each of ``servers`` already holds an allocation on."""
    held = {}
    for server in servers:
        providers = placement.allocations_of(server)
        if providers:
            held[server] = next(iter(providers))
    return held


def _no_valid_node(
    database: db_session.Database,
    request: candidates_mod.Request,
    found: list[str],
    wanted: int,
) -> exception.NoValidNode:
    """The error for a request that does not fit, with counts of why."""
    with database.transaction() as session:
        nodes = node_db.get_all(session)
    why = candidates_mod.explain(nodes, request, set(found))
    return exception.NoValidNode(
        reason=(
            f"{len(found)} free nodes for {wanted} servers "
            f"(at least {request.min_count} needed); {why}"
        )
    )
