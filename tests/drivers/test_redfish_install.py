"""Disk images on Redfish nodes: the installer path, on the emulator.

The installer ISO (``[redfish] installer_iso_url``) goes on the CD with the
config drive medium, which carries ``mogan/install.json``; the emulator's
systems boot it as an installer (``tests/redfish/emulator/installer.py``):
they download and check the image, record what they wrote, power off. The
driver then ejects the media and boots the disk. What was done is read
back from the emulator.
"""

import hashlib
import time

import httpx
import pytest

from mogan.drivers import base, configdrive_iso
from mogan.drivers import redfish_install as rinstall
from mogan.engine import workflow
from tests.drivers.test_redfish_deploy import DRIVE, Lab, wait
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

pytestmark = pytest.mark.services

DONE = base.Status(base.Progress.DONE)
QCOW2 = b"QFI\xfb\x00\x00\x00\x03" + bytes(range(256)) * 16
RAW = b"\xeb\x63\x90" + b"\x00" * 4093


class InstallLab(Lab):
    """A lab whose driver has an installer ISO (unless ``installer`` is False)."""

    def __init__(self, emulator, files, installer=True, deploy_timeout=None):
        """The installer served by ``files``; ``[engine] deploy_timeout``."""
        super().__init__(emulator, files)
        conf = self.driver.conf
        self.installer_url = files.add_installer() if installer else None
        conf.set_override("installer_iso_url", self.installer_url, "redfish")
        if deploy_timeout is not None:
            conf.set_override("deploy_timeout", deploy_timeout, "engine")

    def disk_request(self, name="images/disk.qcow2", data=QCOW2, **fields):
        """A request for a served disk image (sha256 checksum by default)."""
        fields.setdefault("disk_format", name.rsplit(".", 1)[-1])
        fields.setdefault(
            "image_checksum", f"sha256:{hashlib.sha256(data).hexdigest()}"
        )
        return base.DeployRequest(
            server_uuid=fields.pop("server", "s-1"),
            image_url=self.files.add(name, data),
            **fields,
        )

    def medium(self):
        """The files of the one config drive medium served now."""
        [name] = self.media.served()
        image = httpx.get(f"{self.files.url}/media/{name}", timeout=10).content
        assert configdrive_iso.label(image) == "config-2"
        return configdrive_iso.read(image)


@pytest.fixture
def lab(redfish, file_server):
    """A lab with an installer configured."""
    made = InstallLab(redfish, file_server)
    yield made
    made.driver.close()


def nothing_inserted(bmc):
    """Whether the system's CD and removable device are both empty."""
    return not any(m["inserted"] or m["image"] for m in bmc["media"].values())


def test_qcow2_is_installed_then_the_disk_boots(lab):
    """Installer + medium, install, eject, boot the disk; what was written."""
    node = lab.node(drives=4)
    root = base.LogicalDisk("1", size_gb=100, name="root", is_root_volume=True)
    request = lab.disk_request(
        config_drive=DRIVE, hardware=base.HardwareRequest(raid=(root,))
    )
    assert lab.deploy(node, request) == DONE
    bmc = lab.bmc(node)
    disk = bmc["disk"]
    assert disk["image_url"] == request.image_url
    assert disk["disk_format"] == "qcow2"
    assert disk["sha256"] == hashlib.sha256(QCOW2).hexdigest()
    assert disk["checksum_verified"] is True
    assert disk["config_drive"] == DRIVE
    assert disk["root_device"] == {"raid_level": "1", "size_gb": 100, "name": "root"}
    assert bmc["install"]["state"] == "done"
    assert bmc["power_state"] == "On"
    assert bmc["boot_progress"] == "OSRunning"
    assert bmc["last_boot"] == {
        "device": "Hdd",
        "image": request.image_url,
        "at": bmc["last_boot"]["at"],
    }
    assert bmc["boot_count"] == 2
    assert bmc["boot_enabled"] == "Disabled"
    assert nothing_inserted(bmc)
    assert lab.files.count("installer.iso") == 1
    assert lab.files.count("images/disk.qcow2") == 1
    # NOTE: the medium is the config drive plus the installer's
    # instructions, written by the one builder.
    expected = rinstall.instructions(node, request)
    assert lab.medium() == {
        **DRIVE,
        rinstall.INSTRUCTIONS_PATH: expected.to_json(),
    }
    assert expected.checksum == rinstall.Checksum(
        "sha256", hashlib.sha256(QCOW2).hexdigest()
    )
    [volume] = bmc["storage"][0]["volumes"]
    assert volume["name"] == "root"
    assert lab.teardown(node) == DONE
    bmc = lab.bmc(node)
    assert bmc["power_state"] == "Off"
    assert nothing_inserted(bmc)
    assert bmc["storage"][0]["volumes"] == []
    assert lab.media.served() == []
    assert lab.driver.get_node(node).consumable


