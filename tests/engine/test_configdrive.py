"""The config drive's documents: bonds in network_data.json, the layout as vendor data.

The layout's shell runs for real (with ``sgdisk`` on a disk image when it
is installed): the tools that look at the running system (``findmnt``,
``lsblk``, ``blkid``, ``partx``, ``udevadm``) are stand-ins on ``PATH``
that describe a root filesystem on the image.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mogan.db import models
from mogan.drivers import hardware as hw
from mogan.engine import configdrive, configdrive_network, configdrive_vendor
from tests.conftest import unavailable

SGDISK = shutil.which("sgdisk")
M1, M2, M3 = "52:54:00:aa:00:01", "52:54:00:aa:00:02", "52:54:00:aa:00:03"
FIXED = {
    "ip_address": "10.0.0.5",
    "version": 4,
    "netmask": "255.255.255.0",
    "gateway": "10.0.0.1",
}


def _nic(port_id: str, mac: str, net: str = "net-a") -> models.ServerNic:
    return models.ServerNic(
        port_id=port_id, mac_address=mac, network_id=net, fixed_ips=[dict(FIXED)]
    )


def _bond(**kw) -> hw.Bond:
    fields = {
        "name": "bond0",
        "mode": "802.3ad",
        "links": (M1, M2),
        "miimon": 100,
        "xmit_hash_policy": "layer3+4",
        "lacp_rate": "fast",
        "mtu": 9000,
    }
    return hw.Bond(**(fields | kw))


class TestNetworkData:
    def test_bond_of_two_links_exactly(self):
        """Two phy member links, then the bond link carrying the VIF and options."""
        data = configdrive_network.network_data([_nic("port-1", M1)], [_bond()])
        assert data["links"] == [
            {
                "id": "port-525400aa0001",
                "type": "phy",
                "ethernet_mac_address": M1,
                "mtu": 9000,
            },
            {
                "id": "port-525400aa0002",
                "type": "phy",
                "ethernet_mac_address": M2,
                "mtu": 9000,
            },
            {
                "id": "bond0",
                "type": "bond",
                "ethernet_mac_address": M1,
                "vif_id": "port-1",
                "bond_mode": "802.3ad",
                "bond_links": ["port-525400aa0001", "port-525400aa0002"],
                "bond_miimon": 100,
                "bond_xmit_hash_policy": "layer3+4",
                "bond_lacp_rate": "fast",
                "mtu": 9000,
            },
        ]
        (network,) = data["networks"]
        assert network["link"] == "bond0"
        assert network["ip_address"] == "10.0.0.5"

    def test_unset_bond_options_are_left_out(self):
        """No miimon, hash policy, LACP rate: no key (cloud-init would copy a null)."""
        bond = _bond(
            mode="active-backup", miimon=None, xmit_hash_policy=None, lacp_rate=None
        )
        data = configdrive_network.network_data([_nic("port-1", M1)], [bond])
        link = data["links"][-1]
        assert not {"bond_miimon", "bond_xmit_hash_policy", "bond_lacp_rate"} & set(
            link
        )
        assert link["bond_mode"] == "active-backup"

    def test_plain_nics_keep_their_links_next_to_a_bond(self):
        """The NIC that is not bonded keeps exactly what it had without bonds."""
        plain = _nic("port-2", M3, "net-b")
        alone = configdrive_network.network_data([plain])
        mixed = configdrive_network.network_data([_nic("port-1", M1), plain], [_bond()])
        assert alone["links"] == [
            {
                "id": "tapport-2",
                "type": "phy",
                "ethernet_mac_address": M3,
                "vif_id": "port-2",
                "mtu": None,
            }
        ]
        assert mixed["links"][-1] == alone["links"][0]
        assert [n["link"] for n in mixed["networks"]] == ["bond0", "tapport-2"]

    def test_member_ids_are_unique_and_stable(self):
        """Ids come from the member MACs: two bonds never share one, any case."""
        upper = _bond(links=(M1.upper(), M2.upper()))
        other = _bond(name="bond1", links=(M3, "52:54:00:aa:00:04"))
        data = configdrive_network.network_data(
            [_nic("p1", M1), _nic("p2", M3)], [upper, other]
        )
        ids = [link["id"] for link in data["links"]]
        assert len(ids) == len(set(ids))
        assert data["links"][0]["id"] == configdrive_network.member_link_id(M1)


LAYOUT = (
    hw.PartitionLayout(mount="/var/lib/data", fs="xfs", size_gb=None, label="data"),
    hw.PartitionLayout(mount="/var/log/app", fs="ext4", size_gb=20),
)


class TestVendorData:
    def test_layout_as_bootcmd_fs_setup_and_mounts(self):
        """Each entry: a once-only partitioning command, a filesystem, a mount."""
        config = configdrive_vendor.cloud_config(LAYOUT)
        assert set(config) == {"bootcmd", "fs_setup", "mounts"}
        # NOTE: the fixed size first: MAX would take the space it needs.
        assert [cmd[:5] for cmd in config["bootcmd"]] == [
            ["cloud-init-per", "once", "mogan-2", "sh", "-c"],
            ["cloud-init-per", "once", "mogan-1", "sh", "-c"],
        ]
        fixed, grow = (cmd[5] for cmd in config["bootcmd"])
        assert 'sgdisk -n 0:0:+20G -c "0:$name" -t 0:8300 "$disk"' in fixed
        assert 'sgdisk -n 0:0:0 -c "0:$name" -t 0:8300 "$disk"' in grow
        assert "name=mogan-1\n" in grow
        assert "/dev/sda" not in grow
        assert config["fs_setup"] == [
            {
                "device": "/dev/disk/by-partlabel/mogan-1",
                "partition": "auto",
                "filesystem": "xfs",
                "label": "data",
                "overwrite": False,
            },
            {
                "device": "/dev/disk/by-partlabel/mogan-2",
                "partition": "auto",
                "filesystem": "ext4",
                "overwrite": False,
            },
        ]
        assert config["mounts"] == [
            ["LABEL=data", "/var/lib/data", "xfs", "defaults,nofail", "0", "2"],
            ["PARTLABEL=mogan-2", "/var/log/app", "ext4", "defaults,nofail", "0", "2"],
        ]

    def test_a_label_used_twice_mounts_by_partition_name(self):
        """Two entries labelled alike: LABEL= would be ambiguous."""
        twice = (
            hw.PartitionLayout(mount="/a", fs="ext4", size_gb=1, label="x"),
            hw.PartitionLayout(mount="/b", fs="ext4", size_gb=1, label="x"),
        )
        mounts = configdrive_vendor.cloud_config(twice)["mounts"]
        assert [m[0] for m in mounts] == ["PARTLABEL=mogan-1", "PARTLABEL=mogan-2"]

    def test_vendor_data_is_cloud_config_under_the_cloud_init_key(self):
        """``{"cloud-init": "#cloud-config<newline><JSON>"}``: JSON is the config."""
        vendor = configdrive_vendor.vendor_data(LAYOUT)
        assert set(vendor) == {"cloud-init"}
        text = vendor["cloud-init"]
        assert text.startswith("#cloud-config\n")
        body = json.loads(text.removeprefix("#cloud-config\n"))
        assert body == configdrive_vendor.cloud_config(LAYOUT)
        # NOTE: cloud-config's schema: bootcmd items are lists of strings,
        # mounts items at most six strings.
        assert all(isinstance(a, str) for cmd in body["bootcmd"] for a in cmd)
        assert all(
            len(m) <= 6 and all(isinstance(f, str) for f in m) for m in body["mounts"]
        )

    def test_cloud_init_reads_the_same_config_as_yaml(self):
        """cloud-init's YAML loader reads it back whole, non-ASCII paths too.

        ``yaml.safe_load`` is what cloud-init parses cloud-config with; a
        character beyond the BMP would be a UTF-16 surrogate pair in
        ASCII-only JSON, which YAML reads as two broken characters.
        """
        layout = (hw.PartitionLayout(mount="/srv/d\u00e4ta-\U0001f680", fs="ext4"),)
        text = configdrive_vendor.vendor_data(layout)["cloud-init"]
        assert yaml.safe_load(text) == configdrive_vendor.cloud_config(layout)
        assert yaml.safe_load(text)["mounts"][0][1] == "/srv/d\u00e4ta-\U0001f680"

    def test_no_layout_no_vendor_data(self):
        """Without a layout there is no vendor data at all."""
        assert configdrive_vendor.vendor_data(()) is None
        assert configdrive_vendor.cloud_config(()) == {}


def _server() -> models.Server:
    return models.Server(
        uuid="s-1", name="web-1", availability_zone=None, extra={}, key_name=None
    )


class TestDrive:
    def test_drive_carries_bonds_and_vendor_data_in_every_version(self):
        """Both metadata versions get the bond links and vendor_data.json."""
        drive = configdrive.build(
            _server(), [_nic("port-1", M1)], bonds=[_bond()], layout=LAYOUT
        )
        for version in configdrive.VERSIONS:
            net = json.loads(drive[f"openstack/{version}/network_data.json"])
            assert [link["type"] for link in net["links"]] == ["phy", "phy", "bond"]
            vendor = json.loads(drive[f"openstack/{version}/vendor_data.json"])
            assert vendor == configdrive_vendor.vendor_data(LAYOUT)

    def test_drive_without_layout_has_no_vendor_data(self):
        """No layout: no vendor_data.json file."""
        drive = configdrive.build(_server(), [_nic("port-1", M1)])
        assert not [path for path in drive if "vendor_data" in path]


# ----------------------------------------------------------- the shell itself

STANDINS = {
    "findmnt": "echo /dev/fake1",
    "lsblk": 'printf "%s\\n" "$MOGAN_TEST_LSBLK"',
    "blkid": 'echo "$MOGAN_TEST_PTTYPE"',
    "partx": "exit 0",
    "udevadm": "exit 0",
    "wipefs": 'echo "$@" >> "$MOGAN_TEST_WIPED"',
}


@pytest.fixture
def guest(tmp_path: Path):
    """Run a bootcmd entry's shell with stand-ins describing a root disk image."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in STANDINS.items():
        path = bin_dir / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    wiped = tmp_path / "wiped"

    def run(cmd: list[str], disks: list[str], pttype: str = "gpt"):
        env = dict(
            os.environ,
            PATH=f"{bin_dir}:{os.environ['PATH']}",
            MOGAN_TEST_LSBLK="\n".join(
                ["/dev/fake1 part", *(f"{disk} disk" for disk in disks)]
            ),
            MOGAN_TEST_PTTYPE=pttype,
            MOGAN_TEST_WIPED=str(wiped),
        )
        assert cmd[:2] == ["cloud-init-per", "once"]
        return subprocess.run(
            cmd[3:], env=env, capture_output=True, text=True, check=False
        )

    run.wiped = wiped
    return run


