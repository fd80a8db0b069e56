"""Redfish benchmark, Mogan's side: the all-in-one on the redfish driver.

``mogan-all-in-one`` (``_provision_mogan.Mogan``) with ``[engine] driver =
redfish`` and the quick polls of ``tests/redfish/test_through_mogan.py``;
the emulator's systems enrolled through ``POST /v1/nodes`` (microversion
1.6); an ISO image served by a ``FileServer``; the config drive served by
Mogan's own ``/v1/deploy_media``. Servers are created with one
multi-create request (``min_count = max_count = N``), awaited ACTIVE,
checked on the emulator, deleted (8 DELETEs in flight) and awaited until
every node is consumable again.

Progress is watched by reading Mogan's SQLite file read-only every 0.05 s
(as ``provision.py`` does), so the watching costs Mogan nothing.
"""

import argparse
import datetime
import math
import pathlib
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import psutil
from _provision_common import BenchError, wait_until
from _provision_mogan import Mogan
from _redfish_peer import Timing

V16 = {"OpenStack-API-Version": "baremetal-compute 1.6"}
RESOURCE_CLASS = "bm-redfish-bench"
PLACEMENT_RC = "CUSTOM_BM_REDFISH_BENCH"
FREE_NODES = (
    "SELECT uuid FROM nodes WHERE consumable = 1 AND maintenance = 0 AND allocated = 0"
)


class ProfiledMogan(Mogan):
    """The all-in-one under yappi (``_profiled_aio.py``; ``--profile``)."""

    def start(self) -> None:
        """Start the subprocess through the profiling wrapper."""
        here = pathlib.Path(__file__).resolve().parent
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [
                    sys.executable,
                    str(here / "_profiled_aio.py"),
                    str(self.state_dir / "profile.pstat"),
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

    def profile(self, on: bool) -> None:
        """Start (clear) or stop (save) profiling."""
        assert self.proc is not None  # noqa: S101 - started first
        self.proc.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)


def make_mogan(state_dir: pathlib.Path, args: argparse.Namespace) -> Mogan:
    """The all-in-one's configuration (nothing runs yet)."""
    engine = (
        "driver = redfish\n"
        f"deploy_timeout = {int(args.timeout)}\n"
        f"clean_timeout = {int(args.timeout)}\n"
    )
    if args.sync_interval:
        engine += (
            f"sync_nodes_interval = {args.sync_interval}\n"
            f"sync_power_state_interval = {args.sync_interval}\n"
        )
    sections = "[redfish]\nserver_side_retries = 1\nserver_side_retries_delay = 0.1\n"
    knobs = argparse.Namespace(
        poll_interval=args.poll_interval,
        hardware_poll_interval=args.hardware_poll_interval,
        workers=args.workers,
        claim_retries=None,
    )
    kind = ProfiledMogan if args.profile else Mogan
    return kind(state_dir, knobs, engine=engine, sections=sections)


def free_nodes(mogan: Mogan) -> set[str]:
    """Nodes the scheduler can take now (Mogan's view)."""
    return {str(row[0]) for row in mogan.query("mogan.sqlite", FREE_NODES)}


def enrol(mogan: Mogan, emulator: Any, systems: list[Any], timeout: float) -> float:
    """Enrol every system (one POST each); seconds until all are consumable."""
    t0 = time.monotonic()
    for system in systems:
        resp = mogan.http.post(
            "/v1/nodes",
            json={
                "name": system.name,
                "driver": "redfish",
                "driver_info": {
                    "address": emulator.url,
                    "system_id": system.path,
                    "username": emulator.username,
                    "password": emulator.password,
                    "verify_ca": False,
                },
                "resource_class": RESOURCE_CLASS,
            },
            headers=V16,
        )
        if resp.status_code != 201:  # noqa: PLR2004
            raise BenchError(f"POST /v1/nodes: {resp.status_code} {resp.text[:300]}")
    count = len(systems)
    at = wait_until(
        f"{count} nodes consumable",
        lambda: (mogan.alive(), len(free_nodes(mogan)) == count)[1],
        timeout,
    )
    return at - t0


