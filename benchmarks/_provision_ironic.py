"""Provisioning benchmark ``--driver ironic``: Mogan + a real Ironic, Ironic alone.

A real standalone Ironic (fake hardware; the test suite's harness,
``tests/ironic/support.py``) with N enrolled nodes of one resource class.

1. The peer, Ironic alone: for every node, PATCH ``instance_uuid`` and
   ``instance_info`` (what Mogan's driver sets for a whole-disk image) and
   PUT provision ``active`` with a config drive (an ISO built beforehand,
   the form Mogan sends), ``--concurrency`` nodes at a time; poll ``GET
   /v1/nodes`` until all are ``active``. Then undeploy them all and wait
   until every node is ``available`` again, so Mogan starts from a free fleet.
2. Mogan: ``mogan-all-in-one`` with ``[engine] driver = ironic`` pointed at
   that Ironic; once its node sync made the N nodes consumable, the same
   batch mode as the fake benchmark (``run_mode``), verified on the Ironic
   side too (every node ``active`` with ``instance_uuid`` = its server, then
   ``available`` with none).
"""

import argparse
import dataclasses
import json
import pathlib
import statistics
import sys
import time
import uuid
from concurrent import futures
from typing import Any

import psutil
from _provision_common import (
    IMAGE_URL,
    RESOURCE_CLASS,
    BenchError,
    Cost,
    pct,
    wait_until,
)
from _provision_mogan import (
    ModeResult,
    Mogan,
    create_refs,
    mogan_side_problems,
    ms,
    result_line,
    results_header,
    run_mode,
)

from mogan.drivers import ironic_configdrive

ROOT = pathlib.Path(__file__).resolve().parent.parent
# NOTE: the harness is the tests' own (so what is measured is what the
# tests prove); it is imported the way tools/ironic-dev does.
sys.path.insert(0, str(ROOT))
from tests.ironic import support  # noqa: E402 - after the path is set

ACCEPTED = 202
MAC_BASE = 0x5254_0000_0000


@dataclasses.dataclass
class Alone:
    """Ironic alone's figures: deploy and undeploy of the same N nodes."""

    deploy: Cost
    p50: float
    p95: float
    p100: float
    undeploy: Cost


class IronicProc:
    """The harness's Ironic plus the CPU counter of its process tree."""

    def __init__(self, state: pathlib.Path) -> None:
        """Configure and start Ironic; ``self.up`` is the seconds it took."""
        self.ironic = support.Ironic(state)
        self.up = self.ironic.start()
        assert self.ironic.process.proc is not None  # noqa: S101 - just started
        self.ps = psutil.Process(self.ironic.process.proc.pid)

    def cpu(self) -> float:
        """CPU seconds of Ironic's processes (launcher, API and conductor)."""
        total = 0.0
        for proc in [self.ps, *self.ps.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.NoSuchProcess:
                continue
            total += times.user + times.system
        return total

    def states(self) -> dict[str, str]:
        """The bench nodes' provision states by uuid (one list call)."""
        listed = self.ironic.call(
            "GET",
            "/v1/nodes?fields=uuid,provision_state,target_provision_state"
            f"&resource_class={RESOURCE_CLASS}&limit=1000",
        )["nodes"]
        return {
            n["uuid"]: n["provision_state"]
            + ("+" if n["target_provision_state"] else "")
            for n in listed
        }


def enroll(ironic: support.Ironic, count: int, concurrency: int) -> list[str]:
    """``count`` available nodes of the bench resource class, one port each."""

    def one(i: int) -> str:
        mac = f"{MAC_BASE + i:012x}"
        return ironic.enroll(
            name=f"bench-{i:05d}",
            resource_class=RESOURCE_CLASS,
            ports=(":".join(mac[k : k + 2] for k in range(0, 12, 2)),),
            properties={"cpus": 8, "memory_mb": 32768, "local_gb": 240},
        )

    with futures.ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def ironic_alone(
    proc: IronicProc, nodes: list[str], concurrency: int, timeout: float
) -> Alone:
    """Deploy then undeploy ``nodes`` through Ironic's API alone."""
    ironic = proc.ironic
    drives = {
        node: ironic_configdrive.build_iso(
            {
                "openstack/latest/meta_data.json": json.dumps(
                    {"uuid": node, "hostname": f"alone-{node[:8]}", "name": node}
                )
            }
        )
        for node in nodes
    }
    sent: dict[str, float] = {}
    done: dict[str, float] = {}

    def deploy(node: str) -> None:
        sent[node] = time.monotonic()
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [
                {"op": "add", "path": "/instance_uuid", "value": str(uuid.uuid4())},
                {
                    "op": "add",
                    "path": "/instance_info/image_source",
                    "value": IMAGE_URL,
                },
                {
                    "op": "add",
                    "path": "/instance_info/image_disk_format",
                    "value": "qcow2",
                },
                {
                    "op": "add",
                    "path": "/instance_info/image_type",
                    "value": "whole-disk",
                },
            ],
        )
        ironic.call(
            "PUT",
            f"/v1/nodes/{node}/states/provision",
            {"target": "active", "configdrive": drives[node]},
            ok=ACCEPTED,
        )

    def reached(state: str) -> bool:
        now = time.monotonic()
        states = proc.states()
        for node in nodes:
            if states.get(node) == state and node not in done:
                done[node] = now
            elif states.get(node) in {"deploy failed", "error", "clean failed"}:
                msg = f"Ironic alone: node {node} is {states[node]}"
                raise BenchError(msg)
        return len(done) == len(nodes)

    wall0, cpu0 = time.monotonic(), proc.cpu()
    with futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(deploy, nodes))
    at = wait_until(
        f"{len(nodes)} Ironic nodes active", lambda: reached("active"), timeout
    )
    deployed = Cost(at - wall0, proc.cpu() - cpu0)
    latencies = [done[n] - sent[n] for n in nodes]

    def undeploy(node: str) -> None:
        ironic.call(
            "PUT",
            f"/v1/nodes/{node}/states/provision",
            {"target": "deleted"},
            ok=ACCEPTED,
        )

    done.clear()
    wall0, cpu0 = time.monotonic(), proc.cpu()
    with futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(undeploy, nodes))
    at = wait_until(
        f"{len(nodes)} Ironic nodes available", lambda: reached("available"), timeout
    )
    undeployed = Cost(at - wall0, proc.cpu() - cpu0)
    return Alone(
        deploy=deployed,
        p50=statistics.median(latencies),
        p95=pct(latencies, 0.95),
        p100=max(latencies),
        undeploy=undeployed,
    )


