"""Scheduling benchmark: placing one server per request on a 10,000-node fleet.

Run from the repository root::

    .venv/bin/python benchmarks/scheduling.py

What it does, all in one run on one machine (see docs/benchmarks.md):

1. Mogan (a child process per fleet size, see ``_sched_mogan``): a fleet of
   ``--nodes`` nodes, half ``CUSTOM_BM_GOLD`` and half ``CUSTOM_BM_SILVER``,
   ``CUSTOM_FPGA`` on 10% and ``CUSTOM_NVME`` on 50%, in Mogan's own view
   (its ``nodes`` / ``node_traits`` tables on SQLite) and in the embedded
   Placement (bulk-inserted into Placement's tables: the API takes about six
   minutes per 10,000 providers). Each request asks for one gold node, one
   in four also requires ``CUSTOM_FPGA``, and goes through
   ``mogan.scheduler.claims.select_and_claim`` at 1, 8 and 32 concurrent
   requesters. Placed per second and p50/p99 of one request.
2. The floors, same process, same fleet: a bare ``POST /allocations`` on a
   known-free provider; the same one requester alternating a bare claim and
   a Mogan request (both then see the same machine load: the latency ratio
   against the target comes from this); and raw Placement (``GET
   /allocation_candidates`` + ``POST /allocations``, retried on conflict)
   with no Mogan in between.
3. The peer: a real standalone Ironic (PyPI ``ironic``, fake hardware,
   SQLite) holding the same nodes, its allocation API ``POST
   /v1/allocations`` polled until ``active`` (see ``_sched_ironic``).
4. Mogan and the bare claim again at the ``--scales`` fleet sizes, to show
   whether decision latency stays flat as the fleet grows.

After every level: zero double booking is verified (every provider used at
most once, every consumer holds exactly one allocation, on the node
reported, of the asked class and traits; Ironic: no node in two
allocations), then everything is released. It prints a table per system and
the ratios against the targets, and exits non-zero when a phase failed.
"""

import argparse
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

import _sched_ironic
from _sched_common import FPGA_EVERY, Level, load_average, machine

HERE = pathlib.Path(__file__).resolve().parent
NAMES = {
    "claim": "bare Placement claim",
    "mogan": "Mogan select_and_claim",
    "pair-claim": "bare claim (interleaved)",
    "pair-mogan": "Mogan (interleaved)",
    "raw": "raw Placement cand.+claim",
    "ironic": "Ironic allocation API",
}


def run_child(
    args: argparse.Namespace, root: pathlib.Path, nodes: int, systems: str
) -> dict[str, Any]:
    """Run ``_sched_mogan`` for one fleet size in a fresh process; its JSON."""
    state = root / f"mogan-{nodes}"
    out = root / f"mogan-{nodes}.json"
    print(f"-- mogan/placement: {nodes} nodes ({systems}) ...", flush=True)
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run(  # noqa: S603 - our interpreter and our own helper
        [
            sys.executable,
            str(HERE / "_sched_mogan.py"),
            f"--nodes={nodes}",
            f"--systems={systems}",
            f"--concurrency={args.concurrency}",
            f"--requests={args.requests}",
            f"--raw-requests={args.raw_requests}",
            f"--level-seconds={args.level_seconds}",
            f"--state-dir={state}",
            f"--out={out}",
        ],
        env=env,
        stderr=(root / f"mogan-{nodes}.stderr").open("wb"),
        check=False,
    )
    if not out.exists():
        return {
            "nodes": nodes,
            "error": f"child exited with {proc.returncode}, see {root}",
            "levels": [],
        }
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def ms(seconds: float) -> str:
    """Seconds as milliseconds, or a dash."""
    return "-" if math.isnan(seconds) else f"{1000 * seconds:.1f}"


HEADER = (
    f"{'system':27} {'nodes':>6} {'conc':>4} {'sent':>5} {'placed':>6} "
    f"{'failed':>6} {'wall s':>7} {'placed/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'own p50':>7}"
)


def table(levels: list[Level]) -> None:
    """Print one row per level, then each level's notes and first errors."""
    print(HEADER)
    for lv in levels:
        print(
            f"{NAMES[lv.system]:27} {lv.nodes:6} {lv.concurrency:4} {lv.sent:5} "
            f"{lv.placed:6} {lv.failed:6} {lv.wall:7.2f} {lv.rate:8.1f} "
            f"{ms(lv.pct(0.5)):>8} {ms(lv.pct(0.99)):>8} {ms(lv.own_pct(0.5)):>7}"
        )
    for lv in levels:
        for note in [*lv.notes, *(f"error: {e}" for e in lv.errors[:2])]:
            print(f"  {lv.system}@{lv.concurrency}: {note}")


