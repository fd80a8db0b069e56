"""Claims: every server of a request in ONE ``POST /allocations``, retried on races.

Placement is the claims ledger and applies a multi-consumer claim all or
nothing, so a request never half-lands. Losing a race (another scheduler
claimed a node first, or a provider changed) means: fresh candidates, a
jittered pause scaled to how long claims take, and another single claim, up
to ``[scheduler] claim_retries`` times. No lock is held around a claim, in or
across processes: requests served side by side in one process only note the
nodes they are claiming (``InFlight``) so that they do not pick each other's
nodes; across processes Placement alone arbitrates. What must not live here:
how candidates are found (see ``candidates``).
"""

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection

from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import node as node_db
from mogan.placement import client as placement_client
from mogan.scheduler import candidates as candidates_mod
from mogan.scheduler import groups

LOG = logging.getLogger(__name__)
BACKOFF_BASE = 0.02
BACKOFF_CAP = 0.5
# NOTE: longer than any one claim takes; only a bound in case one hangs.
IN_FLIGHT_WAIT = 30.0
# NOTE: Placement names the provider that lacked capacity in its 409.
_PROVIDER = re.compile(r"resource provider '([0-9a-f-]{36})'")


class InFlight:
    """Nodes that requests served by this process are claiming right now.

    A node a request has chosen stays out of other requests' picks until its
    claim is answered; once claimed, Placement no longer offers it. The
    condition guards only the set, never a Placement call.
    """

    def __init__(self) -> None:
        """Start with no node in flight."""
        self._changed = threading.Condition()
        self._nodes: set[str] = set()

    def snapshot(self) -> frozenset[str]:
        """The nodes in flight now."""
        with self._changed:
            return frozenset(self._nodes)

    def take(self, candidates: list[str], count: int) -> list[str]:
        """Up to ``count`` of ``candidates`` no other request holds, now held."""
        with self._changed:
            chosen = [node for node in candidates if node not in self._nodes][:count]
            self._nodes.update(chosen)
            return chosen

    def release(self, nodes: Collection[str]) -> None:
        """Forget ``nodes`` (their claim was answered, either way)."""
        with self._changed:
            self._nodes.difference_update(nodes)
            self._changed.notify_all()

    def wait_until_clear_of(self, nodes: frozenset[str], timeout: float) -> None:
        """Wait until none of ``nodes`` is in flight (or ``timeout`` passed)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._nodes & nodes, timeout)


def select_and_claim(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    *,
    retries: int,
    extra: int,
    in_flight: InFlight | None = None,
    weigher: candidates_mod.Weigher | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, str]:
    """Claim a node for as many servers of ``request`` as fit (at least min_count).

    Args:
        database: Mogan's database (the nodes view).
        placement: the Placement client.
        request: the servers and what their nodes must offer.
        retries: claims retried after a lost race.
        extra: candidates looked at beyond one per server.
        in_flight: nodes other requests of this process are claiming (a
            private set when not given).
        weigher: how candidates are ordered (spread over affinity zones
            when not given).
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
    in_flight = in_flight or InFlight()
    weigher = weigher or candidates_mod.Weigher()
    if request.group_uuid:
        groups.ensure_ledger(placement)
    placed: dict[str, str] = {}
    claim_time = 0.0
    attempt = 0
    while attempt <= retries:
        pending = [uuid for uuid in servers if uuid not in placed]
        if not pending:
            return placed
        busy = in_flight.snapshot()
        with database.transaction(readonly=True) as session:
            group = (
                groups.load(session, placement, request.group_uuid, servers)
                if request.group_uuid
                else None
            )
            choice = candidates_mod.choose(
                session,
                request,
                len(pending),
                extra=extra,
                weigher=weigher,
                avoid=busy,
                group=group,
            )
        chosen_nodes = in_flight.take(choice.nodes, len(pending))
        if len(placed) + len(chosen_nodes) < request.min_count:
            in_flight.release(chosen_nodes)
            others = in_flight.snapshot()
            if others:
                # NOTE: nodes this process is claiming for other requests
                # come free again if those claims fail: wait for their
                # answers (bounded by Placement's timeout), then look again.
                # Not a lost race, so no retry is spent.
                in_flight.wait_until_clear_of(others, IN_FLIGHT_WAIT)
                continue
            error = _no_valid_node(database, request, choice, len(placed))
            # NOTE: all or nothing: claims kept from an earlier call go too.
            _release(database, placement, placed)
            raise error
        chosen = dict(zip(pending, chosen_nodes, strict=False))
        started = time.monotonic()
        try:
            _claim(placement, request, chosen, group)
            # NOTE: recorded before the nodes leave the in-flight set, so
            # no request of this process can see them free in between.
            _record(database, chosen)
        except placement_client.ClaimConflict as err:
            LOG.debug("claim of %d servers lost a race: %s", len(chosen), err)
            _learn(database, placement, err, chosen_nodes)
            if "consumer generation" in str(err):
                # NOTE: a resumed request: some servers were claimed by an
                # earlier call whose answer was lost; keep those claims.
                # (Or another request placed a member of the group first;
                # the next attempt re-reads the group.)
                held = _held(placement, pending)
                _record(database, held)
                placed.update(held)
            claim_time = max(claim_time, time.monotonic() - started)
            sleep(_backoff(attempt, claim_time))
            attempt += 1
            continue
        finally:
            in_flight.release(chosen_nodes)
        placed.update(chosen)
        return placed
    raise exception.NoValidNode(
        reason=f"claims kept losing races with other requests ({retries} retries)"
    )


