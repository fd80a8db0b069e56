"""``mogan hardware profile ...`` and ``server create`` hardware options end to end.

The commands run over the real app (see conftest.py); what they asked for
is read back through the API and from the server rows the API wrote.
"""

from typing import Any

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import MEMBER

SHA = "sha256:" + "c" * 64


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def done(result) -> None:
    """A command that prints nothing succeeded."""
    assert result.code == 0, result.err


@pytest.fixture
def refs(mogan) -> None:
    """A flavor, an image and a network, each created by name."""
    ok(
        mogan(
            "flavor", "create", "bm.gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
        )
    )
    ok(mogan("image", "create", "ubuntu", "--url", "http://i.test/u.raw", "-f", "json"))
    ok(mogan("network", "create", "demo-net", "--cidr", "10.0.0.0/24", "-f", "json"))


def stored(database, name: str) -> Any:
    """``servers.hardware`` of the server called ``name``."""
    with database.transaction(readonly=True) as session:
        return session.scalar(
            sa.select(models.Server.hardware).where(models.Server.name == name)
        )


class TestProfiles:
    def test_create_show_list_set_delete(self, mogan):
        """A profile goes through its whole life from the command line."""
        created = ok(
            mogan(
                "hardware",
                "profile",
                "create",
                "db",
                "--raid",
                "level=1,size=MAX,disks=2,type=ssd,root=true",
                "--bios",
                "SriovGlobalEnable=Enabled",
                "--bios",
                "NumCores=8",
                "--firmware",
                f"component=bios,url=http://fw.test/b.bin,checksum={SHA}",
                "--partition",
                "mount=/data,size=MAX,fs=xfs",
                "--root-gb",
                "40",
                "--trait",
                "CUSTOM_RAID",
                "-f",
                "json",
            )
        )
        assert created["raid"] == {
            "logical_disks": [
                {
                    "raid_level": "1",
                    "size_gb": "MAX",
                    "number_of_physical_disks": 2,
                    "disk_type": "ssd",
                    "is_root_volume": True,
                }
            ]
        }
        assert created["bios"] == {
            "settings": {"SriovGlobalEnable": "Enabled", "NumCores": 8}
        }
        assert created["partitions"] == {
            "root_gb": 40,
            "layout": [{"mount": "/data", "size_gb": "MAX", "fs": "xfs"}],
        }
        assert created["traits"] == ["CUSTOM_RAID"]
        shown = ok(mogan("hardware", "profile", "show", "db", "-f", "json"))
        assert shown["uuid"] == created["uuid"]
        listed = ok(mogan("hardware", "profile", "list", "-f", "json"))
        assert [p["Name"] for p in listed] == ["db"]
        done(
            mogan(
                "hardware",
                "profile",
                "set",
                "db",
                "--raid",
                "level=1+0,size=500,disks=4,type=hdd",
                "--description",
                "bigger",
            )
        )
        shown = ok(mogan("hardware", "profile", "show", created["uuid"], "-f", "json"))
        assert shown["raid"]["logical_disks"][0]["raid_level"] == "1+0"
        assert shown["description"] == "bigger"
        done(mogan("hardware", "profile", "unset", "db", "--section", "firmware"))
        shown = ok(mogan("hardware", "profile", "show", "db", "-f", "json"))
        assert shown.get("firmware") is None
        done(mogan("hardware", "profile", "delete", "db"))
        assert ok(mogan("hardware", "profile", "list", "-f", "json")) == []

    def test_private_profile_shared_with_set_project(self, mogan):
        """``set --project`` shares a private profile; members then see it."""
        ok(mogan("hardware", "profile", "create", "p", "--private", "-f", "json"))
        result = mogan("hardware", "profile", "show", "p", persona=MEMBER)
        assert result.code == 1
        done(mogan("hardware", "profile", "set", "p", "--project", MEMBER.project_id))
        assert (
            ok(mogan("hardware", "profile", "show", "p", "-f", "json", persona=MEMBER))[
                "name"
            ]
            == "p"
        )

    def test_bad_raid_option_is_refused_before_sending(self, mogan):
        """A --raid without a level is a usage error naming what is missing."""
        result = mogan("hardware", "profile", "create", "x", "--raid", "size=10")
        assert result.code == 2
        assert "missing level" in result.err

    def test_api_refusal_names_the_field(self, mogan):
        """An unknown RAID level comes back as the API's 400 naming the field."""
        result = mogan(
            "hardware", "profile", "create", "x", "--raid", "level=7,size=10"
        )
        assert result.code == 1
        assert "raid.logical_disks.0.raid_level" in result.err


