"""The peer: a real standalone Ironic (PyPI ``ironic``) and its allocation API.

Ironic runs as its all-in-one ``ironic`` process (API and conductor, noauth,
``rpc_transport = none``, fake hardware, SQLite) from a virtual environment
of its own, created on first use (``python -m venv`` + ``pip install
ironic``) under the cache directory.

Loading the fleet: the first node is enrolled through the API (create,
traits, ``manage``, ``provide``, ``power off``); Ironic is stopped, and the
other nodes are bulk-inserted into its ``nodes`` and ``node_traits`` tables
as copies of that node's row (uuid, name, class and traits changed), since
enrolling 10,000 nodes through the API takes far too long. After a restart
``GET /v1/nodes`` proves Ironic reads them; the warm-up allocations prove it
allocates them.

A request is ``POST /v1/allocations {resource_class, traits}``, then a poll
of ``GET /v1/allocations/{uuid}`` every ``poll`` x concurrency seconds (so
the polls of a level cost Ironic about the same at every concurrency) until
``active`` (success) or ``error`` (failure) or a timeout (counted as
stuck); a poll answered 500 or dropped is retried. Latency therefore has
the poll interval as its resolution. What must not
live here: the report.
"""

import collections
import contextlib
import pathlib
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import psutil
from _sched_common import (
    GOLD,
    BenchError,
    FleetNode,
    Level,
    announce,
    done,
    fleet,
    free_port,
    load_average,
    requests_for,
    required_traits,
    run_level,
)

HEADERS = {"X-OpenStack-Ironic-API-Version": "latest"}
WARM_UP = 5
CONF = """\
[DEFAULT]
auth_strategy = noauth
rpc_transport = none
host = bench-conductor
log_file = {state}/ironic.log
enabled_hardware_types = fake-hardware
enabled_bios_interfaces = fake,no-bios
enabled_boot_interfaces = fake
enabled_console_interfaces = fake,no-console
enabled_deploy_interfaces = fake
enabled_firmware_interfaces = fake,no-firmware
enabled_inspect_interfaces = fake,no-inspect
enabled_management_interfaces = fake
enabled_network_interfaces = noop
enabled_power_interfaces = fake
enabled_raid_interfaces = fake,no-raid
enabled_rescue_interfaces = fake,no-rescue
enabled_storage_interfaces = fake,noop
enabled_vendor_interfaces = fake,no-vendor
default_deploy_interface = fake
default_network_interface = noop
[api]
host_ip = 127.0.0.1
port = {port}
[database]
connection = sqlite:///{state}/ironic.sqlite
[dhcp]
dhcp_provider = none
[conductor]
automated_clean = false
# NOTE: the periodic power sync walks every node; off, so it does not steal
# CPU from allocations (the Mogan harness runs no periodic sync either).
sync_power_state_interval = 0
[oslo_concurrency]
lock_path = {state}/locks
"""


