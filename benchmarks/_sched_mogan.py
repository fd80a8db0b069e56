"""One fleet size in its own process: bare claims, Mogan's scheduler, raw Placement.

Run by ``scheduling.py`` as a child process per fleet size, because a
process can embed only one Placement (it configures its database once).
It loads the fleet (see ``_sched_fleet``), then for each concurrency level:

- ``claim``: the bare Placement claim, ``POST /allocations`` of one
  consumer on a provider known to be free (a silver node, so it never
  races the other phases); no retry needed, none done.
- ``mogan``: ``mogan.scheduler.claims.select_and_claim`` for one server per
  request, with Mogan's default ``claim_retries`` and ``candidate_limit``
  and one ``InFlight`` shared by the threads, as the scheduler manager
  shares one among the requests it serves.
- ``pair``: one requester alternating a bare claim and a Mogan request, so
  both see the same machine load (the fair latency ratio on a shared box).
- ``raw``: the same job with no Mogan code: ``GET /allocation_candidates``
  (resources, required, ``limit`` = 1 + candidate_limit, as Mogan's old
  path asked) and ``POST /allocations`` of a random candidate, microversion
  1.37, a fresh consumer and a jittered retry on 409.

After every level the ledger is verified (no provider over capacity, one
allocation per consumer, each on the node reported, of the asked class and
traits) and everything is released (``DELETE /allocations/{consumer}``,
Mogan's view reset). Results go to ``--out`` as JSON.
"""

import argparse
import inspect
import json
import pathlib
import random
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import _sched_fleet as fleet_io
from _sched_common import (
    GOLD_RC,
    PROJECT,
    SILVER,
    SILVER_RC,
    USER,
    BenchError,
    Level,
    announce,
    done,
    fleet,
    load_average,
    requests_for,
    required_traits,
    run_level,
)

from mogan import conf as mogan_conf
from mogan import placement as placement_factory
from mogan.db import session as db_session
from mogan.scheduler import candidates, claims

WARM_UP = 5
Placed = tuple[str, str, tuple[str, ...]]


def scheduler_kind() -> str:
    """``view`` when candidates come from Mogan's nodes table, else ``placement``."""
    source = inspect.getsource(candidates)
    return "placement" if "placement.allocation_candidates(" in source else "view"