@pytest.mark.usefixtures("refs")
class TestServerCreate:
    def test_hardware_options_reach_the_server(self, mogan, database):
        """--hardware-profile, --raid, --partition and a bonded --nic are stored."""
        ok(
            mogan(
                "hardware",
                "profile",
                "create",
                "fast",
                "--bios",
                "ProcTurboMode=Enabled",
                "-f",
                "json",
            )
        )
        server = ok(
            mogan(
                "server",
                "create",
                "hw",
                "--flavor",
                "bm.gold",
                "--image",
                "ubuntu",
                "--nic",
                "net-id=demo-net,bond-mode=802.3ad,bond-links=2,bond-lacp-rate=fast",
                "--hardware-profile",
                "fast",
                "--raid",
                "level=1,size=MAX,disks=2,type=ssd",
                "--partition",
                "mount=/data,size=MAX,fs=xfs",
                "-f",
                "json",
                persona=MEMBER,
            )
        )
        assert server["status"] == "building"
        assert server["hardware"]["result"] == {
            "raid": {"status": "pending"},
            "bios": {"status": "pending"},
            "bonds": {"status": "pending"},
        }
        hardware = stored(database, "hw")
        assert hardware["bios"] == {"settings": {"ProcTurboMode": "Enabled"}}
        assert hardware["raid"]["logical_disks"][0]["number_of_physical_disks"] == 2
        assert hardware["partitions"]["layout"] == [
            {"mount": "/data", "size_gb": "MAX", "fs": "xfs"}
        ]
        assert hardware["bonds"] == [
            {"network": 0, "mode": "802.3ad", "links": 2, "lacp_rate": "fast"}
        ]

    def test_member_raw_bios_is_refused(self, mogan, database):
        """A member's raw --bios is refused by policy; nothing is created."""
        result = mogan(
            "server",
            "create",
            "hw",
            "--flavor",
            "bm.gold",
            "--image",
            "ubuntu",
            "--network",
            "demo-net",
            "--bios",
            "ProcTurboMode=Enabled",
            persona=MEMBER,
        )
        assert result.code == 1
        assert "hardware_bios" in result.err
        assert stored(database, "hw") is None

    def test_no_network_nor_nic_is_refused(self, mogan):
        """A server needs a --network or a --nic."""
        result = mogan(
            "server", "create", "hw", "--flavor", "bm.gold", "--image", "ubuntu"
        )
        assert result.code == 1
        assert "--network or --nic" in result.err


def test_flavor_create_names_hardware_profiles(mogan):
    """``flavor create`` takes a default and allowed profiles by name (API 1.5)."""
    profile = ok(mogan("hardware", "profile", "create", "db", "-f", "json"))
    flavor = ok(
        mogan(
            "flavor",
            "create",
            "bm.db",
            "--resource",
            "CUSTOM_GOLD=1",
            "--default-hardware-profile",
            "db",
            "--allowed-hardware-profile",
            "db",
            "-f",
            "json",
        )
    )
    assert flavor["default_hardware_profile"] == profile["uuid"]
    assert flavor["allowed_hardware_profiles"] == [profile["uuid"]]


def shown_flavor(mogan, name: str) -> Any:
    """The flavor as shown at microversion 1.5, with its hardware profiles."""
    return ok(
        mogan("--os-compute-api-version", "1.5", "flavor", "show", name, "-f", "json")
    )


