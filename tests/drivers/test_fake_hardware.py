"""The fake driver's simulated BMC: checks, deploy-time configuration, restore."""

import dataclasses
import time
import uuid

import pytest

from mogan.drivers import base, fake, fake_inventory
from tests.drivers.test_fake import DONE, IMAGE, wait

PORTS = tuple(f"52:54:00:aa:bb:{i:02x}" for i in range(4))
SSD = base.DiskType.SSD
HDD = base.DiskType.HDD


def inventory() -> base.Inventory:
    """2 SSDs on a RAID-1 card, 4 HDDs on software RAID, 4 NICs on 2 networks."""
    made = fake_inventory.generate("hw-test", PORTS)
    disks = (
        base.Disk("/dev/sda", 894, SSD, controller="RAID.1"),
        base.Disk("/dev/sdb", 894, SSD, controller="RAID.1"),
        *(base.Disk(f"/dev/sd{c}", 3726, HDD, rotational=True) for c in "cdef"),
    )
    nics = tuple(
        base.InventoryNic(mac, physical_network="physnet1" if i < 2 else "physnet2")
        for i, mac in enumerate(PORTS)
    )
    return dataclasses.replace(
        made,
        disks=disks,
        raid_controllers=(
            base.RaidController("RAID.1", ("0", "1")),
            base.RaidController("software", ("0", "1", "5", "1+0"), software=True),
        ),
        nics=nics,
    )


@pytest.fixture
def driver(tmp_path):
    """A zero-delay fake driver."""
    drv = fake.FakeDriver(str(tmp_path))
    yield drv
    drv.close()


@pytest.fixture
def node(driver) -> str:
    """A node with the scripted ``inventory``."""
    node_uuid = str(uuid.uuid4())
    driver.enroll(
        base.NodeSpec(uuid=node_uuid, name="hw", resource_class="gold", ports=PORTS)
    )
    driver.set_inventory(node_uuid, inventory())
    return node_uuid


FULL = base.HardwareRequest(
    raid=(
        base.LogicalDisk(
            "1",
            size_gb=100,
            is_root_volume=True,
            disk_type="ssd",
            number_of_physical_disks=2,
        ),
        base.LogicalDisk("5", disk_type="hdd", controller="software"),
    ),
    bios=(base.BiosSetting("SriovGlobalEnable", "Enabled"),),
    firmware=(
        base.FirmwareUpdate("bios", "http://fw.test/bios-2.19.1.bin", "sha256:ab"),
    ),
    bonds=(base.Bond("bond0", "802.3ad", PORTS[:2], miimon=100, lacp_rate="fast"),),
)


def deploy(driver, node_uuid, hardware, server=None) -> base.Status:
    """Deploy with ``hardware``; the final status."""
    request = base.DeployRequest(
        server_uuid=server or str(uuid.uuid4()), image_url=IMAGE, hardware=hardware
    )
    driver.start_deploy(node_uuid, request)
    return wait(driver.poll_deploy, node_uuid)


def teardown(driver, node_uuid) -> base.Status:
    """Tear down; the final status."""
    driver.start_teardown(node_uuid)
    return wait(driver.poll_teardown, node_uuid)