class Bench:
    """The fleet of one size in Mogan's view and the embedded Placement."""

    def __init__(self, state: pathlib.Path, count: int) -> None:
        """Build both stores on ``state`` and load ``count`` nodes into them."""
        self.conf = mogan_conf.make_conf(
            overrides={
                "DEFAULT": {"state_path": str(state)},
                "placement": {"embedded": True},
            }
        )
        self.retries = int(self.conf.scheduler.claim_retries)
        self.extra = int(self.conf.scheduler.candidate_limit)
        self.nodes = fleet(count)
        self.by_uuid = {n.uuid: n for n in self.nodes}
        self.notes: list[str] = []
        t0 = time.perf_counter()
        self.database = db_session.Database.from_url(
            f"sqlite:///{state / 'mogan.sqlite'}"
        )
        fleet_io.load_view(self.database, self.nodes)
        t1 = time.perf_counter()
        self.placement = placement_factory.get_client(self.conf)
        self.http = self.placement.http
        fleet_io.load_placement(
            self.placement, str(state / "placement.sqlite"), self.nodes
        )
        t2 = time.perf_counter()
        self.notes.append(fleet_io.check_placement_sees(self.http, self.nodes))
        self.notes.append(
            f"loaded {count} nodes: Mogan view {t1 - t0:.1f} s, "
            f"Placement (bulk SQL insert) {t2 - t1:.1f} s"
        )
        self.ledger = fleet_io.Ledger(str(state / "placement.sqlite"))
        self.in_flight = claims.InFlight()
        self._claim_time = threading.local()
        # NOTE: times the claims Mogan's scheduler makes, on this client
        # instance only (Mogan's code is untouched), to split its latency.
        real_claim = self.placement.claim

        def timed_claim(*args: Any, **kwargs: Any) -> None:
            t0 = time.perf_counter()
            try:
                real_claim(*args, **kwargs)
            finally:
                spent = time.perf_counter() - t0
                self._claim_time.total = getattr(self._claim_time, "total", 0.0) + spent

        self.placement.claim = timed_claim  # type: ignore[method-assign]
        self.silver = [n.uuid for n in self.nodes if n.resource_class == SILVER]

    # ------------------------------------------------------------ requests

    def mogan_one(self, i: int) -> tuple[str, str, tuple[str, ...], float]:
        """One server through Mogan's scheduler (and its time in claims)."""
        self._claim_time.total = 0.0
        server = str(uuid.uuid4())
        traits = required_traits(i)
        request = candidates.Request(
            server_uuids=(server,),
            min_count=1,
            resources={GOLD_RC: 1},
            required_traits=traits,
            project_id=PROJECT,
            user_id=USER,
        )
        placed = claims.select_and_claim(
            self.database,
            self.placement,
            request,
            retries=self.retries,
            extra=self.extra,
            in_flight=self.in_flight,
        )
        return server, placed[server], traits, self._claim_time.total

    def raw_one(self, i: int) -> Placed:
        """One consumer through Placement alone: candidates, then claim."""
        traits = required_traits(i)
        params = {"resources": f"{GOLD_RC}:1", "limit": str(1 + self.extra)}
        if traits:
            params["required"] = ",".join(traits)
        for attempt in range(self.retries + 1):
            resp = self.http.get(
                "/allocation_candidates", params=params, headers=fleet_io.MICROVERSION
            )
            offered = resp.json()["allocation_requests"]
            if not offered:
                raise BenchError("no allocation candidates")
            node = next(iter(random.choice(offered)["allocations"]))
            # NOTE: a claim that failed can leave its consumer behind; a
            # fresh consumer id keeps consumer_generation null valid.
            consumer = str(uuid.uuid4())
            if self._claim(consumer, node, GOLD_RC):
                return consumer, node, traits
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise BenchError(f"lost {self.retries + 1} races")

    def _claim(self, consumer: str, node: str, rc: str) -> bool:
        """POST /allocations for one new consumer; False on 409."""
        resp = self.http.post(
            "/allocations",
            json={
                consumer: {
                    "allocations": {node: {"resources": {rc: 1}}},
                    "project_id": PROJECT,
                    "user_id": USER,
                    "consumer_generation": None,
                }
            },
            headers=fleet_io.MICROVERSION,
        )
        if resp.status_code == 409:  # noqa: PLR2004
            return False
        if resp.status_code != 204:  # noqa: PLR2004
            raise BenchError(f"POST /allocations: {resp.status_code} {resp.text[:200]}")
        return True

    def claim_maker(self) -> Callable[[int], Placed]:
        """A bare claim per request index, each on its own free silver node."""

        def one(i: int) -> Placed:
            consumer, node = str(uuid.uuid4()), self.silver[i]
            if not self._claim(consumer, node, SILVER_RC):
                raise BenchError(f"bare claim of free {node} refused")
            return consumer, node, ()

        return one

    # ------------------------------------------------------------ levels

    def release(self, placed: Sequence[tuple[Any, ...]]) -> None:
        """Release every claim and reset Mogan's view."""
        for claimed in placed:
            self.placement.release(claimed[0])
        fleet_io.reset_view(self.database)
        left = self.ledger.allocations()
        if left:
            raise BenchError(f"{len(left)} consumers still allocated after release")

    def level(
        self, system: str, concurrency: int, requests: int, seconds: float
    ) -> Level:
        """Warm up, run one level, verify the ledger, release."""
        one = {
            "mogan": self.mogan_one,
            "raw": self.raw_one,
            "claim": self.claim_maker(),
        }[system]
        rc = SILVER_RC if system == "claim" else GOLD_RC
        warm = [one(i) for i in range(WARM_UP)] if system != "claim" else []
        self.release(warm)
        result = Level(system=system, nodes=len(self.nodes), concurrency=concurrency)
        placed: list[Any] = run_level(result, requests, one, seconds)
        result.notes.append(self.ledger.verify(placed, self.by_uuid, rc))
        if system == "mogan":
            marked = fleet_io.view_allocated(self.database)
            result.notes.append(
                f"Mogan's view marked {marked} of {len(placed)} claimed nodes allocated"
            )
        result.notes.append(f"load average after: {load_average()}")
        self.release(placed)
        return result

    def paired(self, requests: int, seconds: float) -> list[Level]:
        """One requester alternating a bare claim and a Mogan request.

        Both then see the same machine load, so their ratio holds on a shared
        machine; ``wall`` is the sum of each one's latencies.
        """
        claim_one = self.claim_maker()
        self.release([self.mogan_one(i) for i in range(WARM_UP)])
        bare = Level(system="pair-claim", nodes=len(self.nodes), concurrency=1)
        mogan = Level(system="pair-mogan", nodes=len(self.nodes), concurrency=1)
        placed: list[tuple[Any, ...]] = []
        expected: dict[str, str] = {}
        stop_at = time.perf_counter() + seconds
        for i in range(requests):
            if time.perf_counter() > stop_at:
                mogan.notes.append(f"deadline {seconds:.0f} s reached after {i}")
                break
            for level, one, rc in (
                (bare, claim_one, SILVER_RC),
                (mogan, self.mogan_one, GOLD_RC),
            ):
                level.sent += 1
                t0 = time.perf_counter()
                try:
                    result: tuple[Any, ...] = one(i)
                except Exception as err:  # noqa: BLE001 - a failure is a data point
                    level.failed += 1
                    level.errors.append(f"{type(err).__name__}: {err}"[:300])
                    continue
                level.latencies.append(time.perf_counter() - t0)
                level.placed += 1
                if len(result) > 3:  # noqa: PLR2004 - Mogan's time in claims
                    level.inner.append(result[3])
                placed.append(result[:3])
                expected[result[0]] = rc
        for level in (bare, mogan):
            level.wall = sum(level.latencies)
        verified = self.ledger.verify(placed, self.by_uuid, expected)
        bare.notes.append(f"with Mogan's: {verified}")
        mogan.notes.append(verified)
        mogan.notes.append(f"load average after: {load_average()}")
        self.release(placed)
        return [bare, mogan]


