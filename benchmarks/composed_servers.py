"""Composition benchmark: N composed servers through Mogan against the bare emulator.

Run from the repository root::

    .venv/bin/python benchmarks/composed_servers.py --systems 20 --delays 0.5,1,0.5

In one run, on one emulator (the test suite's sushy-tools with the team's
CompositionService, ``tests/redfish/support.py``) serving a pool of N
Compute blocks in one zone, whose power changes take POWER seconds, boots
BOOT seconds more and compositions COMPOSE seconds:

1. The peer (``_composed_peer.py``), the emulator's own compose + boot
   with no Mogan: every system composed from one Compute block (``POST
   /redfish/v1/Systems`` with ``Links.ResourceBlocks``), awaited composed,
   given the image and a config drive as virtual media, booted once from
   the CD and awaited booted; then torn down (eject, off), decomposed
   (``DELETE``) and awaited until its block is ``Unused``.
2. Mogan (``_composed_mogan.py``): ``mogan-all-in-one`` on the redfish
   driver, the service registered through the API, a composable flavor,
   N servers by one multi-create request awaited ACTIVE (checked on the
   emulator: N composed systems, each on and booted from its CD with the
   image, Mogan's config drive on the ``Floppy``, no block in two
   systems); deleted and awaited until every block is free in Mogan's view
   (checked on the emulator: no composed system left, every block
   ``Unused``).
3. The peer again, after Mogan stopped.

Columns as in ``redfish_servers.py``: wall time, servers per second,
per-server latencies, Redfish requests per server the emulator served,
the side's CPU and the emulator's per server. Exits non-zero when a phase
or a check fails. Not part of the test suite.
"""

import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

import _composed_mogan as cm
import _redfish_mogan as rm
from _composed_peer import ComposingPeer, Composition
from _provision_common import BenchError, wait_until
from _redfish_peer import Timing
from redfish_servers import bmc_requests, emulator_cpu, on_emulator, row

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.redfish import files, specs, support  # noqa: E402 - after the path is set

ZONE = "zone-a"
CORES = 16
MEMORY_GIB = 64


def make_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=20, help="systems = servers")
    parser.add_argument(
        "--delays",
        default="0.5,1,0.5",
        help="emulator delays POWER,BOOT,COMPOSE in seconds (default 0.5,1,0.5)",
    )
    parser.add_argument("--poll-interval", type=float, default=0.1)
    parser.add_argument(
        "--hardware-poll-interval",
        type=float,
        default=0.2,
        help="Mogan's deploy/compose polls; the peer polls as often",
    )
    parser.add_argument("--workers", type=int, default=16, help="[engine] workers")
    parser.add_argument("--sync-interval", type=int, help="[engine] sync intervals")
    parser.add_argument("--timeout", type=float, default=300, help="per phase, s")
    parser.add_argument("--keep", action="store_true", help="keep the state dir")
    parser.set_defaults(profile=False)
    return parser


def parse_delays(parser: argparse.ArgumentParser, text: str) -> dict[str, float]:
    """POWER,BOOT,COMPOSE seconds."""
    try:
        power, boot, compose = (float(part) for part in text.split(","))
    except ValueError:
        parser.error(f"--delays: expected POWER,BOOT,COMPOSE seconds, got {text!r}")
    if min(power, boot, compose) < 0:
        parser.error("--delays: seconds must be >= 0")
    return {"power": power, "boot": boot, "compose": compose}


def make_pool(n: int) -> dict[str, object]:
    """N Compute blocks in one zone (one per system)."""
    blocks = [
        specs.compute_block(
            f"{ZONE}-compute-{i}", ZONE, cores=CORES, memory_gib=MEMORY_GIB
        )
        for i in range(n)
    ]
    return specs.pool(blocks)


