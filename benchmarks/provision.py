"""Provisioning benchmark: N servers to ACTIVE on a zero-delay fake fleet.

Run from the repository root::

    .venv/bin/python benchmarks/provision.py --servers 500

What it does, in order, all in one run on one machine:

1. The floor (the peer): the same work without Mogan, in this process.
   The fake driver alone deploys and tears down N nodes (``start_deploy``
   then ``poll_deploy`` until done), and an embedded Placement (the same
   code and SQLite Mogan embeds) takes N claims one per ``POST
   /allocations``, then N claims ``--batch`` per POST, and their releases.
2. Mogan: a fresh ``mogan-all-in-one`` subprocess on a temporary state
   directory with N zero-delay fake nodes enrolled. Start-up and the first
   node sync (every node a Placement provider) are timed apart from
   provisioning.
3. For each mode (``batch``: ``max_count = --batch`` per ``POST
   /v1/servers``; ``single``: one server per POST, ``--concurrency`` POSTs at
   a time): create N servers, wait until all are ACTIVE, verify (all ACTIVE,
   N distinct nodes, N Placement allocations, N deployed fake nodes), delete
   them all, wait until they are gone and verify that no allocation is left.

Progress is observed by reading Mogan's SQLite file (read-only, WAL), not by
polling the API, so the control-plane CPU measured for the Mogan process is
the cost of provisioning, not of the benchmark's watching. Per-server
time-to-ACTIVE is ``launched_at - created_at`` of each server row.

It prints a table and exits non-zero when a verification fails or a phase
times out. The subprocess is stopped and the state directory removed at the
end (``--keep`` keeps the directory for a post-mortem).
"""

import argparse
import dataclasses
import os
import pathlib
import platform
import shutil
import statistics
import sys
import tempfile
import time
from concurrent import futures

from _provision_common import (
    BenchError,
    Cost,
    floor_driver,
    floor_placement,
    pct,
    wait_until,
)
from _provision_mogan import (
    Mogan,
    create_refs,
    start_mogan,
    ts,
    verify_active,
    verify_deleted,
)


@dataclasses.dataclass
class ModeResult:
    """One mode's figures."""

    name: str
    servers: int
    post: float
    active: Cost
    p50: float
    p95: float
    p100: float
    workflows: float
    delete: Cost
    reuse: float


