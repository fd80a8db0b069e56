"""Claims: every server of a request in ONE ``POST /allocations``, retried on races.

Placement is the claims ledger and applies a multi-consumer claim all or
nothing, so a request never half-lands. Losing a race (another scheduler
claimed a node first, or a provider changed) means: fresh candidates, a
jittered pause scaled to how long claims take, and another single claim, up
to ``[scheduler] claim_retries`` times. No lock is held around a claim, in or
across processes: requests served side by side in one process only note the
providers they are claiming (``InFlight``) so that they do not pick each
other's (a request whose picks another took meanwhile chooses again);
across processes Placement alone arbitrates. The same loop places
servers on nodes and composed servers on resource blocks: what a server
gets is the ``picks.Target``'s choice. What must not live here: how
candidates are found (see ``candidates`` and ``blocks``).
"""

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Sequence

from sqlalchemy import orm

from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import block_candidates as block_db
from mogan.db.api import composition as composition_db
from mogan.db.api import node as node_db
from mogan.placement import client as placement_client
from mogan.scheduler import candidates as candidates_mod
from mogan.scheduler import groups, picks

LOG = logging.getLogger(__name__)
BACKOFF_BASE = 0.02
BACKOFF_CAP = 0.5
# NOTE: longer than any one claim takes; only a bound in case one hangs.
IN_FLIGHT_WAIT = 30.0
# NOTE: how often one call chooses again because requests of this process
# took some of its picks meanwhile (each time they made progress).
RECHOOSE_LIMIT = 10
# NOTE: Placement names the provider that lacked capacity in its 409.
_PROVIDER = re.compile(r"resource provider '([0-9a-f-]{36})'")