def _claim(
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    chosen: dict[str, str],
    group: groups.Group | None,
) -> None:
    """One POST /allocations: every chosen server, plus the group's token."""
    allocations = {server: {node: request.resources} for server, node in chosen.items()}
    generations: dict[str, int | None] = {}
    if group is not None:
        allocations[group.uuid], generations[group.uuid] = groups.token(group)
    placement.claim(
        allocations,
        project_id=request.project_id,
        user_id=request.user_id,
        generations=generations,
    )


def _release(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    placed: dict[str, str],
) -> None:
    """Drop the claims of ``placed`` servers, in Placement and in the view."""
    for server in placed:
        placement.release(server)
    if placed:
        with database.transaction() as session:
            for server in placed:
                node_db.mark_released(session, server)


def _record(database: db_session.Database, claimed: dict[str, str]) -> None:
    """Note claims in the view so the next requests skip those nodes."""
    if claimed:
        with database.transaction() as session:
            node_db.mark_allocated(
                session, {node: server for server, node in claimed.items()}
            )


def _learn(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    err: placement_client.ClaimConflict,
    nodes: list[str],
) -> None:
    """Correct the view from a lost race: which chosen nodes were taken, by whom.

    The consumer is recorded too, so that its release frees the node in
    the view again.
    """
    named = set(_PROVIDER.findall(str(err))) & set(nodes)
    if not named and "consumer generation" in str(err):
        return
    # NOTE: without a name from Placement, ask about each chosen node.
    holders = {
        node: next(iter(held), None)
        for node in (named or nodes)
        if (held := placement.provider_allocations(node))
    }
    if holders:
        with database.transaction() as session:
            node_db.mark_allocated(session, holders)


def _backoff(attempt: int, claim_time: float) -> float:
    """A jittered pause before retry ``attempt``, longer when claims are slow.

    A claim that lost a race lost it to one that took about as long; waiting
    less than that only meets the same race again.
    """
    cap = max(BACKOFF_CAP, 2 * claim_time)
    return random.uniform(0, min(cap, BACKOFF_BASE * 2**attempt + claim_time))  # noqa: S311 - jitter, not crypto


def _held(
    placement: placement_client.PlacementClient, servers: list[str]
) -> dict[str, str]:
    """The node each of ``servers`` already holds an allocation on."""
    held = {}
    for server in servers:
        providers = [
            p for p in placement.allocations_of(server) if p != groups.LEDGER_UUID
        ]
        if providers:
            held[server] = providers[0]
    return held


def _no_valid_node(
    database: db_session.Database,
    request: candidates_mod.Request,
    choice: candidates_mod.Choice,
    placed: int,
) -> exception.NoValidNode:
    """The error for a request that does not fit, with counts of why."""
    wanted = len(set(request.server_uuids))
    with database.transaction(readonly=True) as session:
        why = candidates_mod.explain(session, request, set(choice.nodes), choice)
    group = candidates_mod.group_reason(
        choice.group, placed + len(choice.nodes), wanted
    )
    return exception.NoValidNode(
        reason=(
            f"{placed + len(choice.nodes)} free nodes for {wanted} servers "
            f"(at least {request.min_count} needed); {why}{group}"
        )
    )