def ratio(a: float, b: float) -> str:
    """``a / b`` as ``x1.23`` (a dash when undefined)."""
    if not b or math.isnan(a) or math.isnan(b):
        return "-"
    return f"x{a / b:.2f}"


def header(args: argparse.Namespace, main_run: dict[str, Any], started: str) -> None:
    """Print what was run, where, and how."""
    print()
    print(
        f"# scheduling benchmark: {args.nodes} nodes, half CUSTOM_BM_GOLD, half "
        "CUSTOM_BM_SILVER, CUSTOM_FPGA on 10%, CUSTOM_NVME on 50%; each request "
        f"one gold node, 1 in {FPGA_EVERY} also requiring CUSTOM_FPGA"
    )
    print(
        f"# machine: {machine()}; load average (1, 5, 15 min) at start {started}, "
        f"at end {load_average()}"
    )
    if main_run.get("scheduler") == "view":
        kind = "candidates from Mogan's nodes view, Placement the claims ledger"
    else:
        kind = "BEFORE the view-based scheduler (allocation_candidates)"
    print(
        f"# Mogan scheduler: {kind}; claim_retries="
        f"{main_run.get('claim_retries')}, candidate_limit="
        f"{main_run.get('candidate_limit')}"
    )
    print(
        "# shortcut: the fleet is bulk-inserted into Placement's and Ironic's own "
        "tables (catalogue and first node through their APIs), then read back "
        "through the APIs"
    )
    print("# own p50: Mogan's latency minus its time in Placement claims")
    print(
        "# interleaved: one requester alternating a bare claim and a Mogan "
        "request (same load for both; '1 i.' below)"
    )


def systems(runs: list[dict[str, Any]]) -> tuple[dict[str, list[Level]], int]:
    """Print the notes and a table per system; levels by system and failures."""
    failures = 0
    by_system: dict[str, list[Level]] = {}
    for run in runs:
        for note in run.get("notes", []):
            print(f"# {note}")
        if run.get("error"):
            failures += 1
            print(f"# FAILED ({run.get('nodes')} nodes): {run['error']}")
        for data in run.get("levels", []):
            level = Level.from_json(data)
            by_system.setdefault(level.system, []).append(level)
    for system, name in NAMES.items():
        if by_system.get(system):
            print()
            print(f"## {name}")
            table(by_system[system])
            # NOTE: Ironic's failures are its measured behaviour; a failure
            # of the others means the run is not valid.
            if system != "ironic":
                failures += sum(lv.failed > 0 for lv in by_system[system])
    return by_system, failures


def ratios(nodes: int, by_system: dict[str, list[Level]]) -> None:
    """Print Mogan against Ironic, raw Placement and the bare claim."""
    by_conc = {
        system: {lv.concurrency: lv for lv in levels}
        for system, levels in by_system.items()
    }
    mogan = by_conc.get("mogan", {})
    print()
    print(f"## Ratios at {nodes} nodes (same run)")
    for other, what in (
        ("ironic", "Mogan / Ironic throughput (target >= 3x)"),
        ("raw", "Mogan / raw Placement throughput"),
    ):
        peer = by_conc.get(other, {})
        cells = [
            f"{c} conc. {ratio(mogan[c].rate, peer[c].rate)}"
            for c in mogan
            if c in peer
        ]
        if cells:
            print(f"{what:44} " + ", ".join(cells))
    for mine, other, what in (
        ("pair-mogan", "pair-claim", "Mogan latency / bare claim (target <= 1.5x)"),
        ("mogan", "claim", "same, from the separate levels"),
        ("mogan", "raw", "Mogan latency / raw candidates + claim"),
    ):
        one = by_conc.get(mine, {}).get(1)
        peer = by_conc.get(other, {}).get(1)
        if one and peer:
            print(
                f"{what:44} p50 {ratio(one.pct(0.5), peer.pct(0.5))}, "
                f"p99 {ratio(one.pct(0.99), peer.pct(0.99))} (one requester)"
            )


