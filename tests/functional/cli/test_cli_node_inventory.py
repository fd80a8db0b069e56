"""``mogan node show --inventory`` over the real app.

The node row is written as the engine's node sync writes it (inventory from
the fake driver's made-up hardware); no engine runs here.
"""

import json

from mogan.drivers import fake_inventory
from tests.functional.api.support import make_node


class TestNodeShowInventory:
    def test_shows_the_hardware_at_1_5(self, mogan, database, recorder):
        """The inventory's disks, NICs, BIOS registry and firmware, asked at 1.5."""
        inventory = fake_inventory.generate("seed-1", ("52:54:00:00:00:01",))
        make_node(database, "n1", inventory=inventory.to_dict())
        result = mogan("node", "show", "n1", "--inventory", "-f", "json")
        assert result.code == 0, result.err
        shown = json.loads(result.out)
        assert inventory.to_dict()["disks"] == shown["disks"]
        assert shown["nics"][0]["mac"] == "52:54:00:00:00:01"
        assert shown["bios"]["SriovGlobalEnable"]["attribute_type"] == "Enumeration"
        assert {"bios", "bmc", "nic:NIC.1"} == {
            f["component"] for f in shown["firmware"]
        }
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.5"

    def test_a_node_not_read_yet_says_so(self, mogan, database):
        """A node the engine has not inventoried yet is an error, not an empty table."""
        make_node(database, "n2")
        result = mogan("node", "show", "n2", "--inventory")
        assert result.code != 0
        assert "has no inventory yet" in result.err

    def test_an_older_version_is_refused(self, mogan, database):
        """--inventory with an explicit version below 1.5 is refused by the CLI."""
        make_node(database, "n3")
        result = mogan(
            "--os-compute-api-version", "1.2", "node", "show", "n3", "--inventory"
        )
        assert result.code != 0
        assert "1.5" in result.err