def create_refs(mogan: Mogan, image_url: str, count: int) -> dict[str, str]:
    """A flavor of the nodes' class, the ISO image and a network."""
    prefix = max(8, 32 - math.ceil(math.log2(count * 2 + 4)))
    made = {}
    for kind, path, body in (
        (
            "flavor",
            "/v1/flavors",
            {"name": "bm.rf-bench", "resources": {PLACEMENT_RC: 1}},
        ),
        (
            "image",
            "/v1/images",
            {"name": "rf-bench-iso", "url": image_url, "disk_format": "iso"},
        ),
        (
            "network",
            "/v1/networks",
            {"name": "rf-bench", "cidr": f"10.41.0.0/{prefix}"},
        ),
    ):
        made[kind] = str(mogan.post(path, body)["uuid"])
    return made


def _ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def create_all(
    mogan: Mogan,
    refs: dict[str, str],
    name: str,
    count: int,
    timeout: float,
    *,
    post: Callable[[str, dict[str, Any]], Any] | None = None,
) -> float:
    """POST one multi-create of ``count`` servers; when all are ACTIVE.

    ``post(path, body)`` sends it (``mogan.post`` by default); a server in
    ERROR ends the wait.
    """
    (post or mogan.post)(
        "/v1/servers",
        {
            "server": {
                "name": name,
                "flavor_uuid": refs["flavor"],
                "image_uuid": refs["image"],
                "networks": [{"net_id": refs["network"]}],
                "min_count": count,
                "max_count": count,
            }
        },
    )

    def all_active() -> bool:
        mogan.alive()
        by_status = mogan.statuses()
        if by_status.get("error"):
            raise BenchError(f"servers in error: {by_status}")
        return by_status.get("active", 0) == count

    return wait_until(f"{count} servers ACTIVE", all_active, timeout)


def create(
    mogan: Mogan, refs: dict[str, str], count: int, timeout: float
) -> tuple[Timing, dict[str, str]]:
    """One multi-create POST of ``count`` servers, awaited ACTIVE.

    Returns:
        The timing (per server ``launched_at - created_at``) and each
        server's node.
    """
    t0 = time.monotonic()
    at = create_all(mogan, refs, "rf-bench", count, timeout)
    rows = mogan.query(
        "mogan.sqlite", "SELECT uuid, created_at, launched_at, node_uuid FROM servers"
    )
    latencies = [(_ts(b) - _ts(a)).total_seconds() for _, a, b, _ in rows]
    nodes = {str(server): str(node) for server, _, _, node in rows}
    if len(set(nodes.values())) != count:
        raise BenchError(f"double booking: {len(set(nodes.values()))} nodes")
    return Timing(at - t0, latencies), nodes


def delete(mogan: Mogan, servers: list[str], count: int, timeout: float) -> Timing:
    """DELETE every server (8 in flight); awaited until every node is free.

    Per-server latency: from the first DELETE to the poll that saw its node
    consumable again (all DELETEs go out within a fraction of a second).
    """
    t0 = time.monotonic()

    def one(server_uuid: str) -> None:
        resp = mogan.http.delete(f"/v1/servers/{server_uuid}")
        if resp.status_code != 204:  # noqa: PLR2004
            raise BenchError(f"DELETE {server_uuid}: {resp.status_code}")

    with futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, servers))
    seen: dict[str, float] = {}

    def all_free() -> bool:
        mogan.alive()
        now = time.monotonic() - t0
        for node in free_nodes(mogan):
            seen.setdefault(node, now)
        return len(seen) == count and not mogan.statuses()

    at = wait_until(f"{count} nodes free again", all_free, timeout)
    return Timing(at - t0, list(seen.values()))
