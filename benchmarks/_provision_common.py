"""Provisioning benchmark, shared parts: the fleet, timing helpers and the floor.

The floor is the same work without Mogan: the fake driver alone, and an
embedded Placement alone (see ``provision.py``).
"""

import contextlib
import dataclasses
import math
import pathlib
import socket
import time
import uuid
from collections.abc import Callable, Iterator

import httpx

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
