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
import contextlib
import dataclasses
import datetime
import math
import os
import pathlib
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent import futures
from typing import Any

import httpx
import psutil

from mogan.drivers import base as driver_base
from mogan.drivers import fake
from mogan.placement import client as placement_client
from mogan.placement import embedded as placement_embedded

RESOURCE_CLASS = "baremetal-bench"
PLACEMENT_RC = "CUSTOM_BAREMETAL_BENCH"
ADMIN = {"X-User-Id": "bench", "X-Project-Id": "bench", "X-Roles": "admin"}
NODE_NAMESPACE = uuid.UUID("0b7e2f40-6d1a-4c2e-9c55-62656e636800")
IMAGE_URL = "http://images.example/bench.qcow2"


class BenchError(Exception):
    """A phase failed or timed out; the run is not valid."""


# ---------------------------------------------------------------- helpers


def node_specs(count: int) -> list[driver_base.NodeSpec]:
    """``count`` identical nodes of one resource class, one port each."""
    return [
        driver_base.NodeSpec(
            uuid=str(uuid.uuid5(NODE_NAMESPACE, f"bench-{i:05d}")),
            name=f"bench-{i:05d}",
            resource_class=RESOURCE_CLASS,
            traits=(),
            properties={"cpus": 8, "memory_mb": 32768, "local_gb": 240},
            ports=(
                f"52:54:{i >> 16 & 0xFF:02x}:{i >> 8 & 0xFF:02x}:{i & 0xFF:02x}:01",
            ),
        )
        for i in range(count)
    ]


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, interval: float = 0.05
) -> float:
    """Poll ``check`` until true; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return time.monotonic()
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout:.0f} s waiting for {what}"
            raise BenchError(msg)
        time.sleep(interval)


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclasses.dataclass
class Cost:
    """Wall and CPU seconds of one phase."""

    wall: float
    cpu: float


@contextlib.contextmanager
def measured(cpu: Callable[[], float]) -> Iterator[Cost]:
    """Time the block: wall clock and the CPU counter ``cpu``."""
    cost = Cost(0.0, 0.0)
    wall0, cpu0 = time.perf_counter(), cpu()
    yield cost
    cost.wall, cost.cpu = time.perf_counter() - wall0, cpu() - cpu0


# ---------------------------------------------------------------- the floor


def floor_driver(state_dir: pathlib.Path, count: int) -> tuple[Cost, Cost]:
    """The fake driver alone: ``count`` deploys, then ``count`` teardowns."""
    driver = fake.FakeDriver(str(state_dir))
    nodes = node_specs(count)
    for node in nodes:
        driver.enroll(node)
    with measured(time.process_time) as deploy:
        for node in nodes:
            driver.start_deploy(
                node.uuid,
                driver_base.DeployRequest(
                    server_uuid=str(uuid.uuid4()), image_url=IMAGE_URL
                ),
            )
        pending = {n.uuid for n in nodes}
        while pending:
            for node_uuid in list(pending):
                status = driver.poll_deploy(node_uuid)
                if status.progress is driver_base.Progress.FAILED:
                    raise BenchError(f"floor deploy failed: {status.error}")
                if status.progress is driver_base.Progress.DONE:
                    pending.discard(node_uuid)
    with measured(time.process_time) as teardown:
        for node in nodes:
            driver.start_teardown(node.uuid)
        pending = {n.uuid for n in nodes}
        while pending:
            for node_uuid in list(pending):
                if driver.poll_teardown(node_uuid).progress is not (
                    driver_base.Progress.IN_PROGRESS
                ):
                    pending.discard(node_uuid)
    return deploy, teardown


def floor_placement(state_dir: pathlib.Path, count: int, batch: int) -> dict[str, Cost]:
    """The embedded Placement alone: claims and releases for ``count`` consumers."""
    app = placement_embedded.shared_app(str(state_dir))
    placement = placement_client.PlacementClient(
        httpx.Client(
            transport=httpx.WSGITransport(app=app),
            base_url="http://placement",
            headers={"X-Auth-Token": "admin"},
        )
    )
    placement.ensure_resource_class(PLACEMENT_RC)
    providers = []
    for node in node_specs(count):
        provider = placement.create_provider(node.uuid, node.name)
        placement.set_inventory(
            node.uuid,
            provider["generation"],
            {PLACEMENT_RC: {"total": 1, "max_unit": 1}},
        )
        providers.append(node.uuid)
    results: dict[str, Cost] = {}

    def claim_all(per_post: int) -> list[str]:
        consumers = [str(uuid.uuid4()) for _ in providers]
        for start in range(0, count, per_post):
            placement.claim(
                {
                    consumer: {rp: {PLACEMENT_RC: 1}}
                    for consumer, rp in zip(
                        consumers[start : start + per_post],
                        providers[start : start + per_post],
                        strict=True,
                    )
                },
                "bench",
                "bench",
            )
        return consumers

    with measured(time.process_time) as cost:
        consumers = claim_all(1)
    results["claim, 1 per POST"] = cost
    with measured(time.process_time) as cost:
        for consumer in consumers:
            placement.release(consumer)
    results["release, 1 per DELETE"] = cost
    with measured(time.process_time) as cost:
        consumers = claim_all(batch)
    results[f"claim, {batch} per POST"] = cost
    for consumer in consumers:
        placement.release(consumer)
    placement.close()
    return results


# ---------------------------------------------------------------- Mogan


class Mogan:
    """A ``mogan-all-in-one`` subprocess on its own state directory."""

    def __init__(self, state_dir: pathlib.Path, args: argparse.Namespace) -> None:
        """Write the configuration; nothing runs yet."""
        self.state_dir = state_dir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.config = state_dir / "bench.conf"
        self.config.write_text(
            "[engine]\n"
            f"poll_interval = {args.poll_interval}\n"
            f"hardware_poll_interval = {args.hardware_poll_interval}\n"
            f"workers = {args.workers}\n"
            + (
                f"[scheduler]\nclaim_retries = {args.claim_retries}\n"
                if args.claim_retries is not None
                else ""
            )
        )
        self.log = state_dir / "mogan.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.ps: psutil.Process | None = None
        self.http = httpx.Client(base_url=self.endpoint, headers=ADMIN, timeout=60)

    def start(self) -> None:
        """Start the subprocess."""
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [
                    sys.executable,
                    "-m",
                    "mogan.cmd.all_in_one",
                    "--config-file",
                    str(self.config),
                    "--state-dir",
                    str(self.state_dir),
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.ps = psutil.Process(self.proc.pid)

    def stop(self) -> None:
        """Stop the subprocess (SIGINT, then SIGKILL after 30 s)."""
        self.http.close()
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cpu(self) -> float:
        """CPU seconds (user + system) the Mogan process has used so far."""
        assert self.ps is not None  # noqa: S101 - started first
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def alive(self) -> None:
        """Raise when the subprocess died."""
        if self.proc is not None and self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            msg = f"mogan-all-in-one exited with {self.proc.returncode}:\n{tail}"
            raise BenchError(msg)

    def api_up(self) -> bool:
        """Whether the API answers."""
        self.alive()
        try:
            return self.http.get("/v1/flavors").status_code == 200  # noqa: PLR2004
        except httpx.TransportError:
            return False

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST as admin; the decoded answer."""
        resp = self.http.post(path, json=body)
        if resp.status_code >= 300:  # noqa: PLR2004
            msg = f"POST {path}: {resp.status_code} {resp.text[:500]}"
            raise BenchError(msg)
        result: dict[str, Any] = resp.json()
        return result

    # Reading the databases directly (read-only) so watching costs Mogan nothing.

    def query(self, db: str, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` on ``mogan.sqlite`` or ``placement.sqlite``."""
        uri = f"file:{self.state_dir / db}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=10)
        except sqlite3.OperationalError:
            return []
        try:
            return conn.execute(sql).fetchall()
        except sqlite3.OperationalError:
            # NOTE: the schema is not there yet while Mogan starts.
            return []
        finally:
            conn.close()

    def count(self, db: str, sql: str) -> int:
        """The single number ``sql`` answers (0 when unreadable)."""
        rows = self.query(db, sql)
        return int(rows[0][0]) if rows else 0

    def statuses(self) -> dict[str, int]:
        """Servers by status."""
        rows = self.query(
            "mogan.sqlite", "SELECT status, COUNT(*) FROM servers GROUP BY status"
        )
        return {str(status): int(n) for status, n in rows}


def _ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


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
    latencies = [(_ts(b) - _ts(a)).total_seconds() for a, b, _ in rows]
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


def verify_active(mogan: Mogan, count: int, nodes: set[str]) -> None:
    """All ACTIVE through the API, no double booking, allocations == servers."""
    resp = mogan.http.get("/v1/servers/detail", params={"limit": count + 1})
    servers = resp.json()["servers"]
    problems = []
    if len(servers) != count or any(s["status"] != "active" for s in servers):
        problems.append(f"API lists {len(servers)} servers, not all active")
    api_nodes = {s["node"] for s in servers}
    if len(api_nodes) != count or len(nodes) != count or None in nodes:
        problems.append(f"double booking: {len(api_nodes)} distinct nodes")
    allocations = mogan.count("placement.sqlite", "SELECT COUNT(*) FROM allocations")
    consumers = mogan.count(
        "placement.sqlite", "SELECT COUNT(DISTINCT consumer_id) FROM allocations"
    )
    providers = mogan.count(
        "placement.sqlite",
        "SELECT COUNT(DISTINCT resource_provider_id) FROM allocations",
    )
    if not allocations == consumers == providers == count:
        problems.append(
            f"Placement: {allocations} allocations, {consumers} consumers, "
            f"{providers} providers for {count} servers"
        )
    fleet = fake.FakeDriver(str(mogan.state_dir)).list_nodes()
    deployed = {n.instance_uuid for n in fleet if n.instance_uuid is not None}
    if len(deployed) != count:
        problems.append(f"fake fleet: {len(deployed)} nodes deployed")
    if problems:
        raise BenchError("; ".join(problems))
    print(
        f"   ok: {count} active, {len(api_nodes)} distinct nodes, "
        f"{allocations} allocations, {len(deployed)} deployed fake nodes",
        flush=True,
    )


def verify_deleted(mogan: Mogan) -> None:
    """No allocation and no deployed fake node is left."""
    allocations = mogan.count("placement.sqlite", "SELECT COUNT(*) FROM allocations")
    fleet = fake.FakeDriver(str(mogan.state_dir)).list_nodes()
    busy = [n for n in fleet if n.instance_uuid is not None or not n.consumable]
    if allocations or busy:
        msg = f"after delete: {allocations} allocations, {len(busy)} busy nodes"
        raise BenchError(msg)
    print("   ok: 0 servers, 0 allocations, every fake node available", flush=True)


def start_mogan(
    mogan: Mogan, count: int, timeout: float
) -> tuple[float, float, float, float]:
    """Enroll the fleet, start Mogan, wait for the first sync.

    Returns:
        Seconds to the API answering, seconds to every node synced (both
        from the start of the process), and Mogan's CPU seconds by then
        (and at API up).
    """
    driver = fake.FakeDriver(str(mogan.state_dir))
    for node in node_specs(count):
        driver.enroll(node)
    t0 = time.monotonic()
    mogan.start()
    up = wait_until("the API", mogan.api_up, timeout, interval=0.1) - t0
    cpu_up = mogan.cpu()

    def synced() -> bool:
        mogan.alive()
        rows = mogan.count("mogan.sqlite", "SELECT COUNT(*) FROM nodes")
        providers = mogan.count(
            "placement.sqlite", "SELECT COUNT(*) FROM resource_providers"
        )
        return rows == providers == count

    synced_at = wait_until(f"{count} nodes synced", synced, timeout, 0.2) - t0
    return up, synced_at, cpu_up, mogan.cpu()


def create_refs(mogan: Mogan, count: int) -> dict[str, str]:
    """A flavor, an image and a network big enough for ``count`` servers."""
    flavor = mogan.post(
        "/v1/flavors",
        {"name": "bench", "resources": {PLACEMENT_RC: 1}, "is_public": True},
    )
    image = mogan.post(
        "/v1/images",
        {"name": "bench", "url": IMAGE_URL, "disk_format": "qcow2"},
    )
    prefix = max(8, 32 - math.ceil(math.log2(count * 2 + 4)))
    network = mogan.post(
        "/v1/networks",
        {"name": "bench", "cidr": f"10.64.0.0/{prefix}", "shared": True},
    )
    return {
        "flavor": flavor.get("uuid") or flavor["flavor"]["uuid"],
        "image": image.get("uuid") or image["image"]["uuid"],
        "network": network.get("uuid") or network["network"]["uuid"],
    }


# ---------------------------------------------------------------- report


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
