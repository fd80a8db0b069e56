"""Composition benchmark, Mogan's side: composed servers through the all-in-one.

``mogan-all-in-one`` on the redfish driver (``_redfish_mogan.make_mogan``);
the emulator's composition service registered through ``POST
/v1/composition_services`` (1.7); a composable flavor asking for one
Compute block's worth (1.8); N servers created by one multi-create
request from an ISO image, awaited ACTIVE; deleted (8 DELETEs in flight)
and awaited until every block is free again in Mogan's view (no claim, no
composed system left).

Progress is watched by reading Mogan's SQLite file read-only, as the
other benchmarks do.
"""

import datetime
import time
from concurrent import futures
from typing import Any

from _provision_common import BenchError, wait_until
from _provision_mogan import Mogan
from _redfish_mogan import create_all
from _redfish_peer import Timing

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}
FREE_BLOCKS = (
    "SELECT COUNT(*) FROM resource_blocks WHERE consumer_uuid IS NULL"
    " AND reserved = 0 AND composition_state = 'Unused'"
)
COMPOSED_LEFT = "SELECT COUNT(*) FROM composed_systems"


def _post(mogan: Mogan, path: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = mogan.http.post(path, json=body, headers=V18)
    if resp.status_code >= 300:  # noqa: PLR2004
        raise BenchError(f"POST {path}: {resp.status_code} {resp.text[:500]}")
    result: dict[str, Any] = resp.json()
    return result


def count(mogan: Mogan, sql: str) -> int:
    """The single number ``sql`` answers on Mogan's database (0 before it exists)."""
    rows = mogan.query("mogan.sqlite", sql)
    return int(rows[0][0]) if rows else 0


def register(mogan: Mogan, emulator: Any, blocks: int, timeout: float) -> float:
    """Register the emulator's service; seconds until its blocks are all free."""
    t0 = time.monotonic()
    _post(
        mogan,
        "/v1/composition_services",
        {
            "name": "bench-pool",
            "driver_info": {
                "address": emulator.url,
                "username": emulator.username,
                "password": emulator.password,
                "verify_ca": False,
            },
        },
    )
    at = wait_until(
        f"{blocks} blocks free",
        lambda: (mogan.alive(), count(mogan, FREE_BLOCKS) == blocks)[1],
        timeout,
    )
    return at - t0


def create_refs(
    mogan: Mogan, image_url: str, cores: int, memory_mb: int
) -> dict[str, str]:
    """A composable flavor of one Compute block's amounts, the image, a network."""
    flavor = {
        "name": "composed.bench",
        "composable": True,
        "resources": {"VCPU": cores, "MEMORY_MB": memory_mb},
    }
    image = {"name": "composed-bench-iso", "url": image_url, "disk_format": "iso"}
    network = {"name": "composed-bench", "cidr": "10.42.0.0/24"}
    return {
        "flavor": str(_post(mogan, "/v1/flavors", flavor)["uuid"]),
        "image": str(_post(mogan, "/v1/images", image)["uuid"]),
        "network": str(_post(mogan, "/v1/networks", network)["uuid"]),
    }


def _ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def create(mogan: Mogan, refs: dict[str, str], n: int, timeout: float) -> Timing:
    """One multi-create POST of ``n`` composed servers, awaited ACTIVE."""
    t0 = time.monotonic()
    at = create_all(
        mogan,
        refs,
        "composed-bench",
        n,
        timeout,
        post=lambda path, body: _post(mogan, path, body),
    )
    rows = mogan.query(
        "mogan.sqlite", "SELECT created_at, launched_at FROM servers WHERE composed"
    )
    if len(rows) != n:
        raise BenchError(f"{len(rows)} composed servers, {n} expected")
    blocks = mogan.query(
        "mogan.sqlite",
        "SELECT COUNT(DISTINCT block_id), COUNT(*) FROM resource_blocks"
        " WHERE consumer_uuid IS NOT NULL",
    )
    if blocks[0][0] != blocks[0][1] or blocks[0][0] < n:
        raise BenchError(f"blocks claimed: {blocks}")
    return Timing(at - t0, [(_ts(b) - _ts(a)).total_seconds() for a, b in rows])


def servers(mogan: Mogan) -> list[str]:
    """Every server's uuid."""
    return [str(r[0]) for r in mogan.query("mogan.sqlite", "SELECT uuid FROM servers")]


def delete(mogan: Mogan, n: int, blocks: int, timeout: float) -> Timing:
    """DELETE every server (8 in flight); awaited until every block is free.

    Per-server latency: from the first DELETE to the poll that saw the
    server's row gone (its system decomposed and its claim released).
    """
    uuids = servers(mogan)
    t0 = time.monotonic()

    def one(server_uuid: str) -> None:
        resp = mogan.http.delete(f"/v1/servers/{server_uuid}")
        if resp.status_code != 204:  # noqa: PLR2004
            raise BenchError(f"DELETE {server_uuid}: {resp.status_code}")

    with futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, uuids))
    seen: dict[str, float] = {}

    def all_free() -> bool:
        mogan.alive()
        now = time.monotonic() - t0
        left = set(servers(mogan))
        for uuid in uuids:
            if uuid not in left:
                seen.setdefault(uuid, now)
        return (
            len(seen) == n
            and count(mogan, COMPOSED_LEFT) == 0
            and count(mogan, FREE_BLOCKS) == blocks
        )

    at = wait_until(f"{n} servers gone, {blocks} blocks free", all_free, timeout)
    return Timing(at - t0, list(seen.values()))