def test_rebuild_installs_the_new_image_on_a_running_system(lab):
    """A running node restarts into the installer; a checksum file is used.

    With a power delay the system is seen off before the installer even
    started (the restart's off): that is not the installer's power off.
    """
    node = lab.node()
    assert lab.deploy(node, lab.disk_request()) == DONE
    lab.emulator.set_delays(power=0.3)
    digest = hashlib.sha256(RAW).hexdigest()
    sums = lab.files.add("images/SHA256SUMS", f"{digest}  disk.raw\n".encode())
    again = lab.disk_request("images/disk.raw", RAW, image_checksum=sums)
    lab.driver.start_rebuild(node, again)
    assert wait(lab.driver.poll_deploy, node) == DONE
    bmc = lab.bmc(node)
    assert bmc["disk"]["image_url"] == again.image_url
    assert bmc["disk"]["checksum_verified"] is True
    assert bmc["disk"]["config_drive"] == {}
    assert bmc["last_boot"]["device"] == "Hdd"
    assert bmc["last_boot"]["image"] == again.image_url
    assert bmc["boot_count"] == 4
    assert lab.files.count("images/SHA256SUMS") == 1
    assert nothing_inserted(bmc)


@pytest.mark.parametrize("failure", ["checksum", "install"])
def test_a_failed_install_fails_at_the_timeout_naming_the_phase(
    redfish, file_server, failure
):
    """The installer stays on: FAILED past deploy_timeout, "installing: ..."."""
    lab = InstallLab(redfish, file_server, deploy_timeout=2)
    try:
        node = lab.node()
        if failure == "checksum":
            request = lab.disk_request(image_checksum="sha256:" + "0" * 64)
        else:
            lab.emulator.fail("install", lab.systems[node], message="no disk")
            request = lab.disk_request()
        started = time.monotonic()
        lab.driver.start_deploy(node, request)
        status = wait(lab.driver.poll_deploy, node, timeout=20)
        assert status.progress is base.Progress.FAILED
        assert time.monotonic() - started >= 2
        assert status.error.startswith("installing: after 2 s, the installer has not")
        bmc = lab.bmc(node)
        assert bmc["power_state"] == "On"
        assert bmc["disk"] is None
        assert bmc["install"]["state"] == "failed"
        reason = "checksum mismatch" if failure == "checksum" else "no disk"
        assert bmc["install"]["error"].startswith(reason)
        assert lab.teardown(node) == DONE
        bmc = lab.bmc(node)
        assert bmc["power_state"] == "Off"
        assert nothing_inserted(bmc)
        assert lab.media.served() == []
        assert lab.driver.get_node(node).consumable
    finally:
        lab.driver.close()