def check_composed(emulator: support.Emulator, n: int, image: str, config: str) -> None:
    """N composed systems, each on and booted from its CD, no block shared."""
    systems = emulator.systems()
    if len(systems) != n:
        raise BenchError(f"{len(systems)} composed systems, {n} expected")
    pool = emulator.pool() or {}
    holders = [
        b.get("system") for b in (pool.get("blocks") or {}).values() if b.get("system")
    ]
    if len(holders) != len(set(holders)) or len(holders) != n:
        raise BenchError(f"blocks in systems: {holders}")
    for system in systems:
        seen = emulator.system(system.uuid)
        boot = seen.get("last_boot") or {}
        if (
            seen["power_state"] != "On"
            or boot.get("device") != "Cd"
            or boot.get("image") != image
            or config not in (seen["media"]["Floppy"]["image"] or "")
        ):
            raise BenchError(f"{system.name}: not deployed: {seen['power_state']}")


def check_decomposed(emulator: support.Emulator) -> None:
    """No composed system left; every block Unused."""
    if emulator.systems():
        raise BenchError(f"systems left: {len(emulator.systems())}")
    pool = emulator.pool() or {}
    busy = [
        b for b, v in (pool.get("blocks") or {}).items() if v.get("state") != "Unused"
    ]
    if busy:
        raise BenchError(f"blocks not free: {busy[:3]}")


def run_peer(
    args: argparse.Namespace,
    emulator: support.Emulator,
    server: files.FileServer,
    delays: dict[str, float],
    label: str,
) -> tuple[Timing, Timing]:
    """The peer once, on a freshly reset emulator: compose+boot, then decompose."""
    emulator.reset(systems=(), pool=make_pool(args.systems), delays=delays)
    image = server.url + "/images/bench.iso"
    items = [
        Composition(
            f"peer-{i:02d}",
            (f"{ZONE}-compute-{i}",),
            image,
            server.url + f"/config/c{i:02d}.iso",
        )
        for i in range(args.systems)
    ]
    peer = ComposingPeer(
        emulator.sushy(), args.workers, args.hardware_poll_interval, args.timeout
    )
    print(f"-- peer ({label}): composing {len(items)} systems ...", flush=True)
    bmc0 = emulator_cpu(emulator)
    up = peer.run_compositions(items, "compose")
    up.bmc_cpu, up.requests = emulator_cpu(emulator) - bmc0, bmc_requests(emulator)
    check_composed(emulator, args.systems, image, "/config/")
    print(f"   all booted after {up.wall:.2f} s; decomposing ...", flush=True)
    bmc0 = emulator_cpu(emulator)
    down = peer.run_compositions(items, "decompose")
    down.bmc_cpu = emulator_cpu(emulator) - bmc0
    down.requests = bmc_requests(emulator) - up.requests
    check_decomposed(emulator)
    return up, down


def run_mogan(
    args: argparse.Namespace,
    emulator: support.Emulator,
    server: files.FileServer,
    delays: dict[str, float],
    state: pathlib.Path,
) -> tuple[Timing, Timing, float, float]:
    """Mogan once: start, register the service, create, delete."""
    n = args.systems
    emulator.reset(systems=(), pool=make_pool(n), delays=delays)
    mogan = rm.make_mogan(state, args)
    image = server.url + "/images/bench.iso"
    try:
        t0 = time.monotonic()
        mogan.start()
        started = wait_until("the API", mogan.api_up, args.timeout, 0.1) - t0
        print(f"-- mogan: up after {started:.1f} s; registering ...", flush=True)
        registered = cm.register(mogan, emulator, n, args.timeout)
        refs = cm.create_refs(mogan, image, CORES, MEMORY_GIB * 1024)
        before = bmc_requests(emulator)
        print(f"-- mogan: creating {n} composed servers (one POST) ...", flush=True)
        cpu0, bmc0 = mogan.cpu(), emulator_cpu(emulator)
        create = cm.create(mogan, refs, n, args.timeout)
        create.cpu, create.bmc_cpu = mogan.cpu() - cpu0, emulator_cpu(emulator) - bmc0
        created = bmc_requests(emulator)
        create.requests = created - before
        check_composed(emulator, n, image, "/deploy_media/")
        print(f"   all ACTIVE after {create.wall:.2f} s; deleting ...", flush=True)
        cpu0, bmc0 = mogan.cpu(), emulator_cpu(emulator)
        delete = cm.delete(mogan, n, n, args.timeout)
        delete.cpu, delete.bmc_cpu = mogan.cpu() - cpu0, emulator_cpu(emulator) - bmc0
        delete.requests = bmc_requests(emulator) - created
        check_decomposed(emulator)
    except BenchError:
        print(f"(Mogan's log: {mogan.log})", file=sys.stderr)
        raise
    finally:
        mogan.stop()
    return create, delete, started, registered


