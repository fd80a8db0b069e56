"""The Redfish driver's deploys: virtual media, boot detection, hardware, teardown."""

import time
import uuid

import httpx
import pytest

from mogan.drivers import base, configdrive_iso, store
from mogan.drivers import redfish as redfish_driver
from tests.drivers.test_redfish import FileMedia, bmc_of, make_conf
from tests.redfish import specs
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

pytestmark = pytest.mark.services

DONE = base.Status(base.Progress.DONE)
IN_PROGRESS = base.Status(base.Progress.IN_PROGRESS)
DRIVE = {
    "openstack/latest/meta_data.json": '{"uuid": "s", "hostname": "web-1"}',
    "openstack/latest/user_data": "#cloud-config\n",
    "openstack/content/0000": "injected\n",
}


def wait(poll, node_uuid, timeout=15.0):
    """Poll until not in progress; the status."""
    deadline = time.monotonic() + timeout
    while (status := poll(node_uuid)).progress is base.Progress.IN_PROGRESS:
        assert time.monotonic() < deadline, f"{poll.__name__} never finished"
        time.sleep(0.02)
    return status


class Lab:
    """A driver, its media and the emulator, with helpers."""

    def __init__(self, emulator, files, **hardware):
        """A driver with ``[hardware]`` overrides."""
        conf = make_conf()
        for name, value in hardware.items():
            conf.set_override(name, value, "hardware")
        self.emulator = emulator
        self.files = files
        self.media = FileMedia(files)
        self.driver = redfish_driver.RedfishDriver(conf)
        self.driver.use_store(store.MemoryNodeStore(), self.media)
        self.systems = {}

    def node(self, **spec):
        """A new system enrolled; the node's uuid."""
        system = self.emulator.add_system(
            specs.system(f"sys-{uuid.uuid4().hex[:6]}", **spec)
        )
        node_uuid = str(uuid.uuid4())
        self.driver.enroll(
            base.NodeSpec(uuid=node_uuid, name=system.name, resource_class="gold"),
            bmc_of(self.emulator, system),
        )
        self.systems[node_uuid] = system.uuid
        return node_uuid

    def bmc(self, node_uuid):
        """What the emulator knows of the node's system."""
        return self.emulator.system(self.systems[node_uuid])

    def request(self, image="images/a.iso", server="s-1", **fields):
        """A deploy request with a served ISO image (booted from the CD)."""
        fields.setdefault("disk_format", "iso")
        return base.DeployRequest(
            server_uuid=server, image_url=self.files.add_iso(image), **fields
        )

    def deploy(self, node_uuid, request):
        """Deploy and wait; the final status."""
        self.driver.start_deploy(node_uuid, request)
        return wait(self.driver.poll_deploy, node_uuid)

    def teardown(self, node_uuid):
        """Tear down and wait; the final status."""
        self.driver.start_teardown(node_uuid)
        return wait(self.driver.poll_teardown, node_uuid)


@pytest.fixture
def lab(redfish, file_server):
    """A lab on the emulator (restore_bios = previous)."""
    made = Lab(redfish, file_server)
    yield made
    made.driver.close()


def test_deploy_boots_the_image_with_the_config_drive(lab):
    """Image on the CD, config drive ISO on the removable medium, booted once."""
    node = lab.node()
    request = lab.request(config_drive=DRIVE)
    assert lab.deploy(node, request) == DONE
    bmc = lab.bmc(node)
    assert bmc["power_state"] == "On"
    assert bmc["last_boot"]["device"] == "Cd"
    assert bmc["last_boot"]["image"] == request.image_url
    assert bmc["boot_enabled"] == "Disabled"
    config_url = bmc["media"]["Floppy"]["image"]
    assert bmc["media"]["Floppy"]["inserted"]
    image = httpx.get(config_url, timeout=10).content
    assert configdrive_iso.label(image) == "config-2"
    assert configdrive_iso.read(image) == DRIVE
    [name] = lab.media.served()
    assert lab.media.ttls[name] == 3600.0
    assert lab.teardown(node) == DONE
    bmc = lab.bmc(node)
    assert bmc["power_state"] == "Off"
    assert not bmc["media"]["Cd"]["inserted"]
    assert not bmc["media"]["Floppy"]["inserted"]
    assert lab.media.served() == []
    assert lab.driver.get_node(node).consumable


