"""Hardware requests through the real scheduler on the embedded Placement.

Nodes get scripted inventories in the fake driver; the engine's node sync
stores them; the scheduler filters on the stored hardware classes only.
"""

import pytest

from mogan import exception
from mogan.drivers import base
from mogan.drivers import hardware as hw
from mogan.scheduler import hardware as hardware_rules
from mogan.services import hardware_fit
from tests.functional.api.support import make_node
from tests.placement import support
from tests.scheduler.test_select_and_claim import place, request

ENUM = base.BiosAttributeType.ENUMERATION


def inventory(disks: int, kind: str, *, sriov: bool = True, nics: int = 2):
    """A node with ``disks`` disks of ``kind`` on a controller; software RAID."""
    hdd = kind == "hdd"
    bios = {
        "BootMode": base.BiosAttribute("Uefi", ENUM, ("Uefi", "Bios")),
        "SystemSerial": base.BiosAttribute(
            "X1", base.BiosAttributeType.STRING, read_only=True
        ),
    }
    if sriov:
        bios["SriovGlobalEnable"] = base.BiosAttribute(
            "Disabled", ENUM, ("Enabled", "Disabled")
        )
    return base.Inventory(
        disks=tuple(
            base.Disk(f"/dev/sd{chr(97 + i)}", 900, base.DiskType(kind), hdd, "RAID.1")
            for i in range(disks)
        ),
        raid_controllers=(
            base.RaidController("RAID.1", ("0", "1")),
            base.RaidController("software", ("0", "1", "1+0"), software=True),
        ),
        nics=tuple(
            base.InventoryNic(f"52:54:00:00:00:{i:02x}", physical_network="physnet1")
            for i in range(nics)
        ),
        bios=bios,
        firmware=(base.FirmwareComponent("bios", "2.1"),),
    )


def fleet(driver, node_rc, shapes) -> dict[str, list[str]]:
    """Enroll nodes of each ``{label: (count, inventory)}``; label -> uuids."""
    out = {}
    for label, (count, inv) in shapes.items():
        uuids = support.enroll(driver, count, node_rc)
        for node_uuid in uuids:
            driver.set_inventory(node_uuid, inv)
        out[label] = uuids
    return out


def raid(level: str, disks: int, kind: str = "ssd", **extra) -> dict:
    """A hardware request (JSON form) of one logical disk."""
    return hardware_rules.dump_request(
        hw.HardwareRequest(
            raid=(
                hw.LogicalDisk(
                    raid_level=level,
                    disk_type=kind,
                    number_of_physical_disks=disks,
                    **extra,
                ),
            )
        )
    )