def run_mode(  # noqa: PLR0917 - a benchmark phase's knobs
    mogan: Mogan,
    name: str,
    count: int,
    per_post: int,
    concurrency: int,
    refs: dict[str, str],
    timeout: float,
) -> ModeResult:
    """Create ``count`` servers, wait for ACTIVE, verify, delete, verify."""
    workflows0 = mogan.count("mogan.sqlite", "SELECT COUNT(*) FROM workflows")

    def create(n: int, index: int) -> None:
        mogan.post(
            "/v1/servers",
            {
                "server": {
                    "name": f"{name}-{index}",
                    "flavor_uuid": refs["flavor"],
                    "image_uuid": refs["image"],
                    "networks": [{"net_id": refs["network"]}],
                    "min_count": n,
                    "max_count": n,
                }
            },
        )

    sizes = [min(per_post, count - start) for start in range(0, count, per_post)]
    print(f"-- {name}: creating {count} servers ({len(sizes)} POSTs) ...", flush=True)
    wall0, cpu0 = time.monotonic(), mogan.cpu()
    with futures.ThreadPoolExecutor(concurrency) as pool:
        for done in [pool.submit(create, n, i) for i, n in enumerate(sizes)]:
            done.result()
    posted = time.monotonic() - wall0

    def all_active() -> bool:
        mogan.alive()
        by_status = mogan.statuses()
        if by_status.get("error"):
            msg = f"{by_status['error']} servers in error: {by_status}"
            raise BenchError(msg)
        return by_status.get("active", 0) == count

    at = wait_until(f"{count} servers ACTIVE", all_active, timeout)
    active = Cost(at - wall0, mogan.cpu() - cpu0)
    rows = mogan.query(
        "mogan.sqlite",
        "SELECT created_at, launched_at, node_uuid FROM servers",
    )
    latencies = [(ts(b) - ts(a)).total_seconds() for a, b, _ in rows]
    nodes = {node for _, _, node in rows}
    workflows = mogan.count("mogan.sqlite", "SELECT COUNT(*) FROM workflows")
    print(f"   all ACTIVE after {active.wall:.2f} s; verifying ...", flush=True)
    verify_active(mogan, count, nodes)

    print(f"-- {name}: deleting {count} servers ...", flush=True)
    uuids = [str(r[0]) for r in mogan.query("mogan.sqlite", "SELECT uuid FROM servers")]

    def delete(server_uuid: str) -> None:
        resp = mogan.http.delete(f"/v1/servers/{server_uuid}")
        if resp.status_code != 204:  # noqa: PLR2004
            msg = f"DELETE {server_uuid}: {resp.status_code} {resp.text[:300]}"
            raise BenchError(msg)

    wall0, cpu0 = time.monotonic(), mogan.cpu()
    with futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(delete, uuids))
    gone = wait_until(
        "every server deleted",
        lambda: (mogan.alive(), not mogan.statuses())[1],
        timeout,
    )
    deleted = Cost(gone - wall0, mogan.cpu() - cpu0)
    verify_deleted(mogan)
    # NOTE: the scheduler picks from the nodes view (consumable, not
    # allocated); measure how long after the last delete every node is
    # claimable there and wait for it, so the next mode starts full.
    reusable = wait_until(
        "every node claimable again",
        lambda: (
            mogan.count(
                "mogan.sqlite",
                "SELECT COUNT(*) FROM nodes WHERE consumable = 1 "
                "AND maintenance = 0 AND allocated = 0",
            )
            == count
        ),
        timeout,
    )
    return ModeResult(
        name=name,
        servers=count,
        post=posted,
        active=active,
        p50=statistics.median(latencies),
        p95=pct(latencies, 0.95),
        p100=max(latencies),
        workflows=(workflows - workflows0) / count,
        delete=deleted,
        reuse=reusable - gone,
    )


def ms(seconds: float, count: int) -> str:
    """Milliseconds per item."""
    return f"{1000 * seconds / count:8.2f}"


