"""Redfish benchmark: N servers on Redfish nodes against bare sushy calls.

Run from the repository root::

    .venv/bin/python benchmarks/redfish_servers.py --systems 20 --delays 0.5,1

In one run, on one sushy-tools emulator (the test suite's harness,
``tests/redfish/support.py``) serving N systems whose power changes take
``--delays`` POWER seconds and whose boots take BOOT seconds more:

1. The peer, bare sushy (``_redfish_peer.py``): every system gets the image
   ISO and a config-drive ISO as virtual media (both from a ``FileServer``),
   a one-time boot override to ``Cd`` and ``Reset On``, and is polled until
   it reports booted by the driver's rule; then media ejected, ``ForceOff``,
   polled until off. ``[engine] workers`` BMC conversations at a time.
2. Mogan (``_redfish_mogan.py``): ``mogan-all-in-one`` with ``[engine]
   driver = redfish``; the systems enrolled through the API; N servers
   created by one multi-create request from the ISO image, awaited ACTIVE,
   checked on the emulator (each system on, booted from the CD with the
   image, Mogan's config drive on the ``Floppy``); deleted and awaited until
   every node is consumable again, checked (off, no media).
3. The peer again, after Mogan stopped, so that a change of the machine's
   load shows.

The emulator is reset before each side (its request log too: ``BMC req``
is how many Redfish requests each side made, periodic syncs included for
Mogan). ``CPU ms/srv`` is the side's CPU (the all-in-one process; for the
peer this process, whose file server also serves the ISOs) and ``emu
ms/srv`` the emulator's, per server over the phase. ``--profile`` runs the
all-in-one under yappi over create and delete (``_profiled_aio.py``). It
prints a table and Mogan's ratio to the peer (the mean of its
two runs), and exits non-zero when a phase fails or a check does not hold.
Not part of the test suite.
"""

import argparse
import dataclasses
import json
import os
import pathlib
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

import _redfish_mogan as rm
import psutil
from _provision_common import BenchError, wait_until
from _redfish_peer import Peer, Target, Timing

ROOT = pathlib.Path(__file__).resolve().parent.parent
# NOTE: the emulator is the test suite's harness (what the tests prove);
# imported the way tools/redfish-dev does.
sys.path.insert(0, str(ROOT))
from tests.redfish import files, specs, support  # noqa: E402 - after the path is set

# NOTE: a config-drive-sized ISO labelled config-2; the emulator only
# downloads it, so flat names (files.make_iso makes no directories) do.
CONFIG_DRIVE = {
    "meta_data.json": b'{"uuid": "peer", "hostname": "peer"}\n',
    "network_data.json": b'{"links": [], "networks": []}\n',
}


def make_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", type=int, default=20, help="systems = servers")
    parser.add_argument(
        "--delays",
        default="0.5,1",
        help="emulator delays POWER,BOOT in seconds (default 0.5,1)",
    )
    parser.add_argument("--poll-interval", type=float, default=0.1)
    parser.add_argument(
        "--hardware-poll-interval",
        type=float,
        default=0.2,
        help="Mogan's deploy/teardown polls; the peer polls as often",
    )
    parser.add_argument(
        "--workers", type=int, default=16, help="[engine] workers (Mogan's default)"
    )
    parser.add_argument(
        "--sync-interval",
        type=int,
        help=(
            "[engine] sync_nodes_interval and sync_power_state_interval "
            "(default: Mogan's own, 10 and 60 s)"
        ),
    )
    parser.add_argument("--timeout", type=float, default=300, help="per phase, s")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=(
            "profile Mogan (yappi, CPU) over create and delete into "
            "profile.pstat in the kept state dir (needs yappi installed)"
        ),
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the state dir (Mogan's log, its BMC requests in order)",
    )
    return parser


