"""The config drive the Ironic driver hands over: an ISO 9660 image or JSON."""

import base64
import gzip
import io
import json

import pycdlib

from mogan.drivers import ironic_configdrive

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