def growth(runs: list[dict[str, Any]]) -> int:
    """Print Mogan's figures per fleet size; the number of failed sizes."""
    failures = 0
    print()
    print("## Mogan as the fleet grows (decision + claim of one server)")
    print(
        f"{'nodes':>6} {'conc':>4} {'placed/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'own p50':>7} {'bare claim p50':>14} {'ratio p50':>9}"
    )
    for run in sorted(runs, key=lambda r: int(r["nodes"])):
        if run.get("error"):
            failures += 1
            print(f"{run['nodes']:6} FAILED: {run['error']}")
        levels = [Level.from_json(d) for d in run.get("levels", [])]
        bare = {(lv.system, lv.concurrency): lv for lv in levels}
        for lv in (lv for lv in levels if lv.system in {"mogan", "pair-mogan"}):
            peer = "claim" if lv.system == "mogan" else "pair-claim"
            base = bare.get((peer, lv.concurrency))
            base_p50 = base.pct(0.5) if base else math.nan
            conc = "1 i." if lv.system == "pair-mogan" else str(lv.concurrency)
            print(
                f"{run['nodes']:6} {conc:>4} {lv.rate:8.1f} "
                f"{ms(lv.pct(0.5)):>8} {ms(lv.pct(0.99)):>8} "
                f"{ms(lv.own_pct(0.5)):>7} {ms(base_p50):>14} "
                f"{ratio(lv.pct(0.5), base_p50):>9}"
            )
    for run in runs[1:]:
        levels = run.get("levels", [])
        verified = sum(
            any("every usage <= 1" in n for n in lv["notes"]) for lv in levels
        )
        for note in run.get("notes", []):
            print(f"# {run['nodes']}: {note}")
        print(f"# {run['nodes']}: {verified} of {len(levels)} levels verified")
    return failures


def report(args: argparse.Namespace, results: dict[str, Any], started: str) -> int:
    """Print every table and the ratios; the number of failed phases."""
    main_run = results["main"]
    header(args, main_run, started)
    print()
    by_system, failures = systems([main_run, results.get("ironic") or {}])
    ratios(args.nodes, by_system)
    failures += growth([main_run, *results.get("scales", [])])
    return failures


def make_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--nodes", type=int, default=10000, help="fleet size of the main run"
    )
    parser.add_argument(
        "--scales",
        default="1000,50000",
        help="extra fleet sizes for Mogan (comma list; '' for none)",
    )
    parser.add_argument(
        "--concurrency", default="1,8,32", help="concurrent requesters per level"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=300,
        help="requests per level (Mogan, bare claim)",
    )
    parser.add_argument(
        "--raw-requests",
        type=int,
        default=300,
        help="requests per level, raw Placement",
    )
    parser.add_argument(
        "--ironic-requests", type=int, default=300, help="requests per level, Ironic"
    )
    parser.add_argument(
        "--level-seconds",
        type=float,
        default=45,
        help="no new request starts after this",
    )
    parser.add_argument("--skip-ironic", action="store_true")
    parser.add_argument("--skip-raw", action="store_true")
    parser.add_argument(
        "--skip-mogan", action="store_true", help="only Ironic (debugging)"
    )
    parser.add_argument(
        "--ironic-nodes", type=int, help="Ironic's fleet size (default --nodes)"
    )
    parser.add_argument("--ironic-venv", default="~/.cache/mogan-bench/ironic-venv")
    parser.add_argument("--ironic-spec", default="ironic", help="what pip installs")
    parser.add_argument(
        "--ironic-poll",
        type=float,
        default=0.05,
        help="allocation poll interval with one requester, s (x concurrency)",
    )
    parser.add_argument(
        "--ironic-timeout", type=float, default=60, help="per allocation, s"
    )
    parser.add_argument("--state-dir", help="empty directory to use (default: temp)")
    parser.add_argument("--keep", action="store_true", help="keep the state dir")
    parser.add_argument("--json", help="also write every figure to this file")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every phase ran and verified."""
    parser = make_parser()
    args = parser.parse_args(argv)
    started = load_average()
    if args.state_dir:
        root = pathlib.Path(args.state_dir).resolve()
        root.mkdir(parents=True, exist_ok=True)
        if any(root.iterdir()):
            parser.error(f"{root} is not empty")
    else:
        root = pathlib.Path(tempfile.mkdtemp(prefix="mogan-sched-"))
    t0 = time.monotonic()
    results: dict[str, Any] = {}
    failures = 1
    try:
        systems = "claim,mogan,pair" + ("" if args.skip_raw else ",raw")
        results["main"] = (
            {"nodes": args.nodes, "levels": []}
            if args.skip_mogan
            else run_child(args, root, args.nodes, systems)
        )
        if not args.skip_ironic:
            results["ironic"] = _sched_ironic.run(args, root)
        results["scales"] = [
            run_child(args, root, int(n), "claim,mogan,pair")
            for n in args.scales.split(",")
            if n
        ]
        failures = report(args, results, started)
        print(f"\n# whole run: {time.monotonic() - t0:.0f} s")
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    finally:
        if failures:
            args.keep = True
            print(f"(state kept in {root})", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