class TestFlavorSetHardwareProfiles:
    @pytest.fixture(autouse=True)
    def profiles(self, mogan) -> dict[str, str]:
        """Profiles ``db`` and ``web`` and a flavor ``bm.db`` naming neither."""
        uuids = {
            name: ok(mogan("hardware", "profile", "create", name, "-f", "json"))["uuid"]
            for name in ("db", "web")
        }
        ok(
            mogan(
                "flavor", "create", "bm.db", "--resource", "CUSTOM_GOLD=1", "-f", "json"
            )
        )
        return uuids

    def test_set_then_clear(self, mogan, profiles):
        """Profiles named on ``flavor set`` are stored by uuid; --no-* clears them."""
        done(
            mogan(
                "flavor",
                "set",
                "bm.db",
                "--default-hardware-profile",
                "db",
                "--allowed-hardware-profile",
                "db",
                "--allowed-hardware-profile",
                profiles["web"],
            )
        )
        shown = shown_flavor(mogan, "bm.db")
        assert shown["default_hardware_profile"] == profiles["db"]
        assert shown["allowed_hardware_profiles"] == [profiles["db"], profiles["web"]]
        done(
            mogan(
                "flavor",
                "set",
                "bm.db",
                "--no-default-hardware-profile",
                "--no-allowed-hardware-profiles",
            )
        )
        shown = shown_flavor(mogan, "bm.db")
        assert shown["default_hardware_profile"] is None
        assert shown["allowed_hardware_profiles"] == []

    def test_allowed_replaces_the_list(self, mogan, profiles):
        """A second ``--allowed-hardware-profile`` set replaces the first list."""
        done(mogan("flavor", "set", "bm.db", "--allowed-hardware-profile", "db"))
        done(mogan("flavor", "set", "bm.db", "--allowed-hardware-profile", "web"))
        shown = shown_flavor(mogan, "bm.db")
        assert shown["allowed_hardware_profiles"] == [profiles["web"]]
        assert shown["default_hardware_profile"] is None

    def test_unknown_profile_is_the_api_400_naming_the_field(self, mogan):
        """A profile that does not exist is refused by the API, field named."""
        result = mogan("flavor", "set", "bm.db", "--default-hardware-profile", "nope")
        assert result.code == 1
        assert "default_hardware_profile" in result.err
        assert "hardware profile nope could not be found" in result.err

    def test_profile_and_no_profile_together_is_a_usage_error(self, mogan):
        """Naming a default and clearing it at once is refused before sending."""
        result = mogan(
            "flavor",
            "set",
            "bm.db",
            "--default-hardware-profile",
            "db",
            "--no-default-hardware-profile",
        )
        assert result.code == 2
        assert "not allowed with" in result.err

    def test_profile_named_by_a_flavor_cannot_be_deleted(self, mogan):
        """After ``flavor set`` names it, deleting the profile is the API's 409."""
        done(mogan("flavor", "set", "bm.db", "--default-hardware-profile", "web"))
        result = mogan("hardware", "profile", "delete", "web")
        assert result.code == 1
        assert "bm.db" in result.err


def test_profile_access_add_list_remove(mogan):
    """``hardware profile access`` shares a private profile and lists it."""
    ok(mogan("hardware", "profile", "create", "p", "--private", "-f", "json"))
    done(mogan("hardware", "profile", "access", "add", "p", MEMBER.project_id))
    listed = ok(mogan("hardware", "profile", "access", "list", "p", "-f", "json"))
    assert listed == [{"Project ID": MEMBER.project_id}]
    assert ok(mogan("hardware", "profile", "show", "p", "-f", "json", persona=MEMBER))
    done(mogan("hardware", "profile", "access", "remove", "p", MEMBER.project_id))
    assert ok(mogan("hardware", "profile", "access", "list", "p", "-f", "json")) == []
    assert mogan("hardware", "profile", "show", "p", persona=MEMBER).code == 1


def test_profile_access_on_public_profile_is_409(mogan):
    """A public profile has no access list: adding to it is the API's 409."""
    ok(mogan("hardware", "profile", "create", "pub", "-f", "json"))
    result = mogan("hardware", "profile", "access", "add", "pub", "p1")
    assert result.code == 1
    assert "HTTP 409" in result.err