def report(
    args: argparse.Namespace,
    delays: dict[str, float],
    peers: list[tuple[Timing, Timing]],
    mogan: tuple[Timing, Timing, float, float],
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    """Print the table and the ratios."""
    n = args.systems
    create, delete, started, registered = mogan
    print()
    print(
        f"# composition benchmark: {n} composed systems (one Compute block each) on "
        f"one sushy-tools {support.VERSION} emulator with the team's "
        f"CompositionService; delays power {delays['power']} s, boot "
        f"{delays['boot']} s, compose {delays['compose']} s; {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )
    print(
        f"# engine workers={args.workers} poll_interval={args.poll_interval} "
        f"hardware_poll_interval={args.hardware_poll_interval}; peer: "
        f"{args.workers} conversations at a time, polls every "
        f"{args.hardware_poll_interval} s"
    )
    start, end = (" ".join(f"{x:.2f}" for x in avg) for avg in load)
    print(f"# load average at start {start}, at end {end}")
    print(
        f"Mogan start-up {started:.2f} s; service registered to {n} blocks free "
        f"{registered:.2f} s (not in the figures below)"
    )
    print()
    print(
        f"{'side':22} {'phase':9} {'wall s':>8} {'srv/s':>7} {'p50 s':>7} "
        f"{'p95 s':>7} {'max s':>7} {'BMC req/srv':>12} {'CPU ms/srv':>11} "
        f"{'emu ms/srv':>11}"
    )
    for index, (up, down) in enumerate(peers):
        label = f"peer: bare emulator #{index + 1}"
        print(row(label, "compose", up, n))
        print(row(label, "decompose", down, n))
    print(row("Mogan (1 POST)", "create", create, n))
    print(row("Mogan (1 POST)", "delete", delete, n))
    print()
    print("## Mogan / peer (peer = mean of its runs)")
    for phase, mine, index in (
        ("create -> all ACTIVE", create, 0),
        ("delete -> all free", delete, 1),
    ):
        wall = statistics.mean(p[index].wall for p in peers)
        p50 = statistics.mean(p[index].p50 for p in peers)
        print(
            f"{phase:24} wall x{mine.wall / wall:.2f} "
            f"({mine.wall:.2f} s / {wall:.2f} s), p50 x{mine.p50 / p50:.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every phase and check passed."""
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.systems < 1:
        parser.error("--systems must be at least 1")
    delays = parse_delays(parser, args.delays)
    load0 = os.getloadavg()

    def run(
        emulator: support.Emulator, server: files.FileServer, root: pathlib.Path
    ) -> None:
        peers = [run_peer(args, emulator, server, delays, "before Mogan")]
        mogan = run_mogan(args, emulator, server, delays, root / "mogan")
        peers.append(run_peer(args, emulator, server, delays, "after Mogan"))
        report(args, delays, peers, mogan, (load0, os.getloadavg()))

    configs = [f"c{i:02d}" for i in range(args.systems)]
    return on_emulator(args, "mogan-compose-bench-", configs, run)


if __name__ == "__main__":
    sys.exit(main())
