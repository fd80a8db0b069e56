"""The fake driver's VIFs: what is plugged on each simulated node's ports.

``Vifs`` is mixed into ``FakeDriver``. A deploy (or rebuild) plugs its
request's NICs (``plug_deployed``, called inside the driver's own fleet
transaction), a teardown unplugs them all (``unplug_all``), and
``attach_vif``/``detach_vif`` add and remove one on a node that carries a
server (interface attach and detach). Each physical port (MAC) carries one
VIF at most, a bond's VIF is on each member port. ``vifs`` reads them
back, so tests check what the engine did from the "hardware".

What must not live here: the table itself and its console lines
(``fake_fleet``), when a deploy or teardown may start (``fake``).
"""

import sqlite3
import time
from collections.abc import Iterable

from mogan.drivers import base, fake_fleet

BUSY = frozenset({fake_fleet.DEPLOYING, fake_fleet.CLEANING})


def plug_deployed(
    conn: sqlite3.Connection, node_uuid: str, nics: Iterable[base.Nic]
) -> None:
    """Make the node's VIFs exactly the deploy request's NICs."""
    conn.execute("DELETE FROM vifs WHERE node_uuid = ?", (node_uuid,))
    conn.executemany(
        "INSERT OR REPLACE INTO vifs (node_uuid, mac, port_id, network_id)"
        " VALUES (?, ?, ?, ?)",
        [(node_uuid, nic.mac.lower(), nic.port_id, nic.network_id) for nic in nics],
    )


def unplug_all(conn: sqlite3.Connection, node_uuid: str) -> None:
    """Unplug every VIF of the node (a teardown)."""
    conn.execute("DELETE FROM vifs WHERE node_uuid = ?", (node_uuid,))


class Vifs(base.VifInterface):
    """VIFs of a fake fleet's nodes (mixed into ``FakeDriver``)."""

    _fleet: fake_fleet.Fleet

    def vifs(self, node_uuid: str) -> list[base.Nic]:
        """The VIFs plugged on the node, by MAC (no addresses: only the ids).

        Raises:
            NodeNotFound: no such node.
        """
        with self._fleet.connection() as conn:
            self._fleet.load(conn, node_uuid)
            rows = conn.execute(
                "SELECT mac, port_id, network_id FROM vifs WHERE node_uuid = ?"
                " ORDER BY mac",
                (node_uuid,),
            ).fetchall()
        return [
            base.Nic(
                mac=row["mac"], port_id=row["port_id"], network_id=row["network_id"]
            )
            for row in rows
        ]

    def attach_vif(self, node_uuid: str, nic: base.Nic) -> None:
        """Plug the VIF on the node's port ``nic.mac`` (plugged already: no-op).

        Raises:
            NodeNotFound: no such node.
            NodeLocked: it is being deployed or cleaned.
            DriverError: it carries no server, has no such port, or the
                port has another VIF.
        """
        mac = nic.mac.lower()
        with self._fleet.change(node_uuid) as (node, conn):
            if node.provision_state in BUSY:
                reason = f"it is {node.provision_state}"
                raise base.NodeLocked(node=node_uuid, reason=reason)
            if node.instance_uuid is None:
                reason = "it carries no server to plug a VIF for"
                raise base.DriverError(node=node_uuid, reason=reason)
            if mac not in {port.lower() for port in node.ports}:
                reason = f"it has no port {nic.mac}"
                raise base.DriverError(node=node_uuid, reason=reason)
            plugged = {
                row["mac"]: row["port_id"]
                for row in conn.execute(
                    "SELECT mac, port_id FROM vifs WHERE node_uuid = ?", (node_uuid,)
                )
            }
            if nic.port_id in plugged.values():
                return
            if mac in plugged:
                reason = f"its port {mac} already has VIF {plugged[mac]}"
                raise base.DriverError(node=node_uuid, reason=reason)
            conn.execute(
                "INSERT INTO vifs (node_uuid, mac, port_id, network_id)"
                " VALUES (?, ?, ?, ?)",
                (node_uuid, mac, nic.port_id, nic.network_id),
            )
            self._fleet.print(
                conn,
                node,
                time.time(),
                "vif",
                port_id=nic.port_id,
                network_id=nic.network_id,
                mac=mac,
            )

    def detach_vif(self, node_uuid: str, port_id: str) -> None:
        """Unplug the VIF wherever it is on the node (not plugged: no-op).

        Raises:
            NodeNotFound: no such node.
            NodeLocked: it is being deployed or cleaned.
        """
        with self._fleet.change(node_uuid) as (node, conn):
            macs = [
                row["mac"]
                for row in conn.execute(
                    "SELECT mac FROM vifs WHERE node_uuid = ? AND port_id = ?",
                    (node_uuid, port_id),
                )
            ]
            if not macs:
                return
            if node.provision_state in BUSY:
                reason = f"it is {node.provision_state}"
                raise base.NodeLocked(node=node_uuid, reason=reason)
            conn.execute(
                "DELETE FROM vifs WHERE node_uuid = ? AND port_id = ?",
                (node_uuid, port_id),
            )
            for mac in macs:
                self._fleet.print(
                    conn,
                    node,
                    time.time(),
                    "vif unplugged",
                    port_id=port_id,
                    mac=mac,
                )
