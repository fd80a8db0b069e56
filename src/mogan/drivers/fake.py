"""The fake driver: a simulated fleet for the all-in-one, demos and tests.

The fleet is the simulation's "hardware": it lives in
``<state_path>/fake-fleet.sqlite`` (stdlib ``sqlite3``, WAL mode), outside
Mogan's database as real hardware would be, so the API, the engine and tests
in separate processes on one machine share it. Writes are short
``BEGIN IMMEDIATE`` transactions (read, change, write one node); reads take
no lock.

Time is simulated without threads or sleeps: an operation started at ``t``
with duration ``d`` records both, and every read computes from
``time.time()`` whether it has finished (``settle``). The outcome (and the
console lines it prints) is decided when the operation starts, so a poll
never writes. Behaviour is scriptable per node: durations, the next N
failures of deploys (and rebuilds), power actions or cleanings, maintenance
and out-of-band power changes.

What must not live here: anything of Mogan's database or services (drivers
reach hardware only, and import-linter enforces it), and any real waiting.
"""

import contextlib
import dataclasses
import json
import os
import pathlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any

from mogan import states
from mogan.drivers import base

FILE_NAME = "fake-fleet.sqlite"

# Provision states of a simulated node.
AVAILABLE = "available"
DEPLOYING = "deploying"
ACTIVE = "active"
DEPLOY_FAILED = "deploy failed"
CLEANING = "cleaning"
CLEAN_FAILED = "clean failed"

# What each power action ends in.
_POWER_TARGETS = {
    "on": states.POWER_ON,
    "off": states.POWER_OFF,
    "soft_off": states.POWER_OFF,
    "reboot": states.POWER_ON,
    "soft_reboot": states.POWER_ON,
}
_BUSY_TIMEOUT = 30.0
_POOL_SIZE = 8
_CONSOLE_KEEP = 1000
_CONSOLE_SHOW = 500


@dataclasses.dataclass
class _Node:
    """One row of the ``nodes`` table, with its JSON columns decoded."""

    uuid: str
    name: str
    resource_class: str
    traits: list[str]
    properties: dict[str, Any]
    ports: list[str]
    power_state: str | None
    provision_state: str = AVAILABLE
    instance_uuid: str | None = None
    maintenance: bool = False
    maintenance_reason: str | None = None
    # The last provisioning operation (deploy, rebuild or teardown).
    prov_op: str | None = None
    prov_started_at: float = 0.0
    prov_duration: float = 0.0
    prov_error: str | None = None
    # The last power action.
    power_target: str | None = None
    power_started_at: float = 0.0
    power_duration: float = 0.0
    power_error: str | None = None
    power_settled: bool = True
    # Scripted behaviour; None durations mean the driver's defaults.
    deploy_seconds: float | None = None
    power_seconds: float | None = None
    clean_seconds: float | None = None
    fail_deploy: int = 0
    fail_power: int = 0
    fail_clean: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "_Node":
        values = dict(zip(row.keys(), row, strict=True))
        for key in _JSON_COLUMNS:
            values[key] = json.loads(values[key])
        for key in _BOOL_COLUMNS:
            values[key] = bool(values[key])
        return cls(**values)

    def to_row(self) -> dict[str, Any]:
        row = dataclasses.asdict(self)
        for key in _JSON_COLUMNS:
            row[key] = json.dumps(row[key], sort_keys=True)
        return row

    def settle(self, now: float) -> None:
        """Apply the end of any operation whose simulated time has passed."""
        prov_done = now >= self.prov_started_at + self.prov_duration
        if self.provision_state == DEPLOYING and prov_done:
            failed = self.prov_error is not None
            self.provision_state = DEPLOY_FAILED if failed else ACTIVE
            self.power_state = states.POWER_OFF if failed else states.POWER_ON
        elif self.provision_state == CLEANING and prov_done:
            self.instance_uuid = None
            self.power_state = states.POWER_OFF
            self.provision_state = AVAILABLE
            if self.prov_error is not None:
                self.provision_state = CLEAN_FAILED
                self.maintenance = True
                self.maintenance_reason = f"cleaning failed: {self.prov_error}"
        power_done = now >= self.power_started_at + self.power_duration
        if not self.power_settled and power_done:
            self.power_settled = True
            if self.power_error is None and self.power_target is not None:
                self.power_state = _POWER_TARGETS[self.power_target]

    def why_not(self) -> str | None:
        """Why the node cannot take a new server, or None when it can."""
        if self.maintenance:
            return f"in maintenance: {self.maintenance_reason}"
        if self.instance_uuid is not None:
            return (
                f"reserved for server {self.instance_uuid} "
                f"(provision state {self.provision_state})"
            )
        if self.provision_state != AVAILABLE:
            return f"provision state is {self.provision_state}"
        return None

    def to_spec(self) -> base.NodeSpec:
        why_not = self.why_not()
        return base.NodeSpec(
            uuid=self.uuid,
            name=self.name,
            resource_class=self.resource_class,
            traits=tuple(self.traits),
            properties=self.properties,
            ports=tuple(self.ports),
            power_state=self.power_state,
            maintenance=self.maintenance,
            instance_uuid=self.instance_uuid,
            consumable=why_not is None,
            why_not=why_not,
        )