class TestValidate:
    @pytest.mark.parametrize(
        ("request_", "section", "why"),
        [
            (
                base.HardwareRequest(
                    raid=(
                        base.LogicalDisk(
                            "1+0", disk_type="ssd", number_of_physical_disks=4
                        ),
                    )
                ),
                "raid",
                "too few ssd disks for RAID 1+0 (4 needed",
            ),
            (
                base.HardwareRequest(
                    raid=(base.LogicalDisk("5", controller="RAID.1"),)
                ),
                "raid",
                "RAID 5 is not supported",
            ),
            (
                base.HardwareRequest(
                    raid=(base.LogicalDisk("1", size_gb=900, disk_type="ssd"),)
                ),
                "raid",
                "does not fit",
            ),
            (
                base.HardwareRequest(bios=(base.BiosSetting("SystemSerial", "X"),)),
                "bios",
                "read-only",
            ),
            (
                base.HardwareRequest(bios=(base.BiosSetting("BootRetryCount", "11"),)),
                "bios",
                "from 0 to 10",
            ),
            (
                base.HardwareRequest(bios=(base.BiosSetting("BootMode", "Legacy"),)),
                "bios",
                "one of Uefi, Bios",
            ),
            (
                base.HardwareRequest(
                    firmware=(base.FirmwareUpdate("nic:NIC.9", "http://fw.test/a-1.0"),)
                ),
                "firmware",
                "no firmware component nic:NIC.9",
            ),
            (
                base.HardwareRequest(
                    bonds=(base.Bond("bond0", "802.3ad", (PORTS[1], PORTS[2])),)
                ),
                "bonds",
                "several physical networks",
            ),
            (
                base.HardwareRequest(
                    bonds=(base.Bond("bond0", "fast-mode", PORTS[:2]),)
                ),
                "bonds",
                "not a kernel mode",
            ),
        ],
    )
    def test_impossible_sections_are_rejected(
        self, driver, node, request_, section, why
    ):
        """A BMC's refusals, naming the section and the reason."""
        with pytest.raises(base.HardwareRejected) as caught:
            driver.validate_hardware(node, request_)
        assert f"the {section} request" in caught.value.message
        assert why in caught.value.message

    def test_full_request_is_valid_and_changes_nothing(self, driver, node):
        """Validation alone applies nothing."""
        driver.validate_hardware(node, FULL)
        state = driver.hardware_state(node)
        assert state["raid"] == []
        assert state["bios"]["SriovGlobalEnable"] == "Disabled"

    def test_deploy_of_an_impossible_request_is_refused(self, driver, node):
        """start_deploy checks too, and leaves the node free."""
        bad = base.HardwareRequest(bios=(base.BiosSetting("Nope", "1"),))
        with pytest.raises(base.HardwareRejected):
            driver.start_deploy(
                node,
                base.DeployRequest(server_uuid="s", image_url=IMAGE, hardware=bad),
            )
        assert driver.get_node(node).consumable


class TestApply:
    def test_deploy_applies_every_section(self, driver, node):
        """RAID volumes on the right disks, BIOS, firmware and bond, per section."""
        assert deploy(driver, node, FULL) == DONE
        state = driver.hardware_state(node)
        root, data = state["raid"]
        assert root["raid_level"] == "1"
        assert root["physical_disks"] == ["/dev/sda", "/dev/sdb"]
        assert root["controller"] == "RAID.1"
        assert root["size_gb"] == 100
        assert data["controller"] == "software"
        assert data["physical_disks"] == ["/dev/sdc", "/dev/sdd", "/dev/sde"]
        assert data["size_gb"] == 3726 * 2
        assert state["bios"]["SriovGlobalEnable"] == "Enabled"
        assert state["firmware"]["bios"] == "2.19.1"
        (bond,) = state["bonds"]
        assert bond["links"] == list(PORTS[:2])
        assert bond["physical_network"] == "physnet1"
        result = driver.hardware_result(node)
        assert [(r.section.value, r.applied) for r in result.sections] == [
            ("firmware", True),
            ("raid", True),
            ("bios", True),
            ("bonds", True),
        ]
        assert result.sections[2].details == {
            "settings": {"SriovGlobalEnable": "Enabled"}
        }

    def test_sections_take_scripted_time(self, driver, node):
        """Each section adds its seconds; nothing shows before the end."""
        driver.set_behaviour(node, hardware_seconds=0.3)
        started = time.monotonic()
        driver.start_deploy(
            node, base.DeployRequest(server_uuid="s", image_url=IMAGE, hardware=FULL)
        )
        assert driver.poll_deploy(node).progress is base.Progress.IN_PROGRESS
        assert driver.hardware_state(node)["raid"] == []
        assert driver.hardware_result(node).sections == ()
        assert wait(driver.poll_deploy, node) == DONE
        assert time.monotonic() - started >= 1.2
        assert len(driver.hardware_state(node)["raid"]) == 2

    def test_scripted_section_failure(self, driver, node):
        """RAID fails: firmware applied, RAID failed, the rest not attempted."""
        driver.set_behaviour(node, fail_hardware="raid")
        status = deploy(driver, node, FULL)
        assert status.progress is base.Progress.FAILED
        assert "hardware section raid failed" in status.error
        result = {r.section.value: r for r in driver.hardware_result(node).sections}
        assert result["firmware"].applied
        assert not result["raid"].applied
        assert "raid" in result["raid"].error
        assert not result["bios"].applied
        assert result["bios"].error.startswith("not attempted")
        state = driver.hardware_state(node)
        assert state["raid"] == []
        assert state["bios"]["SriovGlobalEnable"] == "Disabled"
        # NOTE: scripted once: the next deploy succeeds.
        assert teardown(driver, node) == DONE
        assert deploy(driver, node, FULL) == DONE