def mogan_conf(url: str) -> tuple[str, str]:
    """The ``[engine]`` lines and the ``[ironic]`` section pointing at ``url``."""
    engine = (
        "driver = ironic\n"
        "sync_nodes_interval = 1\n"
        "deploy_timeout = 600\n"
        "clean_timeout = 600\n"
    )
    section = (
        "[ironic]\n"
        "auth_type = none\n"
        f"endpoint_override = {url}\n"
        "api_retry_interval = 0.05\n"
        "api_max_retries = 20\n"
    )
    return engine, section


def start_mogan(mogan: Mogan, count: int, timeout: float) -> tuple[float, float]:
    """Start Mogan; seconds to the API and to ``count`` consumable nodes."""
    t0 = time.monotonic()
    mogan.start()
    up = wait_until("the API", mogan.api_up, timeout, interval=0.1) - t0

    def synced() -> bool:
        mogan.alive()
        nodes = mogan.count(
            "mogan.sqlite", "SELECT COUNT(*) FROM nodes WHERE consumable = 1"
        )
        providers = mogan.count(
            "placement.sqlite", "SELECT COUNT(*) FROM resource_providers"
        )
        return nodes == providers == count

    return up, wait_until(f"{count} nodes synced", synced, timeout, 0.2) - t0


def verifiers(proc: IronicProc) -> tuple[Any, Any]:
    """``run_mode``'s checks for the Ironic mode (after ACTIVE, after delete)."""
    ironic = proc.ironic

    def nodes_by_instance() -> dict[str, dict[str, Any]]:
        listed = ironic.call(
            "GET",
            "/v1/nodes?fields=uuid,provision_state,instance_uuid"
            f"&resource_class={RESOURCE_CLASS}&limit=1000",
        )["nodes"]
        return {n["uuid"]: n for n in listed}

    def active(mogan: Mogan, count: int, nodes: set[str]) -> None:
        problems, _ = mogan_side_problems(mogan, count, nodes)
        seen = nodes_by_instance()
        rows = mogan.query("mogan.sqlite", "SELECT uuid, node_uuid FROM servers")
        wrong = [
            server
            for server, node in rows
            if seen.get(node, {}).get("provision_state") != "active"
            or seen[node]["instance_uuid"] != server
        ]
        if wrong:
            problems.append(f"Ironic: {len(wrong)} servers' nodes not active for them")
        if problems:
            raise BenchError("; ".join(problems))
        print(
            f"   ok: {count} active on {len(nodes)} distinct nodes, {count} "
            "allocations, every Ironic node active with instance_uuid = its server",
            flush=True,
        )

    def deleted(mogan: Mogan) -> None:
        allocations = mogan.count(
            "placement.sqlite", "SELECT COUNT(*) FROM allocations"
        )
        busy = [
            n
            for n in nodes_by_instance().values()
            if n["provision_state"] != "available" or n["instance_uuid"]
        ]
        if allocations or busy:
            msg = f"after delete: {allocations} allocations, {len(busy)} busy nodes"
            raise BenchError(msg)
        print(
            "   ok: 0 servers, 0 allocations, every Ironic node available", flush=True
        )

    return active, deleted