def ensure_venv(venv: pathlib.Path, spec: str) -> pathlib.Path:
    """The venv's bin directory, creating the venv and installing ``spec`` if needed."""
    bin_dir = venv / "bin"
    if not (bin_dir / "ironic").exists():
        print(f"-- installing {spec} into {venv} (first run only) ...", flush=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603 - our interpreter
        subprocess.run(  # noqa: S603 - the venv's own pip
            [str(bin_dir / "pip"), "install", "-q", spec], check=True
        )
    return bin_dir


class Ironic:
    """An all-in-one Ironic process on its own state directory and port."""

    def __init__(self, bin_dir: pathlib.Path, state: pathlib.Path) -> None:
        """Write the configuration and create the schema; nothing runs yet."""
        self.bin_dir = bin_dir
        self.state = state
        (state / "locks").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.conf = state / "ironic.conf"
        self.conf.write_text(CONF.format(state=state, port=self.port))
        self.db = state / "ironic.sqlite"
        self.proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers=HEADERS, timeout=120
        )
        subprocess.run(  # noqa: S603 - Ironic's own tool
            [
                str(bin_dir / "ironic-dbsync"),
                "--config-file",
                str(self.conf),
                "create_schema",
            ],
            check=True,
            capture_output=True,
        )

    def start(self, timeout: float = 300) -> float:
        """Start Ironic and wait for its API; returns the seconds it took."""
        t0 = time.monotonic()
        self.proc = subprocess.Popen(  # noqa: S603 - Ironic's own entry point
            [str(self.bin_dir / "ironic"), "--config-file", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=(self.state / "ironic.stderr").open("wb"),
        )
        while True:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"ironic exited with {self.proc.returncode}; see {self.state}"
                )
            with contextlib.suppress(httpx.TransportError):
                if self.http.get("/v1/nodes", params={"limit": 1}).status_code == 200:  # noqa: PLR2004
                    return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise BenchError("Ironic's API did not come up")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop Ironic (SIGTERM, then SIGKILL after 30 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cpu(self) -> float:
        """CPU seconds Ironic has used so far."""
        assert self.proc is not None  # noqa: S101 - started first
        # NOTE: the launcher forks its API workers; count the whole tree.
        main = psutil.Process(self.proc.pid)
        total = 0.0
        for proc in [main, *main.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                times = proc.cpu_times()
                total += (
                    times.user
                    + times.system
                    + times.children_user
                    + times.children_system
                )
        return total

    def call(self, method: str, path: str, json: Any = None, ok: int = 200) -> Any:
        """An API call that must answer ``ok``; the decoded body (or None)."""
        resp = self.http.request(method, path, json=json)
        if resp.status_code != ok:
            raise BenchError(f"{method} {path}: {resp.status_code} {resp.text[:300]}")
        return resp.json() if resp.content else None

    def wait_node(self, uuid: str, field: str, value: str) -> None:
        """Poll the node until ``field`` is ``value``."""
        for _ in range(300):
            if self.call("GET", f"/v1/nodes/{uuid}")[field] == value:
                return
            time.sleep(0.1)
        raise BenchError(f"node {uuid} never reached {field} = {value}")

    def enroll_first(self, node: FleetNode) -> None:
        """Enroll ``node`` through the API all the way to available, powered off."""
        body = {
            "uuid": node.uuid,
            "name": node.name,
            "driver": "fake-hardware",
            "resource_class": node.resource_class,
        }
        self.call("POST", "/v1/nodes", body, ok=201)
        self.call(
            "PUT",
            f"/v1/nodes/{node.uuid}/traits",
            {"traits": list(node.traits)},
            ok=204,
        )
        for target, state in (("manage", "manageable"), ("provide", "available")):
            self.call(
                "PUT",
                f"/v1/nodes/{node.uuid}/states/provision",
                {"target": target},
                ok=202,
            )
            self.wait_node(node.uuid, "provision_state", state)
        self.call(
            "PUT",
            f"/v1/nodes/{node.uuid}/states/power",
            {"target": "power off"},
            ok=202,
        )
        self.wait_node(node.uuid, "power_state", "power off")

    def bulk_insert(self, nodes: Sequence[FleetNode]) -> None:
        """Insert ``nodes[1:]`` as copies of the enrolled ``nodes[0]``.

        Ironic must be stopped: it caches nothing of them, but SQLite has
        one writer.
        """
        conn = sqlite3.connect(self.db, timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            template = dict(
                conn.execute(
                    "SELECT * FROM nodes WHERE uuid = ?", (nodes[0].uuid,)
                ).fetchone()
            )
            trait_row = dict(
                conn.execute("SELECT * FROM node_traits LIMIT 1").fetchone()
            )
            columns = list(template)
            rows, traits = [], []
            for node in nodes[1:]:
                row = dict(
                    template,
                    id=template["id"] + node.index,
                    uuid=node.uuid,
                    name=node.name,
                    resource_class=node.resource_class,
                )
                rows.append(tuple(row[c] for c in columns))
                traits.extend(
                    (row["id"], t, trait_row["version"], trait_row["created_at"])
                    for t in node.traits
                )
            with conn:
                names, marks = ", ".join(columns), ", ".join("?" * len(columns))
                conn.executemany(
                    f"INSERT INTO nodes ({names}) VALUES ({marks})",  # noqa: S608 - our own column names
                    rows,
                )
                conn.executemany(
                    "INSERT INTO node_traits (node_id, trait, version, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    traits,
                )
        finally:
            conn.close()

    def check_sees(self, nodes: Sequence[FleetNode]) -> str:
        """Prove Ironic reads the inserted nodes; a one-line summary."""
        last = nodes[-1]
        got = self.call("GET", f"/v1/nodes/{last.uuid}")
        listed = self.call("GET", "/v1/nodes?limit=1")
        if (got["provision_state"], got["power_state"], got["resource_class"]) != (
            "available",
            "power off",
            last.resource_class,
        ):
            state = f"{got['provision_state']}, {got['power_state']}"
            raise BenchError(f"Ironic sees {last.uuid} as {state}")
        if sorted(got["traits"]) != sorted(last.traits) or not listed["nodes"]:
            raise BenchError(f"Ironic's traits of {last.uuid}: {got['traits']}")
        return (
            "Ironic serves the inserted nodes (GET /v1/nodes?limit=1; "
            f"GET /v1/nodes/{last.name}: available, power off, "
            f"traits {list(last.traits)})"
        )


class Allocations:
    """Requests to Ironic's allocation API, and the checks and cleanup after them."""

    def __init__(
        self, ironic: Ironic, nodes: Sequence[FleetNode], poll: float, timeout: float
    ) -> None:
        """Allocate on ``ironic``; poll every ``poll`` s, for ``timeout`` s at most."""
        self.ironic = ironic
        self.by_uuid = {n.uuid: n for n in nodes}
        self.poll = poll
        self.interval = poll
        self.timeout = timeout
        self.created: list[str] = []
        self.outcomes: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()

    def one(self, i: int) -> tuple[str, str, tuple[str, ...]]:
        """One allocation: POST, then poll until active or error."""
        traits = required_traits(i)
        try:
            created = self.ironic.call(
                "POST",
                "/v1/allocations",
                {"resource_class": GOLD, "traits": list(traits)},
                ok=201,
            )
        except (BenchError, httpx.HTTPError):
            self._count("POST refused")
            raise
        with self._lock:
            self.created.append(created["uuid"])
        deadline = time.monotonic() + self.timeout
        state = "allocating"
        while time.monotonic() < deadline:
            time.sleep(self.interval)
            try:
                got = self.ironic.call("GET", f"/v1/allocations/{created['uuid']}")
            except (BenchError, httpx.HTTPError):
                # NOTE: Ironic on SQLite answers 500 "database is locked" or
                # drops connections under load; the allocation may still
                # succeed, so keep polling.
                self._count("poll GET failed (retried)")
                continue
            state = got["state"]
            if state == "active":
                return created["uuid"], got["node_uuid"], traits
            if state == "error":
                self._count("ended in error")
                raise BenchError(f"allocation error: {got['last_error']}")
        self._count("stuck")
        raise BenchError(f"allocation still {state} after {self.timeout:.0f} s")

    def _count(self, outcome: str) -> None:
        with self._lock:
            self.outcomes[outcome] += 1

    def take_outcomes(self) -> str:
        """The failure kinds counted since the last call, as text."""
        with self._lock:
            counted, self.outcomes = self.outcomes, collections.Counter()
        return ", ".join(f"{n} {k}" for k, n in sorted(counted.items())) or "none"

    def verify(self, placed: Sequence[tuple[str, str, tuple[str, ...]]]) -> str:
        """No node allocated twice, each matches its request; a summary."""
        nodes = [node for _, node, _ in placed]
        problems = []
        if len(set(nodes)) != len(nodes):
            problems.append(f"{len(nodes) - len(set(nodes))} nodes allocated twice")
        for _, node, traits in placed:
            fleet_node = self.by_uuid[node]
            if fleet_node.resource_class != GOLD or not set(traits) <= set(
                fleet_node.traits
            ):
                problems.append(f"{node} does not match its request")
        conn = sqlite3.connect(f"file:{self.ironic.db}?mode=ro", uri=True, timeout=30)
        try:
            twice = conn.execute(
                "SELECT COUNT(*) FROM (SELECT node_id FROM allocations "
                "WHERE node_id IS NOT NULL GROUP BY node_id HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            held = conn.execute(
                "SELECT COUNT(*) FROM nodes WHERE allocation_id IS NOT NULL"
            ).fetchone()[0]
        finally:
            conn.close()
        if twice:
            problems.append(f"Ironic's table: {twice} nodes with two allocations")
        if held < len(placed):
            problems.append(
                f"Ironic's nodes table: {held} allocated for {len(placed)} active"
            )
        if problems:
            raise BenchError("; ".join(problems[:5]))
        return (
            f"{len(placed)} active allocations on {len(set(nodes))} distinct "
            f"nodes ({held} nodes hold an allocation)"
        )

    def release(self) -> str:
        """DELETE every allocation made so far; a summary of what could not go."""
        left = 0
        with self._lock:
            created, self.created = self.created, []
        for uuid in created:
            resp = self.ironic.http.delete(f"/v1/allocations/{uuid}")
            if resp.status_code not in {204, 404}:
                left += 1
        return f"released {len(created) - left} allocations" + (
            f", {left} could not be deleted" if left else ""
        )


def _level(
    ironic: Ironic,
    allocs: Allocations,
    concurrency: int,
    requests: int,
    args: Any,
) -> Level:
    """Warm up (and check allocation works), run one level, verify, release."""
    allocs.interval = allocs.poll
    allocs.verify([allocs.one(i) for i in range(WARM_UP)])
    allocs.release()
    allocs.take_outcomes()
    # NOTE: each requester polls every poll x concurrency seconds, so the
    # polls together cost Ironic about the same at every level.
    allocs.interval = allocs.poll * concurrency
    level = Level(system="ironic", nodes=ironic_count(allocs), concurrency=concurrency)
    cpu0 = ironic.cpu()
    placed: list[Any] = run_level(level, requests, allocs.one, args.level_seconds)
    cpu = ironic.cpu() - cpu0
    level.notes.append(allocs.verify(placed))
    level.notes.append(
        f"Ironic CPU {1000 * cpu / max(1, level.sent):.0f} ms per request; "
        f"polled every {allocs.interval:.2f} s; trouble: {allocs.take_outcomes()}"
    )
    level.notes.append(f"load average after: {load_average()}")
    level.notes.append(allocs.release())
    return level


def ironic_count(allocs: Allocations) -> int:
    """The fleet size ``allocs`` works on."""
    return len(allocs.by_uuid)


def run(args: Any, root: pathlib.Path) -> dict[str, Any]:
    """Install if needed, load ``args.ironic_nodes`` nodes, run every level.

    Returns:
        ``{"nodes", "notes", "levels"[, "error"]}`` as ``_sched_mogan`` writes.
    """
    count = args.ironic_nodes or args.nodes
    out: dict[str, Any] = {"nodes": count, "notes": [], "levels": []}
    bin_dir = ensure_venv(pathlib.Path(args.ironic_venv).expanduser(), args.ironic_spec)
    version = subprocess.run(  # noqa: S603 - the venv's own pip
        [str(bin_dir / "pip"), "show", "ironic"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    out["notes"].append(
        "ironic "
        + next(
            (ln.split()[1] for ln in version.splitlines() if ln.startswith("Version:")),
            "?",
        )
    )
    nodes = fleet(count)
    ironic = Ironic(bin_dir, root / "ironic")
    try:
        print(f"-- ironic: 1 node through the API, {count - 1} by SQL", flush=True)
        ironic.start()
        ironic.enroll_first(nodes[0])
        ironic.stop()
        t0 = time.perf_counter()
        ironic.bulk_insert(nodes)
        inserted = time.perf_counter() - t0
        out["notes"].append(
            f"bulk insert of {count - 1} nodes into Ironic's DB: {inserted:.1f} s; "
            f"restart took {ironic.start():.1f} s"
        )
        out["notes"].append(ironic.check_sees(nodes))
        allocs = Allocations(ironic, nodes, args.ironic_poll, args.ironic_timeout)
        for conc in (int(c) for c in args.concurrency.split(",")):
            requests = requests_for(count, args.ironic_requests)
            announce(count, "ironic", conc, requests)
            out["levels"].append(_level(ironic, allocs, conc, requests, args).to_json())
            done(Level.from_json(out["levels"][-1]))
    except (BenchError, httpx.HTTPError, subprocess.CalledProcessError) as err:
        out["error"] = f"{type(err).__name__}: {err}"
    finally:
        ironic.stop()
        ironic.http.close()
    return out
