"""The fake driver's fleet file: node records, SQL, connections, console lines.

The fleet is the simulation's "hardware": it lives in
``<state_path>/fake-fleet.sqlite`` (stdlib ``sqlite3``, WAL mode), outside
Mogan's database as real hardware would be, so the API, the engine and tests
in separate processes on one machine share it. Writes are short
``BEGIN IMMEDIATE`` transactions (read, change, write one node); reads take
no lock. Here live the node record (``Node``, with how simulated time
settles it), the schema and every SQL statement, the per-process locks and
connection pool (``Fleet``), and the lines the serial console prints.

What must not live here: the driver's rules (when an operation may start,
what it does, how it is scripted: that is ``fake.FakeDriver``), anything of
Mogan's database or services (drivers reach hardware only, and
import-linter enforces it), and any real waiting.
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
POWER_TARGETS = {
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
class Node:
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
    def from_row(cls, row: sqlite3.Row) -> "Node":
        """The node stored in ``row``."""
        values = dict(zip(row.keys(), row, strict=True))
        for key in JSON_COLUMNS:
            values[key] = json.loads(values[key])
        for key in BOOL_COLUMNS:
            values[key] = bool(values[key])
        return cls(**values)

    def to_row(self) -> dict[str, Any]:
        """The node as named SQL parameters, JSON columns encoded."""
        row = dataclasses.asdict(self)
        for key in JSON_COLUMNS:
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
                self.power_state = POWER_TARGETS[self.power_target]

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
        """The node as the driver interface describes it."""
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


COLUMNS = [field.name for field in dataclasses.fields(Node)]
JSON_COLUMNS = ("traits", "properties", "ports")
BOOL_COLUMNS = ("maintenance", "power_settled")
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS nodes (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    {", ".join(COLUMNS[2:])}
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
INSERT = (
    f"INSERT INTO nodes ({', '.join(COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + c for c in COLUMNS)}) "
    "ON CONFLICT (uuid) DO NOTHING"
)
UPDATE = (
    f"UPDATE nodes SET {', '.join(f'{c} = :{c}' for c in COLUMNS[1:])} "  # noqa: S608
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


BOOT = (
    "Linux version 6.1.0-fake (mogan@fake) #1 SMP",
    "cloud-init[812]: Cloud-init v. 23.4 running 'init' for instance {server}",
    "cloud-init[812]: Cloud-init v. 23.4 finished (datasource ConfigDrive)",
    "{name} login:",
)
# NOTE: what the serial console prints when an operation starts ("X") and
# when it ends ("X done", "X failed"); formatted with the node's name and
# server and the operation's values.
LINES: dict[str, tuple[str, ...]] = {
    "deploy": (
        "fake-bmc: power on",
        "iPXE: booting the deploy ramdisk",
        "fake-agent: {op}: writing image {image} ({disk_format})",
    ),
    "deploy done": (
        "fake-agent: deployed image {image} for server {server}",
        "fake-agent: config drive with {files} files",
        "reboot: Restarting system",
        *BOOT,
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
    "on done": ("fake-bmc: power on", *BOOT),
    "off done": ("fake-bmc: power off",),
    "soft_off done": ("systemd[1]: Shutting down.", "reboot: Power down"),
    "reboot done": ("reboot: Restarting system", *BOOT),
    "soft_reboot done": ("systemd[1]: Rebooting.", *BOOT),
    "out of band": ("fake-bmc: {power_state} (out of band)",),
}


class Fleet:
    """The fleet file of one driver: pooled connections and every SQL statement.

    Args:
        state_path: directory of ``fake-fleet.sqlite`` (created when missing).
    """

    def __init__(self, state_path: str) -> None:
        """Open (and create when missing) the fleet file under ``state_path``."""
        self.path = pathlib.Path(state_path) / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock_for(self.path)
        self._pool: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        with self._lock, self.connection() as conn:
            # NOTE: switching to WAL needs an exclusive lock; skip it when
            # another process has already done it (the mode is persistent).
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.executescript(SCHEMA)

    def close(self) -> None:
        """Close the pooled connections (the fleet stays usable)."""
        while self._pool:
            self._pool.pop().close()

    @contextlib.contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection, outside any transaction (reads take no lock)."""
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
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A ``BEGIN IMMEDIATE`` transaction, committed unless the body raises."""
        with self._lock, self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @staticmethod
    def load(conn: sqlite3.Connection, node_uuid: str) -> Node:
        """One node as stored (not settled).

        Raises:
            NodeNotFound: no such node.
        """
        row = conn.execute(
            "SELECT * FROM nodes WHERE uuid = ?", (node_uuid,)
        ).fetchone()
        if row is None:
            raise base.NodeNotFound(node=node_uuid)
        return Node.from_row(row)

    def read(self, node_uuid: str) -> Node:
        """One node, settled to now.

        Raises:
            NodeNotFound: no such node.
        """
        with self.connection() as conn:
            node = self.load(conn, node_uuid)
        node.settle(time.time())
        return node

    def read_all(self) -> list[Node]:
        """Every node, by name, settled to now."""
        now = time.time()
        with self.connection() as conn:
            rows = conn.execute("SELECT * FROM nodes ORDER BY name").fetchall()
        nodes = [Node.from_row(row) for row in rows]
        for node in nodes:
            node.settle(now)
        return nodes

    @contextlib.contextmanager
    def change(self, node_uuid: str) -> Iterator[tuple[Node, sqlite3.Connection]]:
        """Read-modify-write one node in a single immediate transaction."""
        with self.transaction() as conn:
            node = self.load(conn, node_uuid)
            node.settle(time.time())
            yield node, conn
            conn.execute(UPDATE, node.to_row())

    def insert(self, node: Node) -> bool:
        """Add a node unless its uuid exists; whether it was added.

        Raises:
            sqlite3.IntegrityError: another node already has this name.
        """
        with self.transaction() as conn:
            added: bool = conn.execute(INSERT, node.to_row()).rowcount == 1
        return added

    @staticmethod
    def print(
        conn: sqlite3.Connection, node: Node, at: float, key: str, **values: Any
    ) -> None:
        """Log the console lines ``LINES[key]`` of ``node`` as printed at ``at``."""
        values |= {"name": node.name, "server": node.instance_uuid}
        conn.executemany(
            "INSERT INTO console (node_uuid, at, line) VALUES (?, ?, ?)",
            [(node.uuid, at, line.format(**values)) for line in LINES[key]],
        )

    @staticmethod
    def forget_console(conn: sqlite3.Connection, node_uuid: str, now: float) -> None:
        """Drop the node's lines due after ``now`` and all but its last ones."""
        conn.execute(
            "DELETE FROM console WHERE node_uuid = ? AND at > ?", (node_uuid, now)
        )
        conn.execute(
            "DELETE FROM console WHERE node_uuid = ? AND id < (SELECT id FROM"
            " console WHERE node_uuid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (node_uuid, node_uuid, _CONSOLE_KEEP),
        )

    def console_log(self, node_uuid: str) -> str:
        """The node's console lines printed so far (the last 500).

        Raises:
            NodeNotFound: no such node.
        """
        now = time.time()
        with self.connection() as conn:
            self.load(conn, node_uuid)
            rows = conn.execute(
                "SELECT line FROM (SELECT at, id, line FROM console"
                " WHERE node_uuid = ? AND at <= ? ORDER BY at DESC, id DESC"
                " LIMIT ?) ORDER BY at, id",
                (node_uuid, now, _CONSOLE_SHOW),
            ).fetchall()
        return "".join(f"{row['line']}\n" for row in rows)