class InFlight:
    """Providers that requests served by this process are claiming right now.

    A pick (one node, or one server's blocks) a request has chosen keeps
    its providers out of other requests' picks until its claim is
    answered; once claimed, Placement no longer offers them. The condition
    guards only the set, never a Placement call.
    """

    def __init__(self) -> None:
        """Start with no provider in flight."""
        self._changed = threading.Condition()
        self._nodes: set[str] = set()

    def snapshot(self) -> frozenset[str]:
        """The providers in flight now."""
        with self._changed:
            return frozenset(self._nodes)

    def take(self, candidates: Sequence[picks.Pick], count: int) -> list[picks.Pick]:
        """Up to ``count`` of ``candidates`` sharing no provider in flight, now held."""
        with self._changed:
            chosen: list[picks.Pick] = []
            for pick in candidates:
                if len(chosen) >= count:
                    break
                if pick.providers & self._nodes:
                    continue
                self._nodes.update(pick.providers)
                chosen.append(pick)
            return chosen

    def release(self, providers: Collection[str]) -> None:
        """Forget ``providers`` (their claim was answered, either way)."""
        with self._changed:
            self._nodes.difference_update(providers)
            self._changed.notify_all()

    def wait_until_clear_of(self, providers: frozenset[str], timeout: float) -> None:
        """Wait until none of ``providers`` is in flight (or ``timeout`` passed)."""
        with self._changed:
            self._changed.wait_for(lambda: not self._nodes & providers, timeout)


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
    target: picks.Target | None = None,
) -> dict[str, str]:
    """Claim a node for as many servers of ``request`` as fit (at least min_count).

    Args:
        database: Mogan's database (the nodes view).
        placement: the Placement client.
        request: the servers and what their nodes must offer.
        retries: claims retried after a lost race.
        extra: candidates looked at beyond one per server.
        in_flight: providers other requests of this process are claiming (a
            private set when not given).
        weigher: how candidates are ordered (spread over affinity zones
            when not given).
        sleep: the pause between retries (tests pass a faster one).
        target: what servers are placed on (nodes of the request when not
            given; ``blocks.Blocks`` for a composable request).

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
    target = target or candidates_mod.Nodes(request, extra=extra, weigher=weigher)
    if request.group_uuid:
        groups.ensure_ledger(placement)
    placed: dict[str, picks.Pick] = {}
    claim_time = 0.0
    attempt = 0
    while attempt <= retries:
        pending = [uuid for uuid in servers if uuid not in placed]
        if not pending:
            return _answer(placed)
        choice, chosen_picks, group = _choose(
            database,
            placement,
            request,
            target,
            in_flight=in_flight,
            servers=servers,
            count=len(pending),
        )
        taken = _providers(chosen_picks)
        if len(placed) + len(chosen_picks) < request.min_count:
            in_flight.release(taken)
            others = in_flight.snapshot()
            if others:
                # NOTE: providers this process is claiming for other requests
                # come free again if those claims fail: wait for their
                # answers (bounded by Placement's timeout), then look again.
                # Not a lost race, so no retry is spent.
                in_flight.wait_until_clear_of(others, IN_FLIGHT_WAIT)
                continue
            error = _no_valid(
                database, target, choice, group, placed=len(placed), wanted=len(servers)
            )
            # NOTE: all or nothing: claims kept from an earlier call go too.
            _release(database, placement, placed)
            raise error
        chosen = dict(zip(pending, chosen_picks, strict=False))
        started = time.monotonic()
        try:
            _claim(placement, request, chosen, group)
            # NOTE: recorded before the picks leave the in-flight set, so
            # no request of this process can see them free in between.
            _record(database, target, chosen)
        except placement_client.ClaimConflict as err:
            LOG.debug("claim of %d servers lost a race: %s", len(chosen), err)
            placed.update(
                _lost(database, placement, target, err, taken=taken, pending=pending)
            )
            claim_time = max(claim_time, time.monotonic() - started)
            sleep(_backoff(attempt, claim_time))
            attempt += 1
            continue
        finally:
            in_flight.release(taken)
        placed.update(chosen)
        return _answer(placed)
    raise exception.NoValidNode(
        reason=f"claims kept losing races with other requests ({retries} retries)"
    )


def _choose(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    target: picks.Target,
    *,
    in_flight: InFlight,
    servers: list[str],
    count: int,
) -> tuple[picks.Attempt, list[picks.Pick], groups.Group | None]:
    """The target's picks for ``count`` servers, those taken into ``in_flight``.

    Returns:
        The choice, the picks now held in flight, and the group as read.
    """
    for rechosen in range(RECHOOSE_LIMIT + 1):
        busy = in_flight.snapshot()
        with database.transaction(readonly=True) as session:
            group = _group(session, placement, request, servers)
            choice = target.choose(session, count, avoid=busy, group=group)
        taken = in_flight.take(choice.picks, count)
        if len(taken) >= min(len(choice.picks), count) or rechosen == RECHOOSE_LIMIT:
            break
        # NOTE: another request of this process took some of these providers
        # since the snapshot: claiming the rest would leave servers out
        # though other providers may be free. Choose again, now seeing them
        # (not a lost race: no retry is spent).
        in_flight.release(_providers(taken))
    return choice, taken, group


def _group(
    session: orm.Session,
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    servers: list[str],
) -> groups.Group | None:
    """The request's server group as it stands now, if it has one."""
    if not request.group_uuid:
        return None
    return groups.load(
        session, placement, request.group_uuid, servers, composed=request.composable
    )


def _no_valid(
    database: db_session.Database,
    target: picks.Target,
    choice: picks.Attempt,
    group: groups.Group | None,
    *,
    placed: int,
    wanted: int,
) -> exception.NoValidNode:
    """The error for a request that does not fit, with counts of why."""
    with database.transaction(readonly=True) as session:
        why = target.explain(session, choice, placed)
    group_why = candidates_mod.group_reason(group, placed + len(choice.picks), wanted)
    return exception.NoValidNode(reason=f"{why}{group_why}")


def _answer(placed: dict[str, picks.Pick]) -> dict[str, str]:
    return {server: pick.node for server, pick in placed.items()}