def parse_delays(parser: argparse.ArgumentParser, text: str) -> tuple[float, float]:
    """POWER,BOOT seconds."""
    try:
        power, boot = (float(part) for part in text.split(","))
    except ValueError:
        parser.error(f"--delays: expected POWER,BOOT seconds, got {text!r}")
    if power < 0 or boot < 0:
        parser.error("--delays: seconds must be >= 0")
    return power, boot


def emulator_cpu(emulator: support.Emulator) -> float:
    """CPU seconds (user + system) the emulator process has used so far."""
    assert emulator.process.proc is not None  # noqa: S101 - started first
    times = psutil.Process(emulator.process.proc.pid).cpu_times()
    return float(times.user + times.system)


def bmc_requests(emulator: support.Emulator) -> int:
    """Redfish requests the emulator served since its last reset."""
    return len(emulator.requests())


def check_deployed(
    emulator: support.Emulator, systems: list[support.System], image: str, config: str
) -> None:
    """Every system on, booted from its CD with ``image``, ``config`` in Floppy."""
    problems = []
    for system in systems:
        seen = emulator.system(system.uuid)
        boot = seen.get("last_boot") or {}
        if (
            seen["power_state"] != "On"
            or boot.get("device") != "Cd"
            or boot.get("image") != image
            or config not in (seen["media"]["Floppy"]["image"] or "")
        ):
            problems.append(
                f"{system.name}: power {seen['power_state']}, boot {boot}, "
                f"floppy {seen['media']['Floppy']['image']}"
            )
    if problems:
        raise BenchError("not deployed: " + "; ".join(problems[:3]))


def check_torn_down(emulator: support.Emulator, systems: list[support.System]) -> None:
    """Every system off with no medium inserted."""
    for system in systems:
        seen = emulator.system(system.uuid)
        media = seen["media"]
        if seen["power_state"] != "Off" or any(m["inserted"] for m in media.values()):
            raise BenchError(f"{system.name} not torn down: {seen['power_state']}")


@dataclasses.dataclass
class Setup:
    """What both sides share: the emulator, its systems, the file server."""

    args: argparse.Namespace
    emulator: support.Emulator
    specs: list[dict[str, object]]
    delays: dict[str, float]
    server: files.FileServer

    def reset(self) -> list[support.System]:
        """The emulator as new: the systems, the delays, no requests logged."""
        return self.emulator.reset(systems=self.specs, delays=self.delays)


def run_peer(setup: Setup, label: str) -> tuple[Timing, Timing]:
    """The peer once, on a freshly reset emulator: deploy, then teardown."""
    args, emulator, server = setup.args, setup.emulator, setup.server
    systems = setup.reset()
    image = server.url + "/images/bench.iso"
    targets = [
        Target(s.path, image, server.url + f"/config/{s.name}.iso") for s in systems
    ]
    peer = Peer(
        emulator.sushy(), args.workers, args.hardware_poll_interval, args.timeout
    )
    print(f"-- peer ({label}): deploying {len(systems)} systems ...", flush=True)
    bmc0 = emulator_cpu(emulator)
    deploy = peer.run(targets, "deploy")
    bmc1 = emulator_cpu(emulator)
    deploy.requests, deploy.bmc_cpu = bmc_requests(emulator), bmc1 - bmc0
    check_deployed(emulator, systems, image, "/config/")
    print(f"   all booted after {deploy.wall:.2f} s; tearing down ...", flush=True)
    bmc0 = emulator_cpu(emulator)
    teardown = peer.run(targets, "teardown")
    teardown.bmc_cpu = emulator_cpu(emulator) - bmc0
    teardown.requests = bmc_requests(emulator) - deploy.requests
    check_torn_down(emulator, systems)
    return deploy, teardown


