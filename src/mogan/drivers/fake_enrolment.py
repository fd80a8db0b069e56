"""Enrolment in the fake driver: simulated BMCs, adding, changing, removing nodes.

``EnrollInterface``, mixed into ``FakeDriver``.

Any ``fake://`` address answers to any non-empty credentials; its hardware
is made up from the address (``fake_inventory``), the same on every call.

What must not live here: SQL (``fake_fleet``'s), and the node's
operations (``fake.FakeDriver``'s).
"""

import dataclasses
import sqlite3

from mogan import states
from mogan.drivers import base, fake_fleet, fake_inventory

BMC_SCHEME = "fake://"


class Enrolment(base.EnrollInterface):
    """Enrolment of a fake fleet's nodes through simulated BMCs."""

    _fleet: fake_fleet.Fleet

    def validate_bmc(self, bmc: base.BmcAccess) -> base.Inventory:
        """A simulated BMC: any ``fake://`` address answers to any credentials.

        Its hardware is made up from the address (the same on every call).

        Raises:
            BmcRefused: not a ``fake://`` address (unreachable), or no
                username or password given.
        """
        if not bmc.address.startswith(BMC_SCHEME) or bmc.address == BMC_SCHEME:
            raise base.BmcRefused(
                address=bmc.address, reason=f"unreachable (not {BMC_SCHEME}...)"
            )
        if not bmc.username or not bmc.password:
            raise base.BmcRefused(
                address=bmc.address, reason="credentials refused (401)"
            )
        return fake_inventory.generate(bmc.address)

    def enroll(self, node: base.NodeSpec, bmc: base.BmcAccess | None = None) -> bool:
        """Add a simulated node; an existing uuid is left as it is.

        A spec with an ``instance_uuid`` enrolls an already deployed node (as
        found by adoption). With a ``bmc``, the node's hardware is the BMC's
        and a node given no ports gets the BMC's NICs as ports.

        Raises:
            BmcRefused: the simulated BMC refuses (see ``validate_bmc``).
            DriverError: another node already has this name.
        """
        found = None
        if bmc is not None:
            found = self.validate_bmc(bmc)
            if node.ports:
                found = fake_inventory.generate(bmc.address, node.ports)
            else:
                node = dataclasses.replace(
                    node, ports=tuple(nic.mac for nic in found.nics)
                )
        deployed = node.instance_uuid is not None
        record = fake_fleet.Node(
            uuid=node.uuid,
            name=node.name,
            resource_class=node.resource_class,
            traits=list(node.traits),
            properties=dict(node.properties),
            ports=list(node.ports),
            power_state=node.power_state
            or (states.POWER_ON if deployed else states.POWER_OFF),
            provision_state=fake_fleet.ACTIVE if deployed else fake_fleet.AVAILABLE,
            instance_uuid=node.instance_uuid,
            maintenance=node.maintenance,
            maintenance_reason="enrolled in maintenance" if node.maintenance else None,
        )
        try:
            added = self._fleet.insert(record)
        except sqlite3.IntegrityError as err:
            raise base.NodeNameTaken(node=node.uuid, name=node.name) from err
        if added and found is not None:
            self._fleet.write_inventory(node.uuid, found.to_dict())
        return added

    def update_node(
        self, node: base.NodeSpec, bmc: base.BmcAccess | None = None
    ) -> None:
        """Rename or reclassify a simulated node; with ``bmc``, reach it anew.

        A new BMC is validated first and its hardware becomes the node's.

        Raises:
            NodeNotFound: no such node.
            BmcRefused: the new BMC refuses (nothing is changed).
            DriverError: another node already has the new name.
        """
        found = self.validate_bmc(bmc) if bmc is not None else None
        try:
            with self._fleet.change(node.uuid) as (record, _conn):
                record.name = node.name
                record.resource_class = node.resource_class
                record.traits = list(node.traits)
                record.properties = dict(node.properties)
                if node.ports:
                    record.ports = list(node.ports)
        except sqlite3.IntegrityError as err:
            raise base.NodeNameTaken(node=node.uuid, name=node.name) from err
        if found is not None:
            self._fleet.write_inventory(node.uuid, found.to_dict())

    def unenroll(self, node_uuid: str) -> None:
        """Remove a simulated node that carries no server (gone: no-op).

        Raises:
            DriverError: the node is reserved for a server.
        """
        try:
            reserved = self._fleet.remove(node_uuid)
        except base.NodeNotFound:
            return
        if reserved is not None:
            raise base.DriverError(
                node=node_uuid,
                reason=f"it is reserved for server {reserved.instance_uuid}",
            )