def test_teardown_while_installing(lab):
    """A deploy torn down mid-install: the install is cut, nothing inserted."""
    node = lab.node()
    lab.emulator.set_delays(install=60)
    lab.driver.start_deploy(node, lab.disk_request(config_drive=DRIVE))
    deadline = time.monotonic() + 10
    while (lab.bmc(node)["install"] or {}).get("state") != "running":
        assert lab.driver.poll_deploy(node).progress is base.Progress.IN_PROGRESS
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert lab.bmc(node)["media"]["Cd"]["image"] == lab.installer_url
    assert lab.teardown(node) == DONE
    bmc = lab.bmc(node)
    assert bmc["install"]["state"] == "aborted"
    assert bmc["disk"] is None
    assert bmc["power_state"] == "Off"
    assert nothing_inserted(bmc)
    assert lab.media.served() == []
    assert lab.driver.get_node(node).consumable


def test_iso_images_still_boot_from_the_cd(lab):
    """An iso image goes on the CD as it is; the installer is not used."""
    node = lab.node()
    request = lab.request(config_drive=DRIVE)
    assert lab.deploy(node, request) == DONE
    bmc = lab.bmc(node)
    assert bmc["last_boot"]["device"] == "Cd"
    assert bmc["last_boot"]["image"] == request.image_url
    assert bmc["media"]["Cd"]["image"] == request.image_url
    assert bmc["install"] is None
    assert lab.files.count("installer.iso") == 0
    assert rinstall.INSTRUCTIONS_PATH not in lab.medium()


def test_disk_image_without_installer_is_refused_before_any_bmc_request(
    redfish, file_server
):
    """No installer: a 400-worthy refusal naming the format and the option."""
    lab = InstallLab(redfish, file_server, installer=False)
    try:
        node = lab.node()
        before = len(redfish.requests())
        request = lab.disk_request(config_drive=DRIVE)
        with pytest.raises(base.ImageRefused) as caught:
            lab.driver.start_deploy(node, request)
        message = caught.value.message
        assert request.image_url in message
        assert "qcow2" in message
        assert "[redfish] installer_iso_url" in message
        assert workflow.describe_error(caught.value)["code"] == 400
        assert workflow.describe_error(caught.value)["reschedulable"] is False
        assert redfish.requests()[before:] == []
        assert lab.media.served() == []
        assert lab.driver.get_node(node).consumable
        assert lab.bmc(node)["power_state"] == "Off"
    finally:
        lab.driver.close()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"kernel_url": "http://x/vmlinuz", "ramdisk_url": "http://x/initrd"},
            "partition images",
        ),
        ({"disk_format": "vmdk"}, "disk_format vmdk"),
        ({"image_checksum": "not-a-checksum"}, "checksum not-a-checksum"),
    ],
)
def test_what_the_installer_cannot_write_is_refused(lab, fields, reason):
    """Partition images, other formats, odd checksums: refused, node untouched."""
    node = lab.node()
    before = len(lab.emulator.requests())
    request = lab.disk_request(**fields)
    with pytest.raises(base.ImageRefused, match=reason) as caught:
        lab.driver.start_deploy(node, request)
    assert request.image_url in caught.value.message
    assert lab.emulator.requests()[before:] == []
    assert lab.driver.get_node(node).consumable


@pytest.mark.parametrize(
    ("given", "checksum", "url"),
    [
        (None, None, None),
        ("SHA256:" + "AB" * 32, rinstall.Checksum("sha256", "ab" * 32), None),
        ("cd" * 16, rinstall.Checksum("md5", "cd" * 16), None),
        ("ef" * 64, rinstall.Checksum("sha512", "ef" * 64), None),
        ("https://x/SHA256SUMS", None, "https://x/SHA256SUMS"),
    ],
)
def test_checksum_forms(given, checksum, url):
    """algo:hex, bare hex by its length (os_hash), or a checksum file's URL."""
    request = base.DeployRequest(
        server_uuid="s", image_url="http://x/d.raw", image_checksum=given
    )
    assert rinstall.checksum("n", request) == (checksum, url)
    made = rinstall.instructions("n", request)
    assert (made.checksum, made.checksum_url) == (checksum, url)
