"""The emulator as an installer target, through sushy.

A system that boots the installer ISO from its CD reads Mogan's
``mogan/install.json`` from the ``config-2`` medium, downloads and checks
the image, records what it wrote, and powers off; a failure leaves it on.
The media are built by Mogan's own code (``configdrive_iso``,
``redfish_install.Instructions``), so these tests also check that the
emulator reads what Mogan writes.
"""

import hashlib
import time

import pytest
import sushy

from mogan.drivers import configdrive_iso
from mogan.drivers import redfish_install as rinstall
from tests.redfish import specs
from tests.redfish.emulator import installer
from tests.redfish.files import INSTALLER_LABEL, make_iso

pytestmark = pytest.mark.services

IMAGE = b"QFI\xfb" + b"\x00" * 4092
DRIVE = {
    "openstack/latest/meta_data.json": '{"uuid": "s-1", "hostname": "db-1"}',
    "openstack/latest/user_data": "#cloud-config\n",
}


def _medium(system, types):
    for medium in system.virtual_media.get_members():
        if set(medium.media_types) & types:
            return medium
    raise AssertionError(f"no {types} device")


def insert(system, cd_url, config_url):
    """The installer on the CD, the config medium on the removable device."""
    _medium(system, {sushy.VirtualMediaType.CD}).insert_media(cd_url, inserted=True)
    _medium(system, {sushy.VirtualMediaType.USB_STICK}).insert_media(
        config_url, inserted=True
    )


def serve_medium(file_server, name, instructions, drive=DRIVE):
    """A config drive ISO with ``instructions`` as Mogan builds it; its URL."""
    files = dict(drive)
    files[rinstall.INSTRUCTIONS_PATH] = instructions.to_json()
    return file_server.add(name, configdrive_iso.build(files))