class TestFiltering:
    def test_a_request_only_some_nodes_take_always_lands_on_one(
        self, scheduler, driver, sync, node_rc
    ):
        """RAID 1+0 on 4 SSDs goes only to the 4-SSD nodes, request after request."""
        nodes = fleet(
            driver,
            node_rc,
            {
                "four": (3, inventory(4, "ssd")),
                "two": (6, inventory(2, "ssd")),
                "hdd": (6, inventory(8, "hdd")),
            },
        )
        sync()
        landed = []
        for _ in range(3):
            placed = place(scheduler, request(node_rc, hardware=raid("1+0", 4)))
            landed += list(placed.values())
        assert sorted(nodes["four"]) == sorted(landed)

    def test_bios_and_bonds_filter_too(self, scheduler, driver, sync, node_rc):
        """A BIOS setting and a 4-link bond keep nodes with the attribute and 4 NICs."""
        nodes = fleet(
            driver,
            node_rc,
            {
                "fit": (2, inventory(2, "ssd", nics=4)),
                "no_sriov": (5, inventory(2, "ssd", sriov=False, nics=4)),
                "two_nics": (5, inventory(2, "ssd", nics=2)),
            },
        )
        sync()
        wanted = hardware_rules.dump_request(
            hw.HardwareRequest(
                bios=(hw.BiosSetting("SriovGlobalEnable", "Enabled"),),
                bonds=(hw.Bond("bond0", "802.3ad", (), links_count=4),),
            )
        )
        placed = place(scheduler, request(node_rc, count=2, hardware=wanted))
        assert sorted(nodes["fit"]) == sorted(placed.values())

    def test_no_node_can_take_it_counts_the_hardware_reasons(
        self, scheduler, driver, sync, node_rc
    ):
        """No valid node names each hardware reason with its node count."""
        fleet(
            driver,
            node_rc,
            {
                "two": (8, inventory(2, "ssd")),
                "no_sriov": (4, inventory(4, "ssd", sriov=False)),
            },
        )
        sync()
        wanted = raid("1+0", 4)
        wanted["bios"] = [{"name": "SriovGlobalEnable", "value": "Enabled"}]
        with pytest.raises(exception.NoValidNode) as err:
            place(scheduler, request(node_rc, hardware=wanted))
        assert (
            "12 nodes: 8 too few ssd disks for RAID 1+0 (4 needed), "
            "4 BIOS attribute SriovGlobalEnable unknown"
        ) in err.value.message

    def test_without_hardware_any_node_still_does(
        self, scheduler, driver, sync, node_rc
    ):
        """A request without hardware takes nodes of any (or unknown) hardware."""
        nodes = support.enroll(driver, 2, node_rc)
        sync()
        placed = place(scheduler, request(node_rc, count=2))
        assert sorted(nodes) == sorted(placed.values())

    def test_a_read_only_or_ill_typed_bios_value_is_refused(
        self, scheduler, driver, sync, node_rc
    ):
        """A read-only attribute, or a value outside the enumeration, fits no node."""
        fleet(driver, node_rc, {"any": (2, inventory(2, "ssd"))})
        sync()
        for name, value, reason in (
            ("SystemSerial", "Y", "2 BIOS attribute SystemSerial read-only"),
            ("BootMode", "Legacy", "2 BIOS attribute BootMode does not take 'Legacy'"),
        ):
            wanted = {"bios": [{"name": name, "value": value}]}
            with pytest.raises(exception.NoValidNode) as err:
                place(scheduler, request(node_rc, hardware=wanted))
            assert f"2 nodes: {reason}" in err.value.message


class TestFleetCheck:
    def test_an_empty_cloud_leaves_the_answer_to_the_scheduler(self, database):
        """No node at all: nothing to judge by, the request goes on."""
        wanted = hardware_rules.parse_request(raid("1+0", 8))
        with database.transaction(readonly=True) as session:
            hardware_fit.check_fleet(session, wanted)
        make_node(database, "not-read-yet")
        with (
            database.transaction(readonly=True) as session,
            pytest.raises(exception.HardwareImpossible),
        ):
            hardware_fit.check_fleet(session, wanted)

    def test_a_request_no_node_could_ever_take_is_refused_with_counts(
        self, database, driver, sync, node_rc
    ):
        """RAID 1+0 on 8 SSDs: HardwareImpossible (400) naming each reason's count."""
        fleet(
            driver,
            node_rc,
            {
                "two": (8, inventory(2, "ssd")),
                "four": (4, inventory(4, "ssd")),
            },
        )
        sync()
        # NOTE: a node the engine has not inventoried (as a row written
        # before the first read).
        make_node(database, "not-read-yet")
        wanted = hardware_rules.parse_request(raid("1+0", 8))
        with (
            database.transaction(readonly=True) as session,
            pytest.raises(exception.HardwareImpossible) as err,
        ):
            hardware_fit.check_fleet(session, wanted)
        assert err.value.code == "mogan.hardware.impossible"
        assert isinstance(err.value, exception.Invalid)
        assert err.value.message == (
            "No node can take this hardware configuration: 13 nodes: "
            "12 too few ssd disks for RAID 1+0 (8 needed), "
            "1 hardware inventory unknown"
        )

    def test_nodes_in_use_still_count(self, scheduler, database, driver, sync, node_rc):
        """A request only claimed nodes can take passes: they may be free later."""
        fleet(driver, node_rc, {"four": (1, inventory(4, "ssd"))})
        sync()
        placed = place(scheduler, request(node_rc, hardware=raid("1+0", 4)))
        assert len(placed) == 1
        wanted = hardware_rules.parse_request(raid("1+0", 4))
        with database.transaction(readonly=True) as session:
            hardware_fit.check_fleet(session, wanted)
            fit, why = hardware_fit.explain(session, wanted)
        assert (fit, why) == (1, "1 nodes")

    def test_no_hardware_asked_is_always_fine(self, database):
        """An empty request (or none) passes even with no nodes at all."""
        with database.transaction(readonly=True) as session:
            hardware_fit.check_fleet(session, None)
            hardware_fit.check_fleet(session, hw.HardwareRequest())