def main(argv: list[str] | None = None) -> int:
    """Run the systems asked for at one fleet size; write JSON to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, required=True)
    parser.add_argument("--systems", default="claim,mogan,pair,raw")
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--raw-requests", type=int, default=300)
    parser.add_argument("--level-seconds", type=float, default=45)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    state = pathlib.Path(args.state_dir)
    state.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"nodes": args.nodes, "scheduler": scheduler_kind()}
    levels: list[Level] = []
    try:
        bench = Bench(state, args.nodes)
        out["notes"] = bench.notes
        out["claim_retries"], out["candidate_limit"] = bench.retries, bench.extra
        for system in args.systems.split(","):
            wanted = args.raw_requests if system == "raw" else args.requests
            for conc in (int(c) for c in args.concurrency.split(",")):
                requests = requests_for(args.nodes, wanted)
                announce(args.nodes, system, conc, requests)
                if system == "pair":
                    levels += bench.paired(requests, args.level_seconds)
                    done(levels[-1])
                    break
                levels.append(bench.level(system, conc, requests, args.level_seconds))
                done(levels[-1])
    except BenchError as err:
        out["error"] = str(err)
    out["levels"] = [lv.to_json() for lv in levels]
    pathlib.Path(args.out).write_text(json.dumps(out, indent=1))
    return 1 if "error" in out else 0


if __name__ == "__main__":
    sys.exit(main())