def test_deploy_is_done_only_once_booted(lab):
    """A slow boot keeps the deploy in progress; a hung boot never completes."""
    node = lab.node()
    lab.emulator.set_delays(boot=0.6)
    lab.driver.start_deploy(node, lab.request())
    deadline = time.monotonic() + 5
    while lab.bmc(node)["power_state"] != "On":
        assert lab.driver.poll_deploy(node) == IN_PROGRESS
        assert time.monotonic() < deadline
    assert lab.driver.poll_deploy(node) == IN_PROGRESS
    assert wait(lab.driver.poll_deploy, node) == DONE
    other = lab.node()
    lab.emulator.fail("boot", lab.systems[other])
    lab.driver.start_deploy(other, lab.request(server="s-2"))
    for _ in range(20):
        assert lab.driver.poll_deploy(other) == IN_PROGRESS
    assert lab.bmc(other)["boot_progress"] == "OSBootStarted"


def test_rebuild_boots_the_new_image(lab):
    """A rebuild swaps the CD and restarts the running system from it."""
    node = lab.node()
    assert lab.deploy(node, lab.request(config_drive=DRIVE)) == DONE
    first = lab.media.served()
    again = lab.request("images/b.iso", config_drive=DRIVE)
    lab.driver.start_rebuild(node, again)
    assert wait(lab.driver.poll_deploy, node) == DONE
    bmc = lab.bmc(node)
    assert bmc["last_boot"]["image"] == again.image_url
    assert bmc["boot_count"] == 2
    assert lab.media.served() != first
    assert len(lab.media.served()) == 1


def test_bmc_without_virtual_media_fails_the_deploy(lab):
    """No virtual media: the deploy fails saying so; teardown frees the node."""
    node = lab.node(features=("bios",))
    status = lab.deploy(node, lab.request())
    assert status.progress is base.Progress.FAILED
    assert "VirtualMedia" in status.error or "virtual" in status.error.lower()
    assert lab.teardown(node) == DONE


def test_config_drive_needs_a_media_store(redfish, file_server):
    """Without a media store a deploy with a config drive is refused."""
    made = redfish_driver.RedfishDriver(make_conf())
    made.use_store(store.MemoryNodeStore())
    lab = Lab(redfish, file_server)
    lab.driver = made
    try:
        node = lab.node()
        with pytest.raises(base.DriverError, match="no media store"):
            made.start_deploy(node, lab.request(config_drive=DRIVE))
        assert made.get_node(node).consumable
    finally:
        made.close()


def test_firmware_update_runs_as_a_task_before_the_boot(lab):
    """SimpleUpdate of the BIOS: the deploy waits for its task, then boots."""
    node = lab.node()
    lab.emulator.set_delays(firmware=0.4)
    url = lab.files.add("firmware/bios-2.4.1.bin", b"\0" * 64)
    request = lab.request(
        hardware=base.HardwareRequest(firmware=(base.FirmwareUpdate("bios", url),))
    )
    lab.driver.validate_hardware(node, request.hardware)
    lab.driver.start_deploy(node, request)
    assert lab.driver.poll_deploy(node) == IN_PROGRESS
    assert lab.bmc(node)["power_state"] == "Off"
    assert wait(lab.driver.poll_deploy, node) == DONE
    [result] = lab.driver.hardware_result(node).sections
    assert (result.section, result.applied, result.error) == ("firmware", True, None)
    assert result.details["versions"]["bios"] == "2.4.1"
    firmware = {c.component: c for c in lab.driver.get_inventory(node).firmware}
    assert firmware["bios"].current_version == "2.4.1"
    assert lab.files.count("firmware/bios-2.4.1.bin") == 1


def test_failed_firmware_update_fails_the_deploy_naming_it(lab):
    """A firmware image the BMC cannot fetch: FAILED, the section named."""
    node = lab.node()
    url = lab.files.fail("firmware/bios-9.9.bin", 404)
    request = lab.request(
        hardware=base.HardwareRequest(firmware=(base.FirmwareUpdate("bios", url),))
    )
    status = lab.deploy(node, request)
    assert status.progress is base.Progress.FAILED
    assert status.error.startswith("firmware: ")
    assert "404" in status.error
    [result] = lab.driver.hardware_result(node).sections
    assert not result.applied
    assert "404" in result.error
    assert lab.bmc(node)["boot_count"] == 0