def _image(tmp_path: Path) -> Path:
    """A 1 GiB root partition in a 3 GiB GPT image, then grown to 40 GiB.

    The growth leaves the backup GPT header mid-disk, as a whole-disk image
    written to a larger disk does.
    """
    image = tmp_path / "disk.img"
    with image.open("wb") as out:
        out.truncate(3 << 30)
    subprocess.run(
        [SGDISK, "-n", "1:0:+1G", "-c", "1:root", str(image)],
        check=True,
        capture_output=True,
    )
    with image.open("r+b") as out:
        out.truncate(40 << 30)
    return image


class TestBootcmdShell:
    def test_refuses_a_disk_without_gpt(self, guest):
        """An MBR root disk is left alone, with the reason on stderr."""
        cmd = configdrive_vendor.cloud_config(LAYOUT)["bootcmd"][0]
        done = guest(cmd, ["/dev/fake"], pttype="dos")
        assert done.returncode == 1
        assert "/dev/fake has no GPT: partition mogan-2 not created" in done.stderr
        assert not guest.wiped.exists()

    def test_refuses_root_on_two_disks(self, guest):
        """/ on software RAID over two disks: no disk is guessed."""
        cmd = configdrive_vendor.cloud_config(LAYOUT)["bootcmd"][0]
        done = guest(cmd, ["/dev/fa", "/dev/fb"])
        assert done.returncode == 1
        assert "is not on exactly one disk" in done.stderr

    def test_appends_the_layout_in_the_free_space(self, guest, tmp_path):
        """Fixed size, then MAX to the disk's end, named; the root is untouched.

        Needs ``sgdisk`` (the gdisk package, which .ci/run installs): skips
        without it, fails under MOGAN_REQUIRE_SERVICES=1.
        """
        if SGDISK is None:
            unavailable("sgdisk", FileNotFoundError("install the gdisk package"))
        image = _image(tmp_path)
        for cmd in configdrive_vendor.cloud_config(LAYOUT)["bootcmd"]:
            done = guest(cmd, [str(image)])
            assert done.returncode == 0, done.stderr
        table = subprocess.run(
            [SGDISK, "-p", str(image)], capture_output=True, text=True, check=True
        ).stdout
        rows = [line.split() for line in table.splitlines() if line[:4].strip()]
        parts = {row[-1]: row for row in rows if row[0].isdigit()}
        assert parts["root"][0] == "1"
        assert parts["mogan-2"][3:5] == ["20.0", "GiB"]
        # NOTE: MAX ends at the last usable sector, past the old backup header.
        last = int(table.split("last usable sector is ")[1].split()[0])
        assert int(parts["mogan-1"][2]) == last
        assert int(parts["mogan-1"][1]) > int(parts["mogan-2"][2])
        # NOTE: each new partition is wiped before fs_setup looks at it.
        assert guest.wiped.read_text().splitlines() == [
            "-a /dev/disk/by-partlabel/mogan-2",
            "-a /dev/disk/by-partlabel/mogan-1",
        ]
