"""The node sync reads an Ironic node's inventory again when its ports change.

A real node sync over the Ironic driver on the real Ironic, into a SQLite
database and the embedded Placement: ports cabled to a physical network
and a switch after Mogan read the node's inventory (which leaves their
addresses as they were) reach the stored inventory, and so the facts bond
planning filters on, at the next run; a run with nothing changed reads
nothing again.
"""

import uuid

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.drivers import base
from mogan.engine import node_sync
from mogan.scheduler import hardware as hardware_fit
from tests.engine import conftest as engine_conftest
from tests.ironic.configurable import mac
from tests.ironic.support import Ironic

# NOTE: the embedded Placement of tests/engine (pytest finds fixtures by
# module attribute).
globals().update(
    {
        name: getattr(engine_conftest, name)
        for name in ("econf", "placement_state", "placement_client_")
    }
)

pytestmark = pytest.mark.services

PHYSNET = "physnet-bond"


def _row(database, node_uuid: str) -> models.Node:
    with database.transaction(readonly=True) as session:
        return session.scalars(
            sa.select(models.Node).where(models.Node.uuid == node_uuid)
        ).one()


def _nic_facts(row: models.Node) -> tuple[tuple[str, int], ...]:
    """(physical network, NIC count) as the scheduler sees the stored inventory."""
    inventory = base.Inventory.from_dict(row.inventory or {})
    return hardware_fit.Facts.of(inventory).nics


def _cable(ironic: Ironic, node_uuid: str, addresses: list[str]) -> None:
    """Put the node's ports on ``PHYSNET`` behind a switch (in maintenance)."""
    ironic.call(
        "PATCH",
        f"/v1/nodes/{node_uuid}",
        [{"op": "replace", "path": "/maintenance", "value": True}],
    )
    for index, address in enumerate(addresses):
        [port] = ironic.call("GET", f"/v1/ports?address={address}")["ports"]
        ironic.call(
            "PATCH",
            f"/v1/ports/{port['uuid']}",
            [
                {"op": "add", "path": "/physical_network", "value": PHYSNET},
                {
                    "op": "add",
                    "path": "/local_link_connection",
                    "value": {
                        "switch_id": "a0:36:9f:00:00:01",
                        "port_id": f"Ethernet1/{index + 1}",
                        "switch_info": "leaf-1",
                    },
                },
            ],
        )
    ironic.call(
        "PATCH",
        f"/v1/nodes/{node_uuid}",
        [{"op": "replace", "path": "/maintenance", "value": False}],
    )


class TestPortsChangeTheInventory:
    def test_ports_cabled_after_the_read_are_read_at_the_next_run(
        self, ironic, ironic_driver, database, placement_client_
    ):
        """Same addresses, new physical network and links: the inventory is read."""
        addresses = [mac(), mac()]
        node = ironic.enroll(
            resource_class=f"bm-{uuid.uuid4().hex[:8]}", ports=tuple(addresses)
        )
        node_sync.sync(database, ironic_driver, placement_client_, "engine-a")
        before = _row(database, node)
        assert _nic_facts(before) == (("", 2),)

        _cable(ironic, node, addresses)
        node_sync.sync(database, ironic_driver, placement_client_, "engine-a")
        after = _row(database, node)

        assert after.ports == before.ports
        assert _nic_facts(after) == ((PHYSNET, 2),)
        nics = base.Inventory.from_dict(after.inventory or {}).nics
        assert [n.switch_port.port_id for n in nics if n.switch_port] == [
            "Ethernet1/1",
            "Ethernet1/2",
        ]
        assert after.inventory_at > before.inventory_at

        # NOTE: nothing changed since: the next run reads nothing again.
        node_sync.sync(database, ironic_driver, placement_client_, "engine-a")
        assert _row(database, node).inventory_at == after.inventory_at