def run_mogan(setup: Setup, state: pathlib.Path) -> tuple[Timing, Timing, float, float]:
    """Mogan once: start, enrol, create, delete.

    Returns:
        The create and delete timings, the seconds to start and to enrol
        (not in the figures).
    """
    args, emulator, server = setup.args, setup.emulator, setup.server
    systems = setup.reset()
    mogan = rm.make_mogan(state, args)
    n = len(systems)
    try:
        t0 = time.monotonic()
        mogan.start()
        started = wait_until("the API", mogan.api_up, args.timeout, 0.1) - t0
        print(
            f"-- mogan: up after {started:.1f} s; enrolling {n} nodes ...", flush=True
        )
        enrolled = rm.enrol(mogan, emulator, systems, args.timeout)
        refs = rm.create_refs(mogan, server.url + "/images/bench.iso", n)
        before = bmc_requests(emulator)
        print(f"-- mogan: creating {n} servers (one POST) ...", flush=True)
        if args.profile:
            mogan.profile(on=True)
        cpu0, bmc0 = mogan.cpu(), emulator_cpu(emulator)
        create, nodes = rm.create(mogan, refs, n, args.timeout)
        create.cpu, create.bmc_cpu = mogan.cpu() - cpu0, emulator_cpu(emulator) - bmc0
        created = bmc_requests(emulator)
        create.requests = created - before
        check_deployed(
            emulator, systems, server.url + "/images/bench.iso", "/deploy_media/"
        )
        print(f"   all ACTIVE after {create.wall:.2f} s; deleting ...", flush=True)
        cpu0, bmc0 = mogan.cpu(), emulator_cpu(emulator)
        delete = rm.delete(mogan, list(nodes), n, args.timeout)
        delete.cpu, delete.bmc_cpu = mogan.cpu() - cpu0, emulator_cpu(emulator) - bmc0
        if args.profile:
            mogan.profile(on=False)
        delete.requests = bmc_requests(emulator) - created
        if args.keep:
            # NOTE: for a post-mortem: what Mogan asked the BMCs, in order.
            seen = emulator.requests()
            log = json.dumps(
                {
                    "enrol": seen[:before],
                    "create": seen[before:created],
                    "delete": seen[created:],
                },
                indent=0,
            )
            (state / "bmc-requests.json").write_text(log)
        check_torn_down(emulator, systems)
    except BenchError:
        print(f"(Mogan's log: {mogan.log})", file=sys.stderr)
        raise
    finally:
        mogan.stop()
    return create, delete, started, enrolled


def row(label: str, phase: str, t: Timing, n: int) -> str:
    """One line of the table."""
    return (
        f"{label:22} {phase:9} {t.wall:8.2f} {n / t.wall:7.2f} {t.p50:7.2f} "
        f"{t.p95:7.2f} {max(t.latencies):7.2f} {t.requests / n:12.1f} "
        f"{1000 * t.cpu / n:11.1f} {1000 * t.bmc_cpu / n:11.1f}"
    )