def _providers(chosen: Sequence[picks.Pick]) -> set[str]:
    return {provider for pick in chosen for provider in pick.providers}


def _claim(
    placement: placement_client.PlacementClient,
    request: candidates_mod.Request,
    chosen: dict[str, picks.Pick],
    group: groups.Group | None,
) -> None:
    """One POST /allocations: every chosen server, plus the group's token."""
    allocations = {
        server: {rp: dict(amounts) for rp, amounts in pick.allocation.items()}
        for server, pick in chosen.items()
    }
    generations: dict[str, int | None] = {}
    if group is not None:
        allocations[group.uuid], generations[group.uuid] = groups.token(group)
    placement.claim(
        allocations,
        project_id=request.project_id,
        user_id=request.user_id,
        generations=generations,
    )


def release_view(session: orm.Session, server: str) -> None:
    """Forget in the view every claim ``server`` held (nodes and blocks).

    A composed server's ``composed_systems`` row goes too: the scheduler
    drops only claims no build has used, so no system was made of them.
    """
    node_db.mark_released(session, server)
    block_db.mark_released(session, server)
    composition_db.remove_uncomposed(session, server)


def _release(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    placed: Collection[str],
) -> None:
    """Drop the claims of ``placed`` servers, in Placement and in the view."""
    for server in placed:
        placement.release(server)
    if placed:
        with database.transaction() as session:
            for server in placed:
                release_view(session, server)


def _record(
    database: db_session.Database,
    target: picks.Target,
    claimed: dict[str, picks.Pick],
) -> None:
    """Note claims in the view so the next requests skip those providers."""
    if claimed:
        with database.transaction() as session:
            target.record(session, claimed)


def _lost(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    target: picks.Target,
    err: placement_client.ClaimConflict,
    *,
    taken: set[str],
    pending: list[str],
) -> dict[str, picks.Pick]:
    """After a lost race: the view corrected, and what pending servers already hold."""
    _learn(database, placement, target, err, taken)
    if "consumer generation" not in str(err):
        return {}
    # NOTE: a resumed request: some servers were claimed by an earlier call
    # whose answer was lost; keep those claims. (Or another request placed
    # a member of the group first; the next attempt re-reads the group.)
    held = _held(database, placement, target, pending)
    _record(database, target, held)
    return held


def _learn(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    target: picks.Target,
    err: placement_client.ClaimConflict,
    providers: set[str],
) -> None:
    """Correct the view from a lost race: which chosen providers were taken, by whom.

    The consumer is recorded too, so that its release frees the provider
    in the view again.
    """
    named = set(_PROVIDER.findall(str(err))) & providers
    if not named and "consumer generation" in str(err):
        return
    # NOTE: without a name from Placement, ask about each chosen provider.
    holders = {
        provider: next(iter(held), None)
        for provider in sorted(named or providers)
        if (held := placement.provider_allocations(provider))
    }
    if holders:
        with database.transaction() as session:
            target.learn(session, holders)


def _backoff(attempt: int, claim_time: float) -> float:
    """A jittered pause before retry ``attempt``, longer when claims are slow.

    A claim that lost a race lost it to one that took about as long; waiting
    less than that only meets the same race again.
    """
    cap = max(BACKOFF_CAP, 2 * claim_time)
    return random.uniform(0, min(cap, BACKOFF_BASE * 2**attempt + claim_time))  # noqa: S311 - jitter, not crypto


def _held(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    target: picks.Target,
    servers: list[str],
) -> dict[str, picks.Pick]:
    """What each of ``servers`` already holds an allocation on."""
    allocations = {}
    for server in servers:
        held = {
            rp: amounts
            for rp, amounts in placement.allocations_of(server).items()
            if rp != groups.LEDGER_UUID
        }
        if held:
            allocations[server] = held
    if not allocations:
        return {}
    with database.transaction(readonly=True) as session:
        return target.held(session, allocations)
