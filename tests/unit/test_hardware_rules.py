"""The hardware fit rules: a request judged against a node's scheduling facts."""

import pytest

from mogan.drivers import base
from mogan.drivers import hardware as hw
from mogan.scheduler import hardware as rules

INT = base.BiosAttributeType.INTEGER


def facts(**inventory) -> rules.Facts:
    """Facts of an inventory built from keyword fields."""
    return rules.Facts.of(base.Inventory(**inventory))


def disks(count: int, kind: str, size: int, controller: str | None = "C1"):
    """``count`` disks of one kind and size."""
    return tuple(
        base.Disk(f"d{i}", size, base.DiskType(kind), controller=controller)
        for i in range(count)
    )


HW_RAID = base.RaidController("C1", ("0", "1", "5"))
SW_RAID = base.RaidController("software", ("0", "1", "1+0"), software=True)


class TestFacts:
    def test_node_specific_values_do_not_split_classes(self):
        """Nodes differing only in MACs, serials, versions, values share a class."""
        one = base.Inventory(
            disks=(base.Disk("/dev/sda", 100, base.DiskType.SSD, serial="A"),),
            nics=(base.InventoryNic("aa", physical_network="p1"),),
            bios={"X": base.BiosAttribute("1", INT, lower_bound=0, upper_bound=3)},
            firmware=(base.FirmwareComponent("bios", "1.0"),),
        )
        two = base.Inventory(
            disks=(base.Disk("/dev/sdb", 100, base.DiskType.SSD, serial="B"),),
            nics=(base.InventoryNic("bb", physical_network="p1"),),
            bios={"X": base.BiosAttribute("2", INT, lower_bound=0, upper_bound=3)},
            firmware=(base.FirmwareComponent("bios", "2.0"),),
        )
        assert rules.Facts.of(one).fingerprint() == rules.Facts.of(two).fingerprint()
        more = base.Inventory(disks=one.disks * 2)
        assert rules.Facts.of(more).fingerprint() != rules.Facts.of(one).fingerprint()

    def test_json_form_round_trips(self):
        """Facts read back from their stored form are equal."""
        f = facts(disks=disks(2, "hdd", 10), raid_controllers=(HW_RAID,))
        assert f == rules.Facts.from_dict(f.to_dict())


class TestRaid:
    def test_volumes_of_one_type_share_its_disks(self):
        """Two RAID 1 volumes of 60 GiB need 120 GiB on each of two disks."""
        node = facts(disks=disks(2, "ssd", 100), raid_controllers=(HW_RAID,))
        one = hw.LogicalDisk("1", 60, disk_type="ssd")
        assert rules.why_not(node, hw.HardwareRequest(raid=(one,))) is None
        assert rules.why_not(node, hw.HardwareRequest(raid=(one, one))) == (
            "too few ssd disks of 120 GiB for RAID 1 (2 needed)"
        )

    def test_raid_5_spreads_its_size_over_data_disks(self):
        """RAID 5 of 200 GiB on 3 disks needs 100 GiB per disk."""
        node = facts(disks=disks(3, "hdd", 100), raid_controllers=(HW_RAID,))
        ok = hw.LogicalDisk("5", 200, disk_type="hdd")
        big = hw.LogicalDisk("5", 201, disk_type="hdd")
        assert rules.why_not(node, hw.HardwareRequest(raid=(ok,))) is None
        assert "too few hdd disks of 101 GiB" in str(
            rules.why_not(node, hw.HardwareRequest(raid=(big,)))
        )

    def test_software_raid_reaches_disks_on_no_controller(self):
        """NVMe drives on no controller take software RAID 1+0, not hardware RAID 5."""
        node = facts(disks=disks(4, "nvme", 500, None), raid_controllers=(SW_RAID,))
        ten = hw.LogicalDisk("1+0", None, disk_type="nvme")
        five = hw.LogicalDisk("5", None, disk_type="nvme")
        named = hw.LogicalDisk("1", None, controller="C1")
        assert rules.why_not(node, hw.HardwareRequest(raid=(ten,))) is None
        assert rules.why_not(node, hw.HardwareRequest(raid=(five,))) == (
            "no controller for RAID 5"
        )
        assert rules.why_not(node, hw.HardwareRequest(raid=(named,))) == (
            "no RAID 1 on controller C1"
        )

    def test_hardware_raid_only_reaches_its_own_disks(self):
        """A controller's level does not count disks hanging off no controller."""
        node = facts(
            disks=disks(1, "ssd", 100) + disks(2, "ssd", 100, None),
            raid_controllers=(HW_RAID,),
        )
        one = hw.LogicalDisk("1", None, disk_type="ssd")
        assert rules.why_not(node, hw.HardwareRequest(raid=(one,))) == (
            "too few ssd disks for RAID 1 (2 needed)"
        )


class TestBios:
    @pytest.mark.parametrize(
        ("value", "fits"), [("0", True), ("3", True), ("4", False), ("x", False)]
    )
    def test_integers_within_bounds(self, value, fits):
        """An Integer attribute takes integers within its bounds only."""
        node = facts(
            bios={"N": base.BiosAttribute("1", INT, lower_bound=0, upper_bound=3)}
        )
        why = rules.why_not(
            node, hw.HardwareRequest(bios=(hw.BiosSetting("N", value),))
        )
        assert (why is None) == fits

    def test_booleans_and_string_lengths(self):
        """Booleans take true/false; strings their lengths."""
        node = facts(
            bios={
                "B": base.BiosAttribute("true", base.BiosAttributeType.BOOLEAN),
                "S": base.BiosAttribute(
                    "", base.BiosAttributeType.STRING, min_length=1, max_length=3
                ),
            }
        )

        def why(name, value):
            return rules.why_not(
                node, hw.HardwareRequest(bios=(hw.BiosSetting(name, value),))
            )

        assert why("B", "False") is None
        assert why("B", "yes") == "BIOS attribute B does not take 'yes'"
        assert why("S", "abc") is None
        assert why("S", "abcd") == "BIOS attribute S does not take 'abcd'"


class TestFirmwareAndBonds:
    def test_a_missing_component_is_named(self):
        """Updating firmware the node does not have is a reason."""
        node = facts(firmware=(base.FirmwareComponent("bios", "1"),))
        update = hw.FirmwareUpdate("bmc", "http://x/bmc.bin", "sha256:00")
        assert rules.why_not(node, hw.HardwareRequest(firmware=(update,))) == (
            "firmware component bmc unknown"
        )

    def test_bond_links_must_share_one_physical_network(self):
        """Four NICs on two networks take two 2-link bonds, not one 4-link bond."""
        nics = tuple(
            base.InventoryNic(f"m{i}", physical_network=f"p{i % 2}") for i in range(4)
        )
        node = facts(nics=nics)
        four = hw.Bond("b0", "802.3ad", (), links_count=4)
        two = hw.Bond("b1", "802.3ad", (), links_count=2)
        assert rules.why_not(node, hw.HardwareRequest(bonds=(four,))) == (
            "too few NICs on one physical network for a 4-link bond"
        )
        assert rules.why_not(node, hw.HardwareRequest(bonds=(two, two))) is None
        three = hw.HardwareRequest(bonds=(two, two, two))
        assert rules.why_not(node, three) is not None