class TestRestore:
    def test_teardown_restores_previous_values(self, driver, node):
        """RAID and bonds gone, BIOS as before the deploy, firmware stays."""
        assert deploy(driver, node, FULL) == DONE
        assert teardown(driver, node) == DONE
        state = driver.hardware_state(node)
        assert state["raid"] == []
        assert state["bonds"] == []
        assert state["bios"]["SriovGlobalEnable"] == "Disabled"
        assert state["firmware"]["bios"] == "2.19.1"
        assert driver.get_node(node).consumable

    @pytest.mark.parametrize(
        ("policy", "expected"), [("factory", "Disabled"), ("none", "Enabled")]
    )
    def test_restore_policy(self, tmp_path, policy, expected):
        """``restore_bios``: previous (above), factory, none."""
        drv = fake.FakeDriver(str(tmp_path), restore_bios=policy)
        try:
            node_uuid = str(uuid.uuid4())
            drv.enroll(
                base.NodeSpec(uuid=node_uuid, name="n", resource_class="g", ports=PORTS)
            )
            drv.set_inventory(node_uuid, inventory())
            keep = base.HardwareRequest(bios=(base.BiosSetting("BootRetryCount", "7"),))
            assert deploy(drv, node_uuid, keep) == DONE
            assert teardown(drv, node_uuid) == DONE
            # NOTE: the previous server left BootRetryCount at 7 with "none".
            assert deploy(drv, node_uuid, FULL) == DONE
            assert teardown(drv, node_uuid) == DONE
            bios = drv.hardware_state(node_uuid)["bios"]
            assert bios["SriovGlobalEnable"] == expected
            assert bios["BootRetryCount"] == ("7" if policy == "none" else "3")
        finally:
            drv.close()

    def test_failed_restore_puts_the_node_in_maintenance(self, driver, node):
        """The restore's reason is the maintenance reason; not consumable."""
        assert deploy(driver, node, FULL) == DONE
        driver.set_behaviour(node, fail_restore=1)
        status = teardown(driver, node)
        assert status.progress is base.Progress.FAILED
        spec = driver.get_node(node)
        assert spec.maintenance
        assert not spec.consumable
        assert "restoring hardware failed" in spec.why_not
        assert driver.hardware_state(node)["bios"]["SriovGlobalEnable"] == "Enabled"

    def test_rebuild_keeps_the_configuration(self, driver, node):
        """A rebuild without hardware keeps RAID, BIOS and bond."""
        server = str(uuid.uuid4())
        assert deploy(driver, node, FULL, server) == DONE
        driver.start_rebuild(
            node, base.DeployRequest(server_uuid=server, image_url=IMAGE)
        )
        assert wait(driver.poll_deploy, node) == DONE
        state = driver.hardware_state(node)
        assert len(state["raid"]) == 2
        assert state["bios"]["SriovGlobalEnable"] == "Enabled"
        assert len(state["bonds"]) == 1
        assert all(r.applied for r in driver.hardware_result(node).sections)


class TestRetry:
    def test_deploying_again_after_a_failure_keeps_the_first_previous_values(
        self, driver, node
    ):
        """A retried deploy (no teardown between) restores what the node had first."""
        server = str(uuid.uuid4())
        driver.set_behaviour(node, fail_hardware="bonds")
        assert deploy(driver, node, FULL, server).progress is base.Progress.FAILED
        assert driver.hardware_state(node)["bios"]["SriovGlobalEnable"] == "Enabled"
        assert deploy(driver, node, FULL, server) == DONE
        assert teardown(driver, node) == DONE
        assert driver.hardware_state(node)["bios"]["SriovGlobalEnable"] == "Disabled"