def run(args: argparse.Namespace, root: pathlib.Path) -> None:
    """The whole ``--driver ironic`` run in ``root``; prints the report.

    Raises:
        BenchError: a phase failed or timed out.
        support.IronicUnavailable: Ironic cannot be installed or started.
    """
    n = args.servers
    (root / "ironic").mkdir()
    print(f"-- ironic: starting in {root / 'ironic'} ...", flush=True)
    proc = IronicProc(root / "ironic")
    mogan = Mogan(root / "mogan", args, *mogan_conf(proc.ironic.url))
    try:
        print(f"-- ironic: enrolling {n} nodes ({args.concurrency} at a time) ...")
        t0 = time.monotonic()
        nodes = enroll(proc.ironic, n, args.concurrency)
        enrolled = time.monotonic() - t0
        print(f"-- ironic alone: deploying and undeploying {n} nodes ...", flush=True)
        alone = ironic_alone(proc, nodes, args.concurrency, args.timeout)
        print(f"-- mogan: starting against {proc.ironic.url} ...", flush=True)
        up, synced = start_mogan(mogan, n, args.timeout)
        refs = create_refs(mogan, n)
        active, deleted = verifiers(proc)
        results = []
        for mode in args.modes.split(","):
            per_post = args.batch if mode == "batch" else 1
            label = (
                f"{mode} ({args.batch}/POST)"
                if mode == "batch"
                else (f"single ({args.concurrency} par.)")
            )
            cpu0 = proc.cpu()
            result = run_mode(
                mogan,
                label,
                n,
                per_post,
                args.concurrency,
                refs,
                args.timeout,
                verify_active=active,
                verify_deleted=deleted,
            )
            results.append((result, proc.cpu() - cpu0))
        report(args, (proc.up, enrolled, up, synced), alone, results)
    except BenchError:
        print(f"(Mogan's log: {mogan.log})", file=sys.stderr)
        raise
    finally:
        mogan.stop()
        proc.ironic.stop()


def report(
    args: argparse.Namespace,
    startup: tuple[float, float, float, float],
    alone: Alone,
    results: list[tuple[ModeResult, float]],
) -> None:
    """Print the table for the Ironic mode."""
    n = args.servers
    ironic_up, enrolled, mogan_up, synced = startup
    print()
    print(
        f"# provision benchmark --driver ironic: {n} servers on a real Ironic "
        f"(fake hardware); {psutil.cpu_count()} CPUs, load "
        + " ".join(f"{x:.2f}" for x in psutil.getloadavg())
    )
    print(
        f"# engine poll_interval={args.poll_interval} "
        f"hardware_poll_interval={args.hardware_poll_interval} "
        f"workers={args.workers}; batch={args.batch} concurrency={args.concurrency}"
    )
    print()
    print(f"Ironic start-up {ironic_up:.2f} s; enrolment of {n} nodes {enrolled:.2f} s")
    print(f"Mogan start-up {mogan_up:.2f} s; {n} nodes consumable {synced:.2f} s")
    print("(none of these in the figures below)")
    print()
    print("## Ironic alone (PATCH + provision active, then deleted)")
    print(
        f"{'phase':12} {'wall s':>8} {'nodes/s':>8} {'p50 s':>7} {'p95 s':>7} "
        f"{'max s':>7} {'Ironic CPU ms/node':>19}"
    )
    d, u = alone.deploy, alone.undeploy
    print(
        f"{'deploy':12} {d.wall:8.2f} {n / d.wall:8.1f} {alone.p50:7.2f} "
        f"{alone.p95:7.2f} {alone.p100:7.2f} {ms(d.cpu, n):>19}"
    )
    print(
        f"{'undeploy':12} {u.wall:8.2f} {n / u.wall:8.1f} {'':>23} {ms(u.cpu, n):>19}"
    )
    print()
    print("## Mogan + Ironic")
    print(results_header() + f" {'Ironic CPU ms/srv':>18}")
    # NOTE: Ironic's CPU here spans create, delete and Mogan's node sync
    # (a node list every second), so it compares with deploy + undeploy.
    for r, ironic_cpu in results:
        print(result_line(r) + f" {ms(ironic_cpu, r.servers):>18}")
    print()
    print("## Ratios (Mogan + Ironic / Ironic alone)")
    for r, ironic_cpu in results:
        print(
            f"{r.name:22} to ACTIVE: wall x{r.active.wall / d.wall:.2f} "
            f"({r.active.wall:.2f} s / {d.wall:.2f} s), "
            f"p50 x{r.p50 / alone.p50:.2f}; Mogan CPU "
            f"{ms(r.active.cpu, r.servers).strip()} ms/srv; "
            f"delete: wall x{r.delete.wall / u.wall:.2f}; Ironic CPU (create + "
            f"delete) x{ironic_cpu / (d.cpu + u.cpu):.2f} of deploy + undeploy"
        )