_COLUMNS = [field.name for field in dataclasses.fields(_Node)]
_JSON_COLUMNS = ("traits", "properties", "ports")
_BOOL_COLUMNS = ("maintenance", "power_settled")
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS nodes (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    {", ".join(_COLUMNS[2:])}
);
CREATE TABLE IF NOT EXISTS console (
    id INTEGER PRIMARY KEY,
    node_uuid TEXT NOT NULL,
    at REAL NOT NULL,
    line TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS console_node ON console (node_uuid, at, id);
"""
# NOTE: column names come from the dataclass above, never from input.
_INSERT = (
    f"INSERT INTO nodes ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)}) "
    "ON CONFLICT (uuid) DO NOTHING"
)
_UPDATE = (
    f"UPDATE nodes SET {', '.join(f'{c} = :{c}' for c in _COLUMNS[1:])} "  # noqa: S608
    "WHERE uuid = :uuid"
)

# NOTE: one lock per fleet file and process: threads of one process queue on
# it instead of spinning in SQLite's busy handler; other processes are kept
# out by BEGIN IMMEDIATE and the busy timeout.
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(path: pathlib.Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(path.resolve()), threading.Lock())


_BOOT = (
    "Linux version 6.1.0-fake (mogan@fake) #1 SMP",
    "cloud-init[812]: Cloud-init v. 23.4 running 'init' for instance {server}",
    "cloud-init[812]: Cloud-init v. 23.4 finished (datasource ConfigDrive)",
    "{name} login:",
)
# NOTE: what the serial console prints when an operation starts ("X") and
# when it ends ("X done", "X failed"); formatted with the node's name and
# server and the operation's values.
_LINES: dict[str, tuple[str, ...]] = {
    "deploy": (
        "fake-bmc: power on",
        "iPXE: booting the deploy ramdisk",
        "fake-agent: {op}: writing image {image} ({disk_format})",
    ),
    "deploy done": (
        "fake-agent: deployed image {image} for server {server}",
        "fake-agent: config drive with {files} files",
        "reboot: Restarting system",
        *_BOOT,
    ),
    "deploy failed": ("fake-agent: {op} failed: {error}", "fake-bmc: power off"),
    "teardown": ("fake-bmc: power on", "fake-agent: cleaning: erasing disks"),
    "teardown done": ("fake-agent: cleaning done", "fake-bmc: power off"),
    "teardown failed": (
        "fake-agent: cleaning failed: {error}",
        "fake-bmc: power off",
    ),
    "power": ("fake-bmc: power action {target} requested",),
    "power failed": ("fake-bmc: power action {target} failed: {error}",),
    "on done": ("fake-bmc: power on", *_BOOT),
    "off done": ("fake-bmc: power off",),
    "soft_off done": ("systemd[1]: Shutting down.", "reboot: Power down"),
    "reboot done": ("reboot: Restarting system", *_BOOT),
    "soft_reboot done": ("systemd[1]: Rebooting.", *_BOOT),
    "out of band": ("fake-bmc: {power_state} (out of band)",),
}


class FakeDriver(base.Driver, base.EnrollInterface):
    """Simulated nodes in an SQLite file shared by every process on the host."""

    name = "fake"

    def __init__(
        self,
        state_path: str,
        deploy_seconds: float = 0.0,
        power_seconds: float = 0.0,
        clean_seconds: float = 0.0,
    ) -> None:
        """Use (and create when missing) the fleet file under ``state_path``.

        Args:
            state_path: directory of ``fake-fleet.sqlite``.
            deploy_seconds: default duration of deploys and rebuilds.
            power_seconds: default duration of power actions.
            clean_seconds: default duration of teardowns (cleaning).
        """
        self.path = pathlib.Path(state_path) / FILE_NAME
        self.deploy_seconds = deploy_seconds
        self.power_seconds = power_seconds
        self.clean_seconds = clean_seconds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_for(self.path)
        self._pool: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        with self._lock, self._connection() as conn:
            # NOTE: switching to WAL needs an exclusive lock; skip it when
            # another process has already done it (the mode is persistent).
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(_SCHEMA)

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        """Close the pooled connections (the driver stays usable)."""
        while self._pool:
            self._pool.pop().close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._pid != os.getpid():
            # NOTE: a forked child must not use its parent's connections.
            self._pool, self._pid = [], os.getpid()
        try:
            conn = self._pool.pop()
        except IndexError:
            conn = sqlite3.connect(
                self.path,
                timeout=_BUSY_TIMEOUT,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous = NORMAL")
        try:
            yield conn
        finally:
            if conn.in_transaction or len(self._pool) >= _POOL_SIZE:
                conn.close()
            else:
                self._pool.append(conn)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    def _load(conn: sqlite3.Connection, node_uuid: str) -> _Node:
        row = conn.execute(
            "SELECT * FROM nodes WHERE uuid = ?", (node_uuid,)
        ).fetchone()
        if row is None:
            raise base.NodeNotFound(node=node_uuid)
        return _Node.from_row(row)

    def _read(self, node_uuid: str) -> _Node:
        with self._connection() as conn:
            node = self._load(conn, node_uuid)
        node.settle(time.time())
        return node

    @contextlib.contextmanager
    def _change(self, node_uuid: str) -> Iterator[tuple[_Node, sqlite3.Connection]]:
        """Read-modify-write one node in a single immediate transaction."""
        with self._transaction() as conn:
            node = self._load(conn, node_uuid)
            node.settle(time.time())
            yield node, conn
            conn.execute(_UPDATE, node.to_row())

    @staticmethod
    def _print(
        conn: sqlite3.Connection, node: _Node, at: float, key: str, **values: Any
    ) -> None:
        values |= {"name": node.name, "server": node.instance_uuid}
        conn.executemany(
            "INSERT INTO console (node_uuid, at, line) VALUES (?, ?, ?)",
            [(node.uuid, at, line.format(**values)) for line in _LINES[key]],
        )

    def _script(self, node: _Node, kind: str) -> tuple[float, str | None]:
        """Duration and (decided now) error of the node's next ``kind`` operation."""
        seconds = getattr(node, f"{kind}_seconds")
        duration = getattr(self, f"{kind}_seconds") if seconds is None else seconds
        failures = getattr(node, f"fail_{kind}")
        if failures <= 0:
            return duration, None
        setattr(node, f"fail_{kind}", failures - 1)
        return duration, f"simulated {kind} failure"

    def _begin(
        self, conn: sqlite3.Connection, node: _Node, op: str, **values: Any
    ) -> None:
        """Start a deploy, rebuild or teardown and print its console lines."""
        teardown = op == "teardown"
        key = "teardown" if teardown else "deploy"
        duration, node.prov_error = self._script(node, "clean" if teardown else key)
        now = time.time()
        # NOTE: a superseded operation (a deploy aborted by a teardown) must
        # not print its future lines; the log keeps the last lines only.
        conn.execute(
            "DELETE FROM console WHERE node_uuid = ? AND at > ?", (node.uuid, now)
        )
        conn.execute(
            "DELETE FROM console WHERE node_uuid = ? AND id < (SELECT id FROM"
            " console WHERE node_uuid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (node.uuid, node.uuid, _CONSOLE_KEEP),
        )
        node.prov_op, node.prov_started_at, node.prov_duration = op, now, duration
        node.power_target, node.power_settled = None, True
        node.power_state = states.POWER_ON
        node.provision_state = CLEANING if teardown else DEPLOYING
        values |= {"op": op, "error": node.prov_error}
        self._print(conn, node, now, key, **values)
        end = "done" if node.prov_error is None else "failed"
        self._print(conn, node, now + duration, f"{key} {end}", **values)

    # ------------------------------------------------------------ inventory

    def list_nodes(self) -> list[base.NodeSpec]:
        """Every simulated node, by name."""
        now = time.time()
        with self._connection() as conn:
            rows = conn.execute("SELECT * FROM nodes ORDER BY name").fetchall()
        nodes = [_Node.from_row(row) for row in rows]
        for node in nodes:
            node.settle(now)
        return [node.to_spec() for node in nodes]

    def get_node(self, node_uuid: str) -> base.NodeSpec:
        """One simulated node."""
        return self._read(node_uuid).to_spec()

    def provision_state(self, node_uuid: str) -> str:
        """The simulated provision state (``available``, ``deploying`` ...)."""
        return self._read(node_uuid).provision_state

    def enroll(self, node: base.NodeSpec) -> bool:
        """Add a simulated node; an existing uuid is left as it is.

        A spec with an ``instance_uuid`` enrolls an already deployed node (as
        found by adoption).

        Raises:
            DriverError: another node already has this name.
        """
        deployed = node.instance_uuid is not None
        record = _Node(
            uuid=node.uuid,
            name=node.name,
            resource_class=node.resource_class,
            traits=list(node.traits),
            properties=dict(node.properties),
            ports=list(node.ports),
            power_state=node.power_state
            or (states.POWER_ON if deployed else states.POWER_OFF),
            provision_state=ACTIVE if deployed else AVAILABLE,
            instance_uuid=node.instance_uuid,
            maintenance=node.maintenance,
            maintenance_reason="enrolled in maintenance" if node.maintenance else None,
        )
        try:
            with self._transaction() as conn:
                added = conn.execute(_INSERT, record.to_row()).rowcount == 1
        except sqlite3.IntegrityError as err:
            raise base.DriverError(
                node=node.uuid, reason=f"name {node.name} is already taken"
            ) from err
        return added

    # ------------------------------------------------------------ scripting

    def set_behaviour(
        self,
        node_uuid: str,
        *,
        fail_deploy: int | None = None,
        fail_power: int | None = None,
        fail_clean: int | None = None,
        deploy_seconds: float | None = None,
        power_seconds: float | None = None,
        clean_seconds: float | None = None,
    ) -> None:
        """Script a node: ``fail_X=N`` fails its next N such operations.

        Deploy failures and durations apply to rebuilds too. Arguments left
        as None keep their current value.

        Raises:
            NodeNotFound: no such node.
        """
        with self._change(node_uuid) as (node, _):
            for key, value in (
                ("fail_deploy", fail_deploy),
                ("fail_power", fail_power),
                ("fail_clean", fail_clean),
                ("deploy_seconds", deploy_seconds),
                ("power_seconds", power_seconds),
                ("clean_seconds", clean_seconds),
            ):
                if value is not None:
                    setattr(node, key, value)

    def set_maintenance(
        self, node_uuid: str, maintenance: bool, reason: str | None = None
    ) -> None:
        """Put a node in (or out of) maintenance, as an operator would.

        Leaving maintenance after a failed cleaning makes the node available
        again (the operator has fixed it).

        Raises:
            NodeNotFound: no such node.
        """
        with self._change(node_uuid) as (node, _):
            node.maintenance = maintenance
            node.maintenance_reason = (
                (reason or "set by operator") if maintenance else None
            )
            if not maintenance and node.provision_state == CLEAN_FAILED:
                node.provision_state, node.prov_op, node.prov_error = (
                    AVAILABLE,
                    None,
                    None,
                )

    def set_power_out_of_band(self, node_uuid: str, power_state: str) -> None:
        """Change a node's power behind Mogan's back (``power on``/``power off``).

        Raises:
            NodeNotFound: no such node.
            ValueError: not a power state.
        """
        if power_state not in {states.POWER_ON, states.POWER_OFF}:
            raise ValueError(f"not a power state: {power_state!r}")
        with self._change(node_uuid) as (node, conn):
            node.power_state = power_state
            self._print(conn, node, time.time(), "out of band", power_state=power_state)

    # ------------------------------------------------------------ power

    def get_power_state(self, node_uuid: str) -> str | None:
        """``power on`` or ``power off``."""
        return self._read(node_uuid).power_state

    def start_power(self, node_uuid: str, target: str) -> None:
        """Begin a power action on a deployed node.

        Re-issuing the action in progress is a no-op.
        """
        if target not in _POWER_TARGETS:
            raise base.DriverError(node=node_uuid, reason=f"no power action {target}")
        with self._change(node_uuid) as (node, conn):
            state = node.provision_state
            if state == DEPLOYING:
                raise base.NodeLocked(node=node_uuid, reason="it is being deployed")
            if state != ACTIVE:
                reason = f"it is not deployed ({state})"
                raise base.DriverError(node=node_uuid, reason=reason)
            if not node.power_settled:
                if node.power_target == target:
                    return
                reason = f"power {node.power_target} is in progress"
                raise base.NodeLocked(node=node_uuid, reason=reason)
            duration, node.power_error = self._script(node, "power")
            node.power_target, node.power_settled = target, False
            node.power_started_at = now = time.time()
            node.power_duration = duration
            self._print(conn, node, now, "power", target=target)
            end = f"{target} done" if node.power_error is None else "power failed"
            self._print(
                conn, node, now + duration, end, target=target, error=node.power_error
            )

    def poll_power(self, node_uuid: str) -> base.Status:
        """Progress of the last power action (DONE when there was none)."""
        node = self._read(node_uuid)
        if not node.power_settled:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.power_target is not None and node.power_error is not None:
            return base.Status(base.Progress.FAILED, node.power_error)
        return base.Status(base.Progress.DONE)

    # ------------------------------------------------------------ deploy

    def start_deploy(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Reserve the node for the server and begin deploying.

        A repeated call for the same server while deploying or active is a
        no-op; after a failed deploy it deploys again.
        """
        server = request.server_uuid
        with self._change(node_uuid) as (node, conn):
            state = node.provision_state
            if node.instance_uuid == server and state in {DEPLOYING, ACTIVE}:
                return
            if state == CLEANING:
                raise base.NodeLocked(node=node_uuid, reason="it is being cleaned")
            if node.instance_uuid not in {None, server}:
                reason = f"it is reserved for server {node.instance_uuid}"
                raise base.DriverError(node=node_uuid, reason=reason)
            if node.maintenance or state not in {AVAILABLE, DEPLOY_FAILED}:
                raise base.DriverError(node=node_uuid, reason=node.why_not())
            self._begin_deploy(conn, node, "deploy", request)

    def start_rebuild(self, node_uuid: str, request: base.DeployRequest) -> None:
        """Begin re-deploying a node active for the server.

        Re-issuing a rebuild in progress is a no-op.
        """
        with self._change(node_uuid) as (node, conn):
            state = node.provision_state
            if node.instance_uuid != request.server_uuid:
                reason = f"it is not deployed for server {request.server_uuid}"
                raise base.DriverError(node=node_uuid, reason=reason)
            if state == DEPLOYING and node.prov_op == "rebuild":
                return
            if state == DEPLOYING or not node.power_settled:
                raise base.NodeLocked(node=node_uuid, reason="it is busy")
            if state != ACTIVE:
                reason = f"provision state is {state}"
                raise base.DriverError(node=node_uuid, reason=reason)
            self._begin_deploy(conn, node, "rebuild", request)

    def _begin_deploy(
        self,
        conn: sqlite3.Connection,
        node: _Node,
        op: str,
        request: base.DeployRequest,
    ) -> None:
        node.instance_uuid = request.server_uuid
        self._begin(
            conn,
            node,
            op,
            image=request.image_url,
            disk_format=request.disk_format,
            files=len(request.config_drive or {}),
        )

    def poll_deploy(self, node_uuid: str) -> base.Status:
        """Progress of the deploy or rebuild; FAILED when none is on the node."""
        node = self._read(node_uuid)
        if node.provision_state == DEPLOYING:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.provision_state == ACTIVE:
            return base.Status(base.Progress.DONE)
        if node.provision_state == DEPLOY_FAILED:
            return base.Status(base.Progress.FAILED, node.prov_error)
        reason = f"node is not deployed ({node.provision_state})"
        return base.Status(base.Progress.FAILED, reason)

    def start_teardown(self, node_uuid: str) -> None:
        """Begin cleaning the node (aborting a deploy in progress).

        A node already cleaning, free, or whose cleaning failed is left as
        it is.
        """
        with self._change(node_uuid) as (node, conn):
            if node.provision_state in {CLEANING, AVAILABLE, CLEAN_FAILED}:
                return
            if not node.power_settled:
                raise base.NodeLocked(node=node_uuid, reason="it is busy")
            self._begin(conn, node, "teardown")

    def poll_teardown(self, node_uuid: str) -> base.Status:
        """Progress of the teardown; FAILED when cleaning failed."""
        node = self._read(node_uuid)
        if node.provision_state == CLEANING:
            return base.Status(base.Progress.IN_PROGRESS)
        if node.provision_state == AVAILABLE:
            return base.Status(base.Progress.DONE)
        if node.provision_state == CLEAN_FAILED:
            return base.Status(base.Progress.FAILED, node.maintenance_reason)
        reason = f"node is not being torn down ({node.provision_state})"
        return base.Status(base.Progress.FAILED, reason)

    # ------------------------------------------------------------ console

    def get_console(self, node_uuid: str, kind: str) -> dict[str, str]:
        """A ``fake://`` URL for the serial console; no other kind exists."""
        self._read(node_uuid)
        if kind != "serial":
            raise base.ConsoleUnavailable(node=node_uuid, kind=kind)
        return {"type": "serial", "url": f"fake://console/{node_uuid}"}

    def console_log(self, node_uuid: str) -> str:
        """The simulated serial output so far (its last 500 lines)."""
        now = time.time()
        with self._connection() as conn:
            self._load(conn, node_uuid)
            rows = conn.execute(
                "SELECT line FROM (SELECT at, id, line FROM console"
                " WHERE node_uuid = ? AND at <= ? ORDER BY at DESC, id DESC"
                " LIMIT ?) ORDER BY at, id",
                (node_uuid, now, _CONSOLE_SHOW),
            ).fetchall()
        return "".join(f"{row['line']}\n" for row in rows)