def test_raid_volume_is_built_and_removed_at_teardown(lab):
    """RAID 1 on two of four drives; teardown deletes the volume."""
    node = lab.node(drives=4)
    raid = base.LogicalDisk("1", size_gb=100, name="root", is_root_volume=True)
    request = lab.request(hardware=base.HardwareRequest(raid=(raid,)))
    assert lab.deploy(node, request) == DONE
    [volume] = lab.bmc(node)["storage"][0]["volumes"]
    assert (volume["raid_type"], volume["name"], volume["capacity_bytes"]) == (
        "RAID1",
        "root",
        100 * 1024**3,
    )
    assert volume["drives"] == ["Disk.0", "Disk.1"]
    [result] = lab.driver.hardware_result(node).sections
    assert result.applied
    [made] = result.details["volumes"]
    assert (made["raid_level"], made["size_gb"], made["physical_disks"]) == (
        "1",
        100,
        ["Disk.0", "Disk.1"],
    )
    assert lab.teardown(node) == DONE
    assert lab.bmc(node)["storage"][0]["volumes"] == []


def test_failed_volume_delete_puts_the_node_in_maintenance(lab):
    """A restore that fails is a failed cleaning: maintenance, the reason kept."""
    node = lab.node(drives=2)
    request = lab.request(hardware=base.HardwareRequest(raid=(base.LogicalDisk("1"),)))
    assert lab.deploy(node, request) == DONE
    lab.emulator.fail("volume.delete", lab.systems[node], message="controller busy")
    status = lab.teardown(node)
    assert status.progress is base.Progress.FAILED
    assert "controller busy" in status.error
    found = lab.driver.get_node(node)
    assert found.maintenance
    assert found.why_not.startswith("in maintenance: cleaning failed")


def test_bios_applied_at_boot_and_restored(lab):
    """BIOS settings apply at the deploy's boot; teardown puts the old back."""
    node = lab.node()
    bios = (
        base.BiosSetting("ProcTurboMode", "Disabled"),
        base.BiosSetting("AcPwrRcvryUserDelay", "120"),
    )
    request = lab.request(hardware=base.HardwareRequest(bios=bios))
    assert lab.deploy(node, request) == DONE
    current = lab.bmc(node)["bios"]
    assert (current["ProcTurboMode"], current["AcPwrRcvryUserDelay"]) == (
        "Disabled",
        120,
    )
    [result] = lab.driver.hardware_result(node).sections
    assert result.applied
    assert result.details["settings"] == {
        "ProcTurboMode": "Disabled",
        "AcPwrRcvryUserDelay": "120",
    }
    assert lab.teardown(node) == DONE
    current = lab.bmc(node)["bios"]
    assert (current["ProcTurboMode"], current["AcPwrRcvryUserDelay"]) == ("Enabled", 60)


def test_bios_apply_failure_fails_the_deploy(lab):
    """The BMC reporting a failed apply fails the deploy, naming the BIOS."""
    node = lab.node()
    lab.emulator.fail("bios.apply", lab.systems[node], message="BIOS job JID_1 failed")
    request = lab.request(
        hardware=base.HardwareRequest(bios=(base.BiosSetting("MemTest", "Enabled"),))
    )
    status = lab.deploy(node, request)
    assert status.progress is base.Progress.FAILED
    assert status.error.startswith("bios: ")
    assert "JID_1" in status.error


@pytest.mark.parametrize(
    ("policy", "turbo", "memtest"),
    [("factory", "Enabled", "Disabled"), ("none", "Disabled", "Enabled")],
)
def test_restore_bios_policies(redfish, file_server, policy, turbo, memtest):
    """factory: the BIOS defaults (a boot applies them, then off); none: kept."""
    lab = Lab(redfish, file_server, restore_bios=policy)
    try:
        node = lab.node(bios={"MemTest": "Enabled"})
        request = lab.request(
            hardware=base.HardwareRequest(
                bios=(base.BiosSetting("ProcTurboMode", "Disabled"),)
            )
        )
        assert lab.deploy(node, request) == DONE
        assert lab.teardown(node) == DONE
        bmc = lab.bmc(node)
        assert (bmc["bios"]["ProcTurboMode"], bmc["bios"]["MemTest"]) == (
            turbo,
            memtest,
        )
        assert bmc["power_state"] == "Off"
    finally:
        lab.driver.close()


