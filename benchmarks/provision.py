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

``--driver ironic`` (default 100 servers, batch mode) measures instead
Mogan + a real standalone Ironic (fake hardware) against Ironic alone
deploying the same nodes; see ``_provision_ironic.py``.

It prints a table and exits non-zero when a verification fails or a phase
times out. The subprocess is stopped and the state directory removed at the
end (``--keep`` keeps the directory for a post-mortem).
"""

import argparse
import os
import pathlib
import platform
import shutil
import sys
import tempfile

from _provision_common import (
    BenchError,
    Cost,
    floor_driver,
    floor_placement,
)
from _provision_mogan import (
    ModeResult,
    Mogan,
    create_refs,
    ms,
    result_line,
    results_header,
    run_mode,
    start_mogan,
)


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
    print(results_header())
    for r in results:
        print(result_line(r))
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
    parser.add_argument(
        "--driver",
        choices=("fake", "ironic"),
        default="fake",
        help="fake: zero-delay fake fleet; ironic: a real Ironic (fake hardware)",
    )
    parser.add_argument("--servers", type=int, help="default 500 (fake), 100 (ironic)")
    parser.add_argument("--batch", type=int, default=50, help="max_count per POST")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel POSTs")
    parser.add_argument(
        "--modes",
        help="comma list of batch, single (default: both (fake), batch (ironic))",
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


def parse_args(
    parser: argparse.ArgumentParser, argv: list[str] | None
) -> argparse.Namespace:
    """The command line, with the defaults that depend on ``--driver``."""
    args = parser.parse_args(argv)
    ironic = args.driver == "ironic"
    if args.servers is None:
        args.servers = 100 if ironic else 500
    if args.modes is None:
        args.modes = "batch" if ironic else "batch,single"
    if set(args.modes.split(",")) - {"batch", "single"}:
        parser.error(f"unknown mode in {args.modes}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every verification passed."""
    parser = make_parser()
    args = parse_args(parser, argv)
    ironic = args.driver == "ironic"
    n = args.servers

    if args.state_dir:
        root = pathlib.Path(args.state_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
        if any(root.iterdir()):
            parser.error(f"{root} is not empty")
    else:
        root = pathlib.Path(tempfile.mkdtemp(prefix="mogan-bench-"))
    (root / "mogan").mkdir()
    if ironic:
        return run_ironic(args, root)
    (root / "floor").mkdir()
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
            else:
                label, per_post = f"single ({args.concurrency} par.)", 1
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


def run_ironic(args: argparse.Namespace, root: pathlib.Path) -> int:
    """``--driver ironic``: Mogan + a real Ironic against Ironic alone."""
    # NOTE: imported here: it puts the repository root on sys.path for the
    # tests' Ironic harness, which the fake-driver run does not need.
    import _provision_ironic  # noqa: PLC0415

    try:
        _provision_ironic.run(args, root)
    except (
        BenchError,
        AssertionError,
        _provision_ironic.support.IronicUnavailable,
    ) as err:
        print(f"FAILED: {err}", file=sys.stderr)
        print(f"(logs under {root})", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
