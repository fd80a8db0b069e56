"""Provisioning benchmark: the Mogan all-in-one subprocess, one mode's run, checks."""

import argparse
import dataclasses
import datetime
import math
import pathlib
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import httpx
import psutil
from _provision_common import (
    ADMIN,
    IMAGE_URL,
    PLACEMENT_RC,
    BenchError,
    Cost,
    free_port,
    node_specs,
    pct,
    wait_until,
)

from mogan.drivers import fake


class Mogan:
    """A ``mogan-all-in-one`` subprocess on its own state directory."""

    def __init__(
        self,
        state_dir: pathlib.Path,
        args: argparse.Namespace,
        engine: str = "",
        sections: str = "",
    ) -> None:
        """Write the configuration; nothing runs yet.

        Args:
            state_dir: the all-in-one's state directory.
            args: the command line (engine and scheduler knobs).
            engine: more ``[engine]`` lines (``driver = ironic`` ...).
            sections: more sections (``[ironic]`` ...).
        """
        self.state_dir = state_dir
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.config = state_dir / "bench.conf"
        self.config.write_text(
            "[engine]\n"
            f"poll_interval = {args.poll_interval}\n"
            f"hardware_poll_interval = {args.hardware_poll_interval}\n"
            f"workers = {args.workers}\n"
            + engine
            # NOTE: the benchmark's one project takes the whole fleet.
            + "[quota]\nservers_hard_limit = -1\n"
            + sections
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


def ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def mogan_side_problems(
    mogan: Mogan, count: int, nodes: set[str]
) -> tuple[list[str], list[dict[str, Any]]]:
    """All ACTIVE through the API, no double booking, allocations == servers.

    Returns:
        What is wrong (empty when nothing) and the servers as the API lists them.
    """
    resp = mogan.http.get("/v1/servers/detail", params={"limit": count + 1})
    servers: list[dict[str, Any]] = resp.json()["servers"]
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
    return problems, servers


def verify_active(mogan: Mogan, count: int, nodes: set[str]) -> None:
    """The Mogan-side checks, and N deployed fake nodes."""
    problems, _ = mogan_side_problems(mogan, count, nodes)
    fleet = fake.FakeDriver(str(mogan.state_dir)).list_nodes()
    deployed = {n.instance_uuid for n in fleet if n.instance_uuid is not None}
    if len(deployed) != count:
        problems.append(f"fake fleet: {len(deployed)} nodes deployed")
    if problems:
        raise BenchError("; ".join(problems))
    print(
        f"   ok: {count} active, {len(nodes)} distinct nodes, "
        f"{count} allocations, {len(deployed)} deployed fake nodes",
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
    verify_active: Callable[[Mogan, int, set[str]], None] = verify_active,
    verify_deleted: Callable[[Mogan], None] = verify_deleted,
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


def results_header() -> str:
    """The header of the per-mode table."""
    return (
        f"{'mode':22} {'POSTs s':>8} {'to ACTIVE s':>12} {'srv/s':>7} "
        f"{'CPU ms/srv':>11} {'p50 s':>7} {'p95 s':>7} {'max s':>7} "
        f"{'wf/srv':>7} {'delete s':>9} {'del CPU ms/srv':>15} {'reuse s':>8}"
    )


def result_line(r: ModeResult) -> str:
    """One mode's line of the table."""
    return (
        f"{r.name:22} {r.post:8.2f} {r.active.wall:12.2f} "
        f"{r.servers / r.active.wall:7.1f} {ms(r.active.cpu, r.servers):>11} "
        f"{r.p50:7.2f} {r.p95:7.2f} {r.p100:7.2f} {r.workflows:7.1f} "
        f"{r.delete.wall:9.2f} {ms(r.delete.cpu, r.servers):>15} {r.reuse:8.2f}"
    )
