"""Shared pieces of the scheduling benchmark: the fleet, the request mix, levels.

The fleet is deterministic (node ``i`` always has the same uuid, class and
traits), so Mogan's view, Placement and Ironic hold the same nodes and every
system is asked the same requests. A *level* runs requests from a number of
threads at once and records each request's latency; it stops taking new
requests at its deadline so a slow system cannot stretch the whole run.
What must not live here: anything that talks to Mogan, Placement or Ironic.
"""

import dataclasses
import math
import os
import pathlib
import platform
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

NODE_NAMESPACE = uuid.UUID("5c4e1d7a-0f3b-4a8e-9d6c-7363686564ff")
GOLD = "bm-gold"
SILVER = "bm-silver"
GOLD_RC = "CUSTOM_BM_GOLD"
SILVER_RC = "CUSTOM_BM_SILVER"
FPGA = "CUSTOM_FPGA"
NVME = "CUSTOM_NVME"
TRAITS = (FPGA, NVME)
# NOTE: one request in this many also requires FPGA; the rest ask only for
# the class. Every system gets the same sequence.
FPGA_EVERY = 4
PROJECT = "bench-project"
USER = "bench-user"


class BenchError(Exception):
    """A phase failed or a verification found a problem; the run is not valid."""


@dataclasses.dataclass(frozen=True)
class FleetNode:
    """One node of the fleet as every system sees it."""

    index: int
    uuid: str
    name: str
    resource_class: str
    traits: tuple[str, ...]

    @property
    def placement_rc(self) -> str:
        """The class as Placement names it."""
        return GOLD_RC if self.resource_class == GOLD else SILVER_RC


def fleet(count: int) -> list[FleetNode]:
    """``count`` nodes: even ones gold, odd ones silver; FPGA on 10%, NVMe on 50%."""
    nodes = []
    for i in range(count):
        traits = []
        # NOTE: i // 2 so that each class gets its own 10% of FPGA nodes.
        if (i // 2) % 10 == 0:
            traits.append(FPGA)
        if (i // 2) % 2 == 1:
            traits.append(NVME)
        nodes.append(
            FleetNode(
                index=i,
                uuid=str(uuid.uuid5(NODE_NAMESPACE, f"sched-{i:06d}")),
                name=f"sched-{i:06d}",
                resource_class=GOLD if i % 2 == 0 else SILVER,
                traits=tuple(traits),
            )
        )
    return nodes


def required_traits(request_index: int) -> tuple[str, ...]:
    """The traits request ``request_index`` requires (the shared request mix)."""
    return (FPGA,) if request_index % FPGA_EVERY == FPGA_EVERY - 1 else ()


def requests_for(count: int, wanted: int) -> int:
    """How many requests a level may send without running out of free nodes.

    Gold FPGA nodes are a twentieth of the fleet and a quarter of the
    requests want one; keep every level under 80% of them.
    """
    return max(1, min(wanted, int(count / 20 * 0.8 * FPGA_EVERY)))


@dataclasses.dataclass
class Level:
    """What one concurrency level measured."""

    system: str
    nodes: int
    concurrency: int
    sent: int = 0
    placed: int = 0
    failed: int = 0
    wall: float = 0.0
    latencies: list[float] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    # NOTE: per successful request, the part spent in Placement claims
    # (Mogan only): what is left is Mogan's own decision and bookkeeping.
    inner: list[float] = dataclasses.field(default_factory=list)

    @property
    def rate(self) -> float:
        """Placed per second over the level's wall time."""
        return self.placed / self.wall if self.wall else 0.0

    def pct(self, q: float) -> float:
        """The ``q`` quantile (0..1) of successful latencies, nearest rank, in s."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def own_pct(self, q: float) -> float:
        """The ``q`` quantile of latency minus time in Placement claims, in s."""
        if not self.inner or len(self.inner) != len(self.latencies):
            return math.nan
        own = sorted(t - c for t, c in zip(self.latencies, self.inner, strict=True))
        return own[max(0, math.ceil(q * len(own)) - 1)]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (errors trimmed)."""
        data = dataclasses.asdict(self)
        data["errors"] = self.errors[:5]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Level":
        """The inverse of :meth:`to_json`."""
        return cls(**data)


def run_level(
    level: Level,
    requests: int,
    one: Callable[[int], object],
    deadline_s: float,
) -> list[object]:
    """Run ``one(i)`` for i in 0..requests-1 from ``level.concurrency`` threads.

    A request that raises counts as failed (its message kept). No request
    starts after ``deadline_s`` from the start; those already running finish.

    Returns:
        What each successful call returned, in completion order.
    """
    lock = threading.Lock()
    counter = iter(range(requests))
    results: list[object] = []
    start = time.perf_counter()
    stop_at = start + deadline_s

    def worker() -> None:
        while True:
            with lock:
                if time.perf_counter() > stop_at:
                    return
                i = next(counter, None)
                if i is None:
                    return
                level.sent += 1
            t0 = time.perf_counter()
            try:
                result = one(i)
            except Exception as err:  # noqa: BLE001 - every failure is a data point
                with lock:
                    level.failed += 1
                    level.errors.append(f"{type(err).__name__}: {err}"[:300])
                continue
            elapsed = time.perf_counter() - t0
            with lock:
                level.placed += 1
                level.latencies.append(elapsed)
                if isinstance(result, tuple) and len(result) > 3:  # noqa: PLR2004
                    level.inner.append(result[3])
                    result = result[:3]
                results.append(result)

    threads = [threading.Thread(target=worker) for _ in range(level.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    level.wall = time.perf_counter() - start
    if level.sent < requests:
        level.notes.append(f"deadline {deadline_s:.0f} s reached after {level.sent}")
    return results


def announce(nodes: int, system: str, concurrency: int, requests: int) -> None:
    """Print that a level starts."""
    print(
        f"   {nodes} nodes, {system}, {concurrency} concurrent: {requests} requests",
        flush=True,
    )


def done(level: Level) -> None:
    """Print what a level did."""
    print(
        f"     {level.placed} placed, {level.failed} failed, {level.rate:.1f}/s, "
        f"p50 {1000 * level.pct(0.5):.1f} ms",
        flush=True,
    )


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def load_average() -> str:
    """``uptime``'s three load averages."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def machine() -> str:
    """CPUs, memory, OS and Python of this machine, one line."""
    mem = ""
    meminfo = pathlib.Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        mem = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{os.cpu_count()} CPUs{mem}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def chunks(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    """``items`` in lists of at most ``size``."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
