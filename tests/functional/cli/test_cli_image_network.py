"""``mogan image ...`` and ``mogan network ...`` end to end over the real app."""

import pytest

from tests.conftest import MEMBER, OTHER, READER

URL = "http://images.test/centos.qcow2"


def ok(result) -> dict:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return dict(result.json())


@pytest.fixture
def centos(mogan) -> dict:
    """A public qcow2 image named centos."""
    return ok(
        mogan(
            "image",
            "create",
            "centos",
            "--url",
            URL,
            "--disk-format",
            "qcow2",
            "-f",
            "json",
        )
    )


@pytest.fixture
def flat(mogan) -> dict:
    """A shared network named flat on 10.0.0.0/24."""
    return ok(mogan("network", "create", "flat", "--cidr", "10.0.0.0/24", "-f", "json"))


class TestImage:
    def test_create_shows_every_field(self, centos):
        """The image create command sends the options and shows the admin view."""
        assert {
            "name": "centos",
            "url": URL,
            "disk_format": "qcow2",
            "visibility": "public",
            "status": "active",
            "min_disk": 0,
        }.items() <= centos.items()

    def test_partition_image_resolves_kernel_and_ramdisk_by_name(self, mogan):
        """--kernel and --ramdisk take image names and send their UUIDs."""
        kernel = ok(
            mogan(
                "image",
                "create",
                "vmlinuz",
                "--url",
                "http://i/k",
                "--disk-format",
                "aki",
                "-f",
                "json",
            )
        )
        ramdisk = ok(
            mogan(
                "image",
                "create",
                "initrd",
                "--url",
                "http://i/r",
                "--disk-format",
                "ari",
                "-f",
                "json",
            )
        )
        image = ok(
            mogan(
                "image",
                "create",
                "part",
                "--url",
                URL,
                "--kernel",
                "vmlinuz",
                "--ramdisk",
                ramdisk["uuid"],
                "--min-disk",
                "4",
                "--size",
                "99",
                "-f",
                "json",
            )
        )
        assert (image["kernel_id"], image["ramdisk_id"]) == (
            kernel["uuid"],
            ramdisk["uuid"],
        )
        assert (image["min_disk"], image["size"]) == (4, 99)

    def test_private_image_listed_for_its_project_only(self, mogan):
        """A --private image shows up for its owner project, not for others."""
        ok(
            mogan(
                "image",
                "create",
                "secret",
                "--url",
                URL,
                "--private",
                "--owner",
                MEMBER.project_id,
                "-f",
                "json",
            )
        )
        mine = mogan("image", "list", "-f", "json", persona=READER)
        theirs = mogan("image", "list", "-f", "json", persona=OTHER)
        assert [i["Name"] for i in mine.json()] == ["secret"]
        assert theirs.json() == []

    def test_list_long_and_show_by_name(self, mogan, centos):
        """The image list --long option adds columns; image show finds by name."""
        listed = mogan("image", "list", "--long", "-f", "json")
        assert listed.code == 0, listed.err
        assert listed.json()[0]["Min Disk"] == 0
        shown = ok(mogan("image", "show", "centos", "-f", "json"))
        assert shown["uuid"] == centos["uuid"]

    def test_bad_disk_format_is_refused_before_any_request(self, mogan, recorder):
        """An unknown --disk-format fails in argument parsing."""
        result = mogan("image", "create", "x", "--url", URL, "--disk-format", "floppy")
        assert result.code != 0
        assert "floppy" in result.err
        assert recorder.requests == []

    def test_member_cannot_create(self, mogan):
        """The API's 403 comes back as a one-line error and a failure code."""
        result = mogan("image", "create", "x", "--url", URL, persona=MEMBER)
        assert result.code == 1
        assert len(result.err.splitlines()) == 1
        assert result.err.startswith("Error (HTTP 403, mogan.forbidden)")

    def test_delete_by_name_then_missing(self, mogan, centos):
        """The image delete command removes it; deleting again reports and fails."""
        assert mogan("image", "delete", "centos").code == 0
        again = mogan("image", "delete", centos["uuid"])
        assert again.code == 1
        assert "Failed to delete image" in again.err


class TestNetwork:
    def test_create_defaults_gateway_and_sharing(self, flat):
        """Network create defaults the gateway to the first host and shares."""
        assert {
            "name": "flat",
            "cidr": "10.0.0.0/24",
            "gateway": "10.0.0.1",
            "shared": True,
            "project_id": None,
        }.items() <= flat.items()

    def test_unshared_ipv6_network_without_gateway(self, mogan):
        """--no-share, --project and --no-gateway reach the server."""
        net = ok(
            mogan(
                "network",
                "create",
                "v6",
                "--cidr",
                "2001:db8::/64",
                "--no-gateway",
                "--no-share",
                "--project",
                MEMBER.project_id,
                "-f",
                "json",
            )
        )
        assert (net["gateway"], net["shared"], net["project_id"]) == (
            None,
            False,
            MEMBER.project_id,
        )
        assert mogan("network", "list", "-f", "json", persona=OTHER).json() == []
        member = mogan("network", "list", "--long", "-f", "json", persona=MEMBER)
        assert [n["Project"] for n in member.json()] == [MEMBER.project_id]

    def test_bad_cidr_names_the_field(self, mogan):
        """The server's 400 for a bad CIDR is printed with the field named."""
        result = mogan("network", "create", "bad", "--cidr", "10.0.0.1/24")
        assert result.code == 1
        assert "HTTP 400" in result.err
        assert "field 'cidr'" in result.err
        assert "host bits" in result.err

    def test_show_by_name_and_delete(self, mogan, flat):
        """The network show command finds by name; delete removes it."""
        shown = ok(mogan("network", "show", "flat", "-f", "json", persona=MEMBER))
        assert shown["uuid"] == flat["uuid"]
        assert mogan("network", "delete", "flat").code == 0
        missing = mogan("network", "show", "flat")
        assert missing.code == 1
        assert "No network with a name or UUID of 'flat' exists." in missing.err