def report(
    args: argparse.Namespace,
    delays: dict[str, float],
    peers: list[tuple[Timing, Timing]],
    mogan: tuple[Timing, Timing, float, float],
    load: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    """Print the table and the ratios."""
    n = args.systems
    create, delete, started, enrolled = mogan
    print()
    print(
        f"# redfish benchmark: {n} systems on one sushy-tools {support.VERSION} "
        f"emulator; delays power {delays['power']} s, boot {delays['boot']} s; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )
    print(
        f"# engine workers={args.workers} poll_interval={args.poll_interval} "
        f"hardware_poll_interval={args.hardware_poll_interval} "
        f"sync intervals={args.sync_interval or 'default'}; peer: {args.workers} BMC "
        f"conversations at a time, polls every {args.hardware_poll_interval} s"
    )
    start, end = (" ".join(f"{x:.2f}" for x in avg) for avg in load)
    print(f"# load average at start {start}, at end {end}")
    print(
        f"Mogan start-up {started:.2f} s; enrolment of {n} nodes through the API "
        f"to all consumable {enrolled:.2f} s (not in the figures below)"
    )
    print()
    print(
        f"{'side':22} {'phase':9} {'wall s':>8} {'srv/s':>7} {'p50 s':>7} "
        f"{'p95 s':>7} {'max s':>7} {'BMC req/srv':>12} {'CPU ms/srv':>11} "
        f"{'emu ms/srv':>11}"
    )
    for index, (deploy, teardown) in enumerate(peers):
        label = f"peer: bare sushy #{index + 1}"
        print(row(label, "deploy", deploy, n))
        print(row(label, "teardown", teardown, n))
    print(row("Mogan (1 POST)", "create", create, n))
    print(row("Mogan (1 POST)", "delete", delete, n))
    deploy_wall = statistics.mean(p[0].wall for p in peers)
    teardown_wall = statistics.mean(p[1].wall for p in peers)
    deploy_p50 = statistics.mean(p[0].p50 for p in peers)
    teardown_p50 = statistics.mean(p[1].p50 for p in peers)
    print()
    print("## Mogan / peer (peer = mean of its runs)")
    for phase, mine, wall, p50 in (
        ("create -> all ACTIVE", create, deploy_wall, deploy_p50),
        ("delete -> all free", delete, teardown_wall, teardown_p50),
    ):
        print(
            f"{phase:24} wall x{mine.wall / wall:.2f} "
            f"({mine.wall:.2f} s / {wall:.2f} s), p50 x{mine.p50 / p50:.2f}"
        )


def on_emulator(
    args: argparse.Namespace,
    prefix: str,
    configs: list[str],
    run: Callable[[support.Emulator, files.FileServer, pathlib.Path], None],
) -> int:
    """``run(emulator, files, root)`` with an emulator and the ISOs served.

    The file server holds the image ISO and one config-drive ISO per name
    in ``configs``; ``root`` has ``emulator`` and ``mogan`` directories,
    removed afterwards unless ``args.keep`` (or a failure). 0 when ``run``
    passed, 1 (after saying why) when it did not.
    """
    root = pathlib.Path(tempfile.mkdtemp(prefix=prefix))
    (root / "emulator").mkdir()
    (root / "mogan").mkdir()
    server = files.FileServer()
    emulator = None
    try:
        server.add_iso("images/bench.iso", label="BENCH")
        for name in configs:
            server.add_iso(f"config/{name}.iso", CONFIG_DRIVE, label="config-2")
        emulator = support.Emulator(root / "emulator", systems=())
        print(f"-- emulator up after {emulator.start():.1f} s", flush=True)
        run(emulator, server, root)
    except (BenchError, support.EmulatorUnavailable, AssertionError) as err:
        print(f"FAILED: {err}", file=sys.stderr)
        print(f"(logs under {root})", file=sys.stderr)
        args.keep = True
        return 1
    finally:
        if emulator is not None:
            emulator.close_clients()
            emulator.stop()
        server.stop()
        if args.keep:
            print(f"(state kept in {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every phase and check passed."""
    parser = make_parser()
    args = parser.parse_args(argv)
    args.keep = args.keep or args.profile
    if args.systems < 1:
        parser.error("--systems must be at least 1")
    power, boot = parse_delays(parser, args.delays)
    delays = {"power": power, "boot": boot}
    specs_ = [specs.system(f"rf-bench-{i:02d}") for i in range(args.systems)]
    load0 = os.getloadavg()

    def run(
        emulator: support.Emulator, server: files.FileServer, root: pathlib.Path
    ) -> None:
        setup = Setup(args, emulator, specs_, delays, server)
        peers = [run_peer(setup, "before Mogan")]
        mogan = run_mogan(setup, root / "mogan")
        peers.append(run_peer(setup, "after Mogan"))
        report(args, delays, peers, mogan, (load0, os.getloadavg()))

    return on_emulator(args, "mogan-rf-bench-", [spec["name"] for spec in specs_], run)


if __name__ == "__main__":
    sys.exit(main())
