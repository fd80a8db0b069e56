"""Provisioning benchmark: the Mogan all-in-one subprocess and its verification."""

import argparse
import datetime
import math
import pathlib
import sqlite3
import subprocess
import sys
import time
from typing import Any

import httpx
import psutil
from _provision_common import (
    ADMIN,
    IMAGE_URL,
    PLACEMENT_RC,
    BenchError,
    free_port,
    node_specs,
    wait_until,
)

from mogan.drivers import fake


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


def ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


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