@pytest.mark.parametrize(
    ("spec", "request_", "section", "reason"),
    [
        ({}, base.HardwareRequest(raid=(base.LogicalDisk("5"),)), "raid", "RAID 5"),
        (
            {"features": ("bios", "virtual_media")},
            base.HardwareRequest(raid=(base.LogicalDisk("1"),)),
            "raid",
            "controllers: none",
        ),
        (
            {},
            base.HardwareRequest(bios=(base.BiosSetting("AdminPassword", "x"),)),
            "bios",
            "passwords",
        ),
        (
            {},
            base.HardwareRequest(bios=(base.BiosSetting("AcPwrRcvryUserDelay", "10"),)),
            "bios",
            "from 60 to 240",
        ),
        (
            {"features": ("bios", "volumes", "virtual_media")},
            base.HardwareRequest(
                firmware=(base.FirmwareUpdate("bios", "http://x/bios-1.2.bin"),)
            ),
            "firmware",
            "no firmware component bios",
        ),
    ],
)
def test_what_the_bmc_cannot_do_is_refused(lab, spec, request_, section, reason):
    """Refused at validation, naming the section, before anything is changed."""
    node = lab.node(**spec)
    with pytest.raises(base.HardwareRejected) as caught:
        lab.driver.validate_hardware(node, request_)
    assert f"{section} request" in caught.value.message
    assert reason in caught.value.message
    with pytest.raises(base.HardwareRejected):
        lab.driver.start_deploy(node, lab.request(hardware=request_))
    assert lab.driver.get_node(node).consumable


def test_a_bmc_that_stops_answering_delays_the_deploy(lab):
    """While the BMC answers 503 the deploy waits; it carries on afterwards."""
    node = lab.node()
    system = lab.systems[node]
    lab.driver.start_deploy(node, lab.request())
    lab.emulator.fail(
        "http",
        method="GET",
        path=f"/redfish/v1/Systems/{system}",
        status=503,
        times=None,
    )
    for _ in range(3):
        assert lab.driver.poll_deploy(node) == IN_PROGRESS
    lab.emulator.clear_faults()
    assert wait(lab.driver.poll_deploy, node) == DONE


def test_deploy_again_after_a_failure_rebuilds_the_volumes(lab):
    """A failed deploy's volumes are deleted before the retry builds them again."""
    node = lab.node(drives=2)
    lab.emulator.fail("media.insert", lab.systems[node], status=500)
    request = lab.request(
        hardware=base.HardwareRequest(raid=(base.LogicalDisk("1", name="r"),))
    )
    assert lab.deploy(node, request).progress is base.Progress.FAILED
    [first] = lab.bmc(node)["storage"][0]["volumes"]
    assert lab.deploy(node, request) == DONE
    [second] = lab.bmc(node)["storage"][0]["volumes"]
    assert second["durable_name"] != first["durable_name"]
    assert lab.teardown(node) == DONE
    assert lab.bmc(node)["storage"][0]["volumes"] == []


class RacingStore(store.MemoryNodeStore):
    """A store where another writer saves first, once, after volumes are made."""

    def __init__(self):
        """Not raced yet."""
        super().__init__()
        self.raced = False

    def save_state(self, node_uuid, state, expect_version):
        """The first save recording volumes loses to another write."""
        if not self.raced and (state.get("hardware") or {}).get("volumes"):
            self.raced = True
            other = self.get(node_uuid)
            # NOTE: what an operator's maintenance flag write looks like.
            super().save_state(node_uuid, other.state | {"raced": True}, other.version)
        return super().save_state(node_uuid, state, expect_version)


def test_a_phase_that_loses_its_save_keeps_what_it_did(redfish, file_server):
    """Volumes made, then another writer saves first: made once, removed later."""
    lab = Lab(redfish, file_server)
    racing = RacingStore()
    lab.driver.use_store(racing, lab.media)
    try:
        node = lab.node(drives=4)
        raid = base.LogicalDisk("1", size_gb=100, name="root", is_root_volume=True)
        request = lab.request(hardware=base.HardwareRequest(raid=(raid,)))
        assert lab.deploy(node, request) == DONE
        assert racing.raced
        assert len(lab.bmc(node)["storage"][0]["volumes"]) == 1
        assert racing.get(node).state.get("raced") is True
        assert lab.teardown(node) == DONE
        assert lab.bmc(node)["storage"][0]["volumes"] == []
    finally:
        lab.driver.close()