def report(
    args: argparse.Namespace,
    floor: dict[str, Cost],
    startup: tuple[float, float, float, float],
    results: list[ModeResult],
) -> None:
    """Print the table."""
    n = args.servers
    print()
    print(
        f"# provision benchmark: {n} servers, zero-delay fake fleet; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    print(
        f"# engine poll_interval={args.poll_interval} "
        f"hardware_poll_interval={args.hardware_poll_interval} "
        f"workers={args.workers} claim_retries={args.claim_retries or 'default'}; "
        f"batch={args.batch} concurrency={args.concurrency}"
    )
    print()
    print("## Floor: the same work without Mogan (this process)")
    print(f"{'phase':34} {'wall s':>8} {'items/s':>9} {'CPU ms/item':>12}")
    for phase, cost in floor.items():
        rate = n / cost.wall if cost.wall else float("inf")
        print(f"{phase:34} {cost.wall:8.2f} {rate:9.0f} {ms(cost.cpu, n):>12}")
    up, synced, cpu_up, cpu_synced = startup
    print()
    print("## Mogan all-in-one (subprocess)")
    print(f"start-up to API answering:         {up:8.2f} s  (CPU {cpu_up:.1f} s)")
    print(
        f"first sync of {n} nodes done:      {synced:8.2f} s after start "
        f"(CPU {cpu_synced:.1f} s; not in the figures below)"
    )
    print()
    header = (
        f"{'mode':22} {'POSTs s':>8} {'to ACTIVE s':>12} {'srv/s':>7} "
        f"{'CPU ms/srv':>11} {'p50 s':>7} {'p95 s':>7} {'max s':>7} "
        f"{'wf/srv':>7} {'delete s':>9} {'del CPU ms/srv':>15} {'reuse s':>8}"
    )
    print(header)
    for r in results:
        print(
            f"{r.name:22} {r.post:8.2f} {r.active.wall:12.2f} "
            f"{r.servers / r.active.wall:7.1f} {ms(r.active.cpu, r.servers):>11} "
            f"{r.p50:7.2f} {r.p95:7.2f} {r.p100:7.2f} {r.workflows:7.1f} "
            f"{r.delete.wall:9.2f} {ms(r.delete.cpu, r.servers):>15} {r.reuse:8.2f}"
        )
    deploy = floor["fake driver deploy"]
    claims = floor[f"placement claim, {args.batch} per POST"]
    teardown = floor["fake driver teardown"]
    releases = floor["placement release, 1 per DELETE"]
    print()
    print("## Ratios (Mogan / floor)")
    for r in results:
        floor_wall = deploy.wall + claims.wall
        floor_cpu = deploy.cpu + claims.cpu
        print(
            f"{r.name:22} create: wall x{r.active.wall / floor_wall:.0f}, "
            f"CPU x{r.active.cpu / floor_cpu:.0f} "
            f"(floor = driver deploy + {args.batch}-per-POST claims: "
            f"{floor_wall:.2f} s, {ms(floor_cpu, n).strip()} ms/srv); "
            f"delete: wall x{r.delete.wall / (teardown.wall + releases.wall):.0f}, "
            f"CPU x{r.delete.cpu / (teardown.cpu + releases.cpu):.0f} "
            "(floor = driver teardown + releases)"
        )


def make_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50, help="max_count per POST")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel POSTs")
    parser.add_argument(
        "--modes", default="batch,single", help="comma list of batch, single"
    )
    parser.add_argument("--poll-interval", type=float, default=0.1)
    parser.add_argument("--hardware-poll-interval", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument(
        "--claim-retries",
        type=int,
        help="[scheduler] claim_retries (default: Mogan's own default)",
    )
    parser.add_argument("--timeout", type=float, default=900, help="per phase, s")
    parser.add_argument("--state-dir", help="empty directory to use (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the state dir")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every verification passed."""
    parser = make_parser()
    args = parser.parse_args(argv)
    n = args.servers

    if args.state_dir:
        root = pathlib.Path(args.state_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
        if any(root.iterdir()):
            parser.error(f"{root} is not empty")
    else:
        root = pathlib.Path(tempfile.mkdtemp(prefix="mogan-bench-"))
    (root / "floor").mkdir()
    (root / "mogan").mkdir()
    mogan = Mogan(root / "mogan", args)
    try:
        print(f"-- floor: fake driver and Placement, {n} each ...", flush=True)
        deploy, teardown = floor_driver(root / "floor", n)
        floor = {"fake driver deploy": deploy, "fake driver teardown": teardown}
        for phase, cost in floor_placement(root / "floor", n, args.batch).items():
            floor[f"placement {phase}"] = cost
        print(f"-- mogan: starting with {n} fake nodes in {root} ...", flush=True)
        startup = start_mogan(mogan, n, args.timeout)
        refs = create_refs(mogan, n)
        results = []
        for mode in args.modes.split(","):
            if mode == "batch":
                label, per_post = f"batch ({args.batch}/POST)", args.batch
            elif mode == "single":
                label, per_post = f"single ({args.concurrency} par.)", 1
            else:
                parser.error(f"unknown mode {mode}")
            results.append(
                run_mode(
                    mogan, label, n, per_post, args.concurrency, refs, args.timeout
                )
            )
        report(args, floor, startup, results)
    except BenchError as err:
        print(f"FAILED: {err}", file=sys.stderr)
        print(f"(Mogan's log: {mogan.log})", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        mogan.stop()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