def boot_installer(redfish, file_server, system_ref, instructions):
    """Insert the installer and the medium, boot once from the CD, power on."""
    system = redfish.sushy().get_system(system_ref.path)
    insert(
        system,
        file_server.add_installer(),
        serve_medium(file_server, f"config-{system_ref.name}.iso", instructions),
    )
    system.set_system_boot_options(
        sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    system.reset_system(sushy.ResetType.ON)
    return system


def wait_for(redfish, system_uuid, predicate, timeout=10.0):
    """The emulator's record of the system once ``predicate`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate(record := redfish.system(system_uuid)):
        assert time.monotonic() < deadline, record
        time.sleep(0.05)
    return record


def test_the_reader_reads_mogans_config_drive_and_labels():
    """The emulator's Joliet reader sees Mogan's config drive as it was built."""
    files = dict(DRIVE)
    files["mogan/install.json"] = '{"version": 1}\n'
    image = configdrive_iso.build(files)
    assert installer.iso_label(image) == "config-2"
    assert installer.iso_files(image) == {k: v.encode() for k, v in files.items()}
    other = make_iso({"README.TXT": b"x"}, INSTALLER_LABEL)
    assert installer.iso_label(other) == installer.LABEL == INSTALLER_LABEL
    with pytest.raises(ValueError, match="ISO 9660"):
        installer.iso_label(b"\x00" * 40000)


def test_installer_writes_the_image_powers_off_then_the_disk_boots(
    redfish, file_server
):
    """Read, download, check, write after the delay, off; Hdd boots the image."""
    [first, _] = redfish.reset(delays={"install": 0.5})
    url = file_server.add("images/disk.qcow2", IMAGE)
    digest = hashlib.sha256(IMAGE).hexdigest()
    instructions = rinstall.Instructions(
        image_url=url,
        disk_format="qcow2",
        checksum=rinstall.Checksum("sha256", digest),
        root_device=rinstall.RootDevice(raid_level="1", name="root"),
    )
    system = boot_installer(redfish, file_server, first, instructions)
    seen = redfish.system(first.uuid)
    assert seen["power_state"] == "On"
    assert seen["install"]["state"] == "running"
    assert seen["disk"] is None
    assert seen["last_boot"]["device"] == "Cd"
    assert file_server.count("images/disk.qcow2") == 1
    done = wait_for(redfish, first.uuid, lambda r: r["power_state"] == "Off")
    assert done["install"]["state"] == "done"
    assert done["install"]["finished"] - done["install"]["started"] >= 0.5
    disk = done["disk"]
    assert disk["image_url"] == url
    assert disk["sha256"] == digest
    assert disk["checksum_verified"] is True
    assert disk["checksum"] == {"algorithm": "sha256", "value": digest}
    assert disk["root_device"] == {"raid_level": "1", "size_gb": None, "name": "root"}
    assert disk["config_drive"] == DRIVE
    system.refresh()
    assert system.boot.enabled == sushy.BootSourceOverrideEnabled.DISABLED
    system.set_system_boot_options(
        sushy.BootSource.HDD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    system.reset_system(sushy.ResetType.ON)
    system.refresh()
    assert system.boot_progress.last_state == sushy.BootProgressStates.OS_RUNNING
    booted = redfish.system(first.uuid)
    assert booted["last_boot"]["device"] == "Hdd"
    assert booted["last_boot"]["image"] == url
    assert booted["power_state"] == "On"


def test_a_failing_install_leaves_the_system_on_with_nothing_written(
    redfish, file_server
):
    """A checksum mismatch, a scripted fault, a download error: on, no disk."""
    first, second, third = redfish.reset(
        systems=[specs.system(name) for name in ("i-0", "i-1", "i-2")]
    )
    url = file_server.add("images/disk.raw", IMAGE)
    wrong = rinstall.Instructions(
        image_url=url,
        disk_format="raw",
        checksum=rinstall.Checksum("sha256", "0" * 64),
    )
    boot_installer(redfish, file_server, first, wrong)
    redfish.fail("install", second.uuid, message="disk /dev/sda is read-only")
    good = rinstall.Instructions(image_url=url, disk_format="raw")
    boot_installer(redfish, file_server, second, good)
    gone = rinstall.Instructions(
        image_url=file_server.fail("images/gone.raw"), disk_format="raw"
    )
    boot_installer(redfish, file_server, third, gone)
    time.sleep(0.2)
    errors = {}
    for ref in (first, second, third):
        seen = redfish.system(ref.uuid)
        assert seen["power_state"] == "On"
        assert seen["disk"] is None
        assert seen["install"]["state"] == "failed"
        errors[ref.name] = seen["install"]["error"]
    assert errors["i-0"].startswith("checksum mismatch")
    assert errors["i-1"] == "disk /dev/sda is read-only"
    assert "cannot download" in errors["i-2"]


def test_power_off_while_installing_aborts(redfish, file_server):
    """Powering off mid-install writes nothing; another ISO boots as before."""
    [first, second] = redfish.reset(delays={"install": 30})
    url = file_server.add("images/disk.raw", IMAGE)
    system = boot_installer(
        redfish,
        file_server,
        first,
        rinstall.Instructions(image_url=url, disk_format="raw"),
    )
    assert redfish.system(first.uuid)["install"]["state"] == "running"
    system.reset_system(sushy.ResetType.FORCE_OFF)
    seen = redfish.system(first.uuid)
    assert seen["install"]["state"] == "aborted"
    assert seen["disk"] is None
    plain = redfish.sushy().get_system(second.path)
    insert(
        plain,
        file_server.add_iso("live.iso"),
        file_server.add_iso("cfg.iso", label="config-2"),
    )
    plain.set_system_boot_options(
        sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    plain.reset_system(sushy.ResetType.ON)
    seen = redfish.system(second.uuid)
    assert seen["install"] is None
    assert seen["last_boot"]["device"] == "Cd"
    assert seen["boot_progress"] == "OSRunning"
