"""The config drive the Ironic driver hands over: an ISO 9660 image or JSON."""

import base64
import gzip
import io
import json
import subprocess
import time
import uuid

import pycdlib

from mogan.db import models
from mogan.drivers import base, ironic_configdrive
from mogan.drivers import hardware as hw
from mogan.drivers import ironic as ironic_module
from mogan.engine import configdrive
from tests.ironic import fixtures

FILES = {
    "openstack/2017-02-22/meta_data.json": '{"uuid": "s1"}',
    "openstack/latest/meta_data.json": '{"uuid": "s1", "hostname": "web-1"}',
    "openstack/latest/network_data.json": json.dumps(
        {"links": [{"id": "tap1", "vif_id": "port-1"}, {"id": "tap2"}]}
    ),
    "openstack/latest/user_data": "#cloud-config\npackages: [htop]\n",
    "openstack/content/0000": "äöü injected\n",
}


def open_iso(encoded: str) -> pycdlib.PyCdlib:
    """The image behind the base64 gzip text."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(gzip.decompress(base64.b64decode(encoded))))
    return iso


class TestIso:
    def test_round_trip_with_rock_ridge_names(self):
        """Every file comes back under its own name and content."""
        assert ironic_configdrive.read_iso(ironic_configdrive.build_iso(FILES)) == FILES

    def test_label_and_joliet_names(self):
        """Labelled config-2; Joliet (what Windows reads) has the names too."""
        encoded = ironic_configdrive.build_iso(FILES)
        assert ironic_configdrive.volume_label(encoded) == "config-2"
        iso = open_iso(encoded)
        try:
            out = io.BytesIO()
            iso.get_file_from_iso_fp(
                out, joliet_path="/openstack/latest/meta_data.json"
            )
            assert out.getvalue().decode() == FILES["openstack/latest/meta_data.json"]
        finally:
            iso.close()

    def test_empty_drive_is_a_valid_image(self):
        """A drive without files is still an image with the label."""
        encoded = ironic_configdrive.build_iso({})
        assert ironic_configdrive.read_iso(encoded) == {}
        assert ironic_configdrive.volume_label(encoded) == "config-2"


class TestJson:
    def test_latest_parts(self):
        """meta_data and network_data parsed, user_data as text, files left out."""
        drive = ironic_configdrive.build_json(FILES)
        assert drive == {
            "meta_data": {"uuid": "s1", "hostname": "web-1"},
            "network_data": json.loads(FILES["openstack/latest/network_data.json"]),
            "user_data": "#cloud-config\npackages: [htop]\n",
        }

    def test_vendor_data_is_sent_parsed(self):
        """The layout's vendor_data.json goes as Ironic's ``vendor_data`` object."""
        vendor = {"cloud-init": "#cloud-config\n{}"}
        files = {**FILES, "openstack/latest/vendor_data.json": json.dumps(vendor)}
        assert ironic_configdrive.build_json(files)["vendor_data"] == vendor
        assert "vendor_data" not in ironic_configdrive.build_json(FILES)

    def test_missing_parts_are_absent(self):
        """Only what the drive has is sent."""
        meta = {"openstack/latest/meta_data.json": "{}"}
        assert ironic_configdrive.build_json(meta) == {"meta_data": {}}


# ------------------------------------------------------------ on a real Ironic

LAYOUT = (hw.PartitionLayout(mount="/var/lib/data", fs="xfs", label="data"),)
IMAGE = "http://images.example.org/ubuntu.raw"


def _drive(server_uuid: str) -> dict[str, str]:
    server = models.Server(
        uuid=server_uuid, name="cd", availability_zone=None, extra={}, key_name=None
    )
    return configdrive.build(server, [], layout=LAYOUT)


def _wait_active(driver, node_uuid: str) -> None:
    deadline = time.monotonic() + 30
    while driver.poll_deploy(node_uuid).progress is not base.Progress.DONE:
        assert time.monotonic() < deadline, "the deploy did not finish"
        time.sleep(0.2)


class TestOnIronic:
    def test_json_form_with_vendor_data_is_taken(self, ironic, tmp_path):
        """Ironic accepts the JSON drive with ``vendor_data`` and keeps it whole."""
        conf = fixtures.make_conf(
            tmp_path,
            auth_type="none",
            endpoint_override=ironic.url,
            configdrive_format="json",
        )
        driver = ironic_module.IronicDriver(conf)
        node_uuid, server = ironic.enroll(), str(uuid.uuid4())
        drive = _drive(server)
        driver.start_deploy(
            node_uuid,
            base.DeployRequest(server_uuid=server, image_url=IMAGE, config_drive=drive),
        )
        _wait_active(driver, node_uuid)
        stored = ironic.stored_instance_info(node_uuid)["configdrive"]
        assert stored["vendor_data"] == json.loads(
            drive["openstack/latest/vendor_data.json"]
        )

    def test_ironic_writes_vendor_data_as_vendor_data2(self, ironic):
        """Ironic's own files for a JSON drive name it vendor_data2.json.

        The code Ironic builds the image with (openstacksdk's
        ``configdrive.populate_directory``, through ``build``, called by
        ``ironic.conductor.configdrive_utils.build_configdrive``), run in
        Ironic's venv; the ISO Mogan builds keeps vendor_data.json.
        """
        vendor = json.loads(_drive("s-1")["openstack/latest/vendor_data.json"])
        code = (
            "import json, os, sys\n"
            "from openstack.baremetal import configdrive\n"
            "vendor = json.loads(sys.argv[1])\n"
            "with configdrive.populate_directory({'uuid': 's-1'}, "
            "vendor_data=vendor) as d:\n"
            "    found = {}\n"
            "    for root, _, names in os.walk(d):\n"
            "        for name in names:\n"
            "            path = os.path.join(root, name)\n"
            "            with open(path) as f:\n"
            "                found[os.path.relpath(path, d)] = f.read()\n"
            "print(json.dumps(found))\n"
        )
        files = json.loads(
            subprocess.run(
                [str(ironic.bin_dir / "python"), "-c", code, json.dumps(vendor)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        assert json.loads(files["openstack/latest/vendor_data2.json"]) == vendor
        assert "openstack/latest/vendor_data.json" not in files
        mogan_iso = ironic_configdrive.read_iso(
            ironic_configdrive.build_iso(_drive("s-1"))
        )
        assert "openstack/latest/vendor_data.json" in mogan_iso
