"""The ``mogan`` CLI end to end: every command, format, error path and auth mode.

Each test runs ``mogan_cli.shell.main`` in-process over the real app (see
conftest.py); one runs the installed ``mogan`` script against a closed port.
"""

import io
import os
import pathlib
import shutil
import socket
import stat
import subprocess
import sys

import bcrypt
import httpx
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from tests.conftest import MEMBER, OTHER, READER
from tests.functional.cli.conftest import ENDPOINT, TOKEN

NOT_FOUND_NOPE = "No flavor with a name or UUID of 'nope' exists."
FLAVOR_FIELDS = {
    "uuid",
    "name",
    "description",
    "is_public",
    "disabled",
    "resources",
    "resource_aggregates",
    "created_at",
    "updated_at",
}


@pytest.fixture
def gold(mogan) -> dict:
    """A public flavor named gold, as the CLI shows it in JSON."""
    result = mogan(
        "flavor", "create", "gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
    )
    assert result.code == 0, result.err
    return dict(result.json())


@pytest.fixture
def secret(mogan) -> dict:
    """A private flavor named secret."""
    result = mogan(
        "flavor",
        "create",
        "secret",
        "--resource",
        "CUSTOM_SECRET=1",
        "--private",
        "-f",
        "json",
    )
    assert result.code == 0, result.err
    return dict(result.json())


def ssh_public_key() -> str:
    """A fresh OpenSSH public key (ed25519: much faster to make than RSA)."""
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def error_line(result) -> str:
    """The single line the CLI printed on stderr."""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


class TestFlavorCreate:
    def test_table_shows_the_admin_view(self, mogan):
        """The default table lists every admin field, mappings as key='value'."""
        result = mogan(
            "flavor",
            "create",
            "gold",
            "--resource",
            "CUSTOM_GOLD=1",
            "--description",
            "shiny",
        )
        assert result.code == 0, result.err
        assert "| name                | gold" in result.out
        assert "CUSTOM_GOLD='1'" in result.out
        assert "shiny" in result.out
        assert result.err == ""

    def test_json_keeps_types(self, gold):
        """JSON output keeps booleans, integers and mappings as JSON values."""
        assert set(gold) == FLAVOR_FIELDS
        assert gold["resources"] == {"CUSTOM_GOLD": 1}
        assert gold["is_public"] is True
        assert gold["disabled"] is False

    def test_private_disabled_with_aggregates(self, mogan):
        """--private, --disabled and --resource-aggregate reach the server."""
        result = mogan(
            "flavor",
            "create",
            "dark",
            "--resource",
            "CUSTOM_A=2",
            "--resource",
            "CUSTOM_B=1",
            "--private",
            "--disabled",
            "--resource-aggregate",
            "rack=r1",
            "-f",
            "yaml",
        )
        assert result.code == 0, result.err
        body = yaml.safe_load(result.out)
        assert body["resources"] == {"CUSTOM_A": 2, "CUSTOM_B": 1}
        assert body["is_public"] is False
        assert body["disabled"] is True
        assert body["resource_aggregates"] == {"rack": "r1"}

    def test_resource_trait_sends_microversion_1_1(self, mogan, recorder):
        """--resource-trait sends API version 1.1 so the traits are kept."""
        result = mogan(
            "flavor",
            "create",
            "traity",
            "--resource",
            "CUSTOM_GOLD=1",
            "--resource-trait",
            "CUSTOM_RAID=required",
            "--resource-trait",
            "CUSTOM_GPU=FORBIDDEN",
            "-f",
            "json",
        )
        assert result.code == 0, result.err
        assert result.json()["resource_traits"] == {
            "CUSTOM_RAID": "required",
            "CUSTOM_GPU": "forbidden",
        }
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.1"

    def test_resource_trait_with_older_version_is_refused(self, mogan, recorder):
        """Asking for 1.0 with --resource-trait fails before sending anything."""
        result = mogan(
            "--os-compute-api-version",
            "1.0",
            "flavor",
            "create",
            "traity",
            "--resource",
            "CUSTOM_GOLD=1",
            "--resource-trait",
            "CUSTOM_RAID=required",
        )
        assert result.code == 1
        assert "needs API version 1.1" in error_line(result)
        assert recorder.requests == []

    @pytest.mark.usefixtures("gold")
    def test_without_version_no_header_is_sent(self, recorder):
        """Without --os-compute-api-version no microversion header is sent."""
        assert "HTTP_OPENSTACK_API_VERSION" not in recorder.requests[-1]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ([], "--resource"),
            (["--resource", "CUSTOM_GOLD=x"], "is not a whole number"),
            (["--resource", "CUSTOM_GOLD"], "is not KEY=VALUE"),
            (
                ["--resource", "A=1", "--resource-trait", "T=maybe"],
                "required or forbidden",
            ),
            (["--resource", "A=1", "--public", "--private"], "not allowed with"),
        ],
    )
    def test_bad_arguments_exit_2(self, mogan, args, message):
        """Malformed arguments are usage errors (exit 2), caught before any request."""
        result = mogan("flavor", "create", "bad", *args)
        assert result.code == 2
        assert message in result.err

    @pytest.mark.usefixtures("gold")
    def test_duplicate_name_is_one_error_line(self, mogan):
        """A 409 prints 'Error (HTTP 409, code): reason' and exits 1."""
        result = mogan("flavor", "create", "gold", "--resource", "CUSTOM_GOLD=1")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 409, mogan.flavor.exists): ")
        assert result.out == ""

    def test_server_validation_is_400(self, mogan):
        """The server's 400 names the offending field."""
        result = mogan("flavor", "create", "zero", "--resource", "CUSTOM_GOLD=0")
        assert result.code == 1
        line = error_line(result)
        assert line.startswith("Error (HTTP 400, ")
        assert "resources.CUSTOM_GOLD" in line

    def test_reader_is_forbidden(self, mogan):
        """A reader may not create flavors: a 403 line, no traceback."""
        result = mogan(
            "flavor", "create", "x", "--resource", "CUSTOM_GOLD=1", persona=READER
        )
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 403, mogan.forbidden): ")
        assert "Traceback" not in result.err


class TestFlavorList:
    def test_table(self, mogan, gold):
        """The table has UUID, Name, Is Public and Description columns."""
        result = mogan("flavor", "list")
        assert result.code == 0
        header = result.out.splitlines()[1]
        assert [c.strip() for c in header.strip("|").split("|")] == [
            "UUID",
            "Name",
            "Is Public",
            "Description",
        ]
        assert gold["uuid"] in result.out

    @pytest.mark.usefixtures("gold", "secret")
    def test_long_json(self, mogan):
        """--long adds disabled, resources, traits and aggregates."""
        result = mogan("flavor", "list", "--long", "-f", "json")
        assert result.code == 0
        rows = {row["Name"]: row for row in result.json()}
        assert {"gold", "secret"} == set(rows)
        assert rows["gold"]["Resources"] == {"CUSTOM_GOLD": 1}
        assert rows["secret"]["Is Public"] is False
        assert rows["gold"]["Disabled"] is False

    @pytest.mark.usefixtures("gold", "secret")
    def test_value_and_columns(self, mogan):
        """-f value -c Name prints one bare name per line, sorted by name."""
        result = mogan("flavor", "list", "-f", "value", "-c", "Name")
        assert result.out == "gold\nsecret\n"

    def test_yaml(self, mogan, gold):
        """-f yaml gives a list of mappings."""
        result = mogan("flavor", "list", "-f", "yaml")
        assert [
            {
                "UUID": gold["uuid"],
                "Name": "gold",
                "Is Public": True,
                "Description": None,
            }
        ] == yaml.safe_load(result.out)

    @pytest.mark.usefixtures("gold", "secret")
    def test_member_sees_public_flavors_only(self, mogan):
        """A member's list leaves out private flavors not shared with them."""
        result = mogan("flavor", "list", "-f", "value", "-c", "Name", persona=MEMBER)
        assert result.out == "gold\n"

    @pytest.mark.usefixtures("gold", "secret")
    def test_limit(self, mogan):
        """--limit caps the number of rows."""
        result = mogan("flavor", "list", "--limit", "1", "-f", "json")
        assert [row["Name"] for row in result.json()] == ["gold"]

    def test_empty_list(self, mogan):
        """With no flavors, JSON output is an empty list."""
        assert mogan("flavor", "list", "-f", "json").json() == []


class TestFlavorShow:
    def test_by_name_and_by_uuid_agree(self, mogan, gold):
        """A flavor can be named by its name or its UUID."""
        by_name = mogan("flavor", "show", "gold", "-f", "json").json()
        by_uuid = mogan("flavor", "show", gold["uuid"], "-f", "json").json()
        assert by_name == by_uuid == gold

    def test_value_of_one_field(self, mogan, gold):
        """-f value -c uuid prints just the UUID."""
        result = mogan("flavor", "show", "gold", "-f", "value", "-c", "uuid")
        assert gold["uuid"] + "\n" == result.out

    @pytest.mark.usefixtures("gold")
    def test_shell_format(self, mogan):
        """-f shell prints shell variable assignments."""
        result = mogan("flavor", "show", "gold", "-f", "shell", "-c", "name")
        assert result.out == 'name="gold"\n'

    def test_unknown_name(self, mogan):
        """An unknown name is one line on stderr and exit 1."""
        result = mogan("flavor", "show", "nope")
        assert result.code == 1
        assert error_line(result) == NOT_FOUND_NOPE

    def test_unknown_uuid(self, mogan):
        """An unknown UUID falls back to names and then reports nothing found."""
        missing = "8f4a6b1e-0000-4000-8000-000000000000"
        result = mogan("flavor", "show", missing)
        assert result.code == 1
        assert f"'{missing}'" in error_line(result)

    def test_name_that_looks_like_a_uuid(self, mogan):
        """A flavor whose name is a UUID is found by that name."""
        name = "0b9a3c4e-1111-4000-8000-000000000000"
        mogan("flavor", "create", name, "--resource", "CUSTOM_GOLD=1")
        result = mogan("flavor", "show", name, "-f", "value", "-c", "name")
        assert name + "\n" == result.out

    def test_traits_only_from_1_1(self, mogan):
        """resource_traits shows with --os-compute-api-version 1.1 and not before."""
        mogan(
            "flavor",
            "create",
            "traity",
            "--resource",
            "CUSTOM_GOLD=1",
            "--resource-trait",
            "CUSTOM_RAID=required",
        )
        old = mogan("flavor", "show", "traity", "-f", "json").json()
        new = mogan(
            "--os-compute-api-version", "1.1", "flavor", "show", "traity", "-f", "json"
        ).json()
        assert "resource_traits" not in old
        assert new["resource_traits"] == {"CUSTOM_RAID": "required"}

    @pytest.mark.usefixtures("gold")
    def test_member_sees_the_reduced_view(self, mogan):
        """Non-admins see only uuid, name, description and is_public."""
        result = mogan("flavor", "show", "gold", "-f", "json", persona=MEMBER)
        assert {"uuid", "name", "description", "is_public"} == set(result.json())


class TestFlavorSet:
    @pytest.mark.usefixtures("recorder")
    def test_replaces_fields(self, mogan, gold):
        """--name, --description and --disable become JSON-patch replace ops."""
        result = mogan(
            "flavor",
            "set",
            "gold",
            "--name",
            "platinum",
            "--description",
            "better",
            "--disable",
        )
        assert result.code == 0, result.err
        assert result.out == ""
        shown = mogan("flavor", "show", gold["uuid"], "-f", "json").json()
        assert (
            shown["name"],
            shown["description"],
            shown["disabled"],
        ) == ("platinum", "better", True)

    @pytest.mark.usefixtures("gold")
    def test_enable_and_private(self, mogan):
        """--enable and --private flip the flags back and forth."""
        mogan("flavor", "set", "gold", "--disable", "--public")
        mogan("flavor", "set", "gold", "--enable", "--private")
        shown = mogan("flavor", "show", "gold", "-f", "json").json()
        assert (shown["disabled"], shown["is_public"]) == (False, False)

    @pytest.mark.usefixtures("secret")
    def test_project_on_private_flavor_adds_access(self, mogan):
        """--project on a private flavor shares it with that project."""
        result = mogan(
            "flavor", "set", "secret", "--project", "project-a", "--project", "p2"
        )
        assert result.code == 0, result.err
        listed = mogan("flavor", "access", "list", "secret", "-f", "value")
        assert listed.out == "p2\nproject-a\n"

    @pytest.mark.usefixtures("gold")
    def test_private_and_project_together(self, mogan):
        """--private applies before --project, so a public flavor can be shared."""
        result = mogan("flavor", "set", "gold", "--private", "--project", "p9")
        assert result.code == 0, result.err
        assert mogan("flavor", "access", "list", "gold", "-f", "value").out == "p9\n"

    @pytest.mark.usefixtures("gold")
    def test_project_on_public_flavor_is_409(self, mogan):
        """A public flavor has no access list: the server's 409 is shown."""
        result = mogan("flavor", "set", "gold", "--project", "p1")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 409, ")

    @pytest.mark.usefixtures("gold")
    def test_nothing_to_set(self, mogan):
        """Without any change the command says so and fails."""
        result = mogan("flavor", "set", "gold")
        assert result.code == 1
        assert error_line(result).startswith("nothing to set")

    @pytest.mark.usefixtures("gold")
    def test_member_is_forbidden(self, mogan):
        """Only admins may change flavors."""
        result = mogan("flavor", "set", "gold", "--name", "x", persona=MEMBER)
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 403, ")


class TestFlavorUnset:
    @pytest.mark.usefixtures("secret")
    def test_removes_project(self, mogan):
        """--project removes that project from the access list."""
        mogan("flavor", "set", "secret", "--project", "p1", "--project", "p2")
        result = mogan("flavor", "unset", "secret", "--project", "p1")
        assert result.code == 0, result.err
        assert mogan("flavor", "access", "list", "secret", "-f", "value").out == "p2\n"

    @pytest.mark.usefixtures("secret")
    def test_project_not_on_list_is_404(self, mogan):
        """Removing a project that has no access is the server's 404."""
        result = mogan("flavor", "unset", "secret", "--project", "nobody")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 404, ")

    @pytest.mark.usefixtures("secret")
    def test_project_is_required(self, mogan):
        """Unset needs --project."""
        assert mogan("flavor", "unset", "secret").code == 2


class TestFlavorDelete:
    @pytest.mark.usefixtures("gold")
    def test_deletes_several_by_name_and_uuid(self, mogan, secret):
        """Several flavors go at once, named either way."""
        result = mogan("flavor", "delete", "gold", secret["uuid"])
        assert result.code == 0, result.err
        assert mogan("flavor", "list", "-f", "json").json() == []

    @pytest.mark.usefixtures("gold", "secret")
    def test_partial_failure_deletes_the_rest(self, mogan):
        """A missing flavor is reported, the others are deleted, exit is 1."""
        result = mogan("flavor", "delete", "gold", "nope", "secret")
        assert result.code == 1
        assert result.err.splitlines() == [
            f"Failed to delete flavor nope: {NOT_FOUND_NOPE}",
            "1 of 3 flavors failed to delete.",
        ]
        assert mogan("flavor", "list", "-f", "json").json() == []


class TestFlavorAccess:
    def test_add_list_remove(self, mogan, secret):
        """Access can be added, listed (JSON) and removed."""
        assert mogan("flavor", "access", "add", "secret", "project-b").code == 0
        listed = mogan("flavor", "access", "list", secret["uuid"], "-f", "json")
        assert listed.json() == [{"Project ID": "project-b"}]
        assert mogan("flavor", "access", "remove", "secret", "project-b").code == 0
        assert mogan("flavor", "access", "list", "secret", "-f", "json").json() == []

    @pytest.mark.usefixtures("secret")
    def test_shared_project_sees_the_flavor(self, mogan):
        """Once shared, the project's members see the private flavor."""
        mogan("flavor", "access", "add", "secret", OTHER.project_id)
        result = mogan("flavor", "list", "-f", "value", "-c", "Name", persona=OTHER)
        assert result.out == "secret\n"

    @pytest.mark.usefixtures("secret")
    def test_table(self, mogan):
        """The table has one Project ID column."""
        mogan("flavor", "access", "add", "secret", "p1")
        result = mogan("flavor", "access", "list", "secret")
        assert "| Project ID |" in result.out
        assert "| p1         |" in result.out

    def test_member_may_not_add(self, mogan, secret):
        """Members may not change access lists (they cannot even see the flavor)."""
        result = mogan("flavor", "access", "add", secret["uuid"], "p1", persona=MEMBER)
        assert result.code == 1
        assert len(result.err.splitlines()) == 1

    @pytest.mark.usefixtures("secret")
    def test_remove_unknown_project_is_404(self, mogan):
        """Removing a project not on the list is the server's 404."""
        result = mogan("flavor", "access", "remove", "secret", "nobody")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 404, ")


class TestKeypairCreate:
    def test_generated_private_key_is_printed_bare(self, mogan):
        """A generated key's private half is printed alone, ready to redirect."""
        result = mogan("keypair", "create", "k1")
        assert result.code == 0, result.err
        assert result.out.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        assert result.out.endswith("-----END OPENSSH PRIVATE KEY-----\n")

    def test_private_key_file(self, mogan, tmp_path):
        """--private-key writes the key to a 0600 file and shows the keypair."""
        path = tmp_path / "k1.pem"
        result = mogan(
            "keypair", "create", "k1", "--private-key", str(path), "-f", "json"
        )
        assert result.code == 0, result.err
        assert "private_key" not in result.json()
        assert path.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_private_key_file_is_never_overwritten(self, mogan, tmp_path):
        """An existing --private-key file is an error, not overwritten."""
        path = tmp_path / "taken.pem"
        path.write_text("keep me")
        result = mogan("keypair", "create", "k1", "--private-key", str(path))
        assert result.code == 1
        assert "cannot write the private key" in error_line(result)
        assert path.read_text() == "keep me"

    def test_json_carries_the_private_key(self, mogan):
        """With -f json the private key is a field of the output."""
        body = mogan("keypair", "create", "k1", "-f", "json").json()
        assert body["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        assert body["public_key"].startswith("ssh-rsa ")

    def test_import_public_key_file(self, mogan, tmp_path):
        """--public-key FILE imports that key; no private key is shown."""
        public = ssh_public_key()
        path = tmp_path / "id.pub"
        path.write_text(public)
        result = mogan("keypair", "create", "imported", "--public-key", str(path))
        assert result.code == 0, result.err
        assert f"| public_key  | {public} |" in result.out
        assert "PRIVATE KEY" not in result.out

    def test_import_public_key_from_stdin(self, mogan, monkeypatch):
        """--public-key - reads the key from standard input."""
        public = ssh_public_key()
        monkeypatch.setattr(sys, "stdin", io.StringIO(public))
        result = mogan("keypair", "create", "piped", "--public-key", "-", "-f", "json")
        assert result.code == 0, result.err
        assert public.strip() == result.json()["public_key"].strip()

    def test_missing_public_key_file(self, mogan, tmp_path):
        """An unreadable --public-key file is one line and exit 1."""
        result = mogan(
            "keypair", "create", "k", "--public-key", str(tmp_path / "absent.pub")
        )
        assert result.code == 1
        assert "cannot read the public key" in error_line(result)

    def test_x509(self, mogan):
        """--type x509 makes an x509 keypair."""
        body = mogan("keypair", "create", "cert", "--type", "x509", "-f", "json").json()
        assert body["type"] == "x509"

    def test_for_another_user(self, mogan):
        """An admin creates a keypair for another user with --user."""
        body = mogan("keypair", "create", "k", "--user", "alice", "-f", "json").json()
        assert body["user_id"] == "alice"

    def test_member_may_not_act_for_another_user(self, mogan):
        """A member naming another user gets the server's 403."""
        result = mogan("keypair", "create", "k", "--user", "bob", persona=MEMBER)
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 403, ")


class TestKeypairListShowDelete:
    @pytest.fixture(autouse=True)
    def keys(self, mogan, tmp_path):
        """Two imported keypairs for the member, one for another user."""
        for name, persona in (("k1", MEMBER), ("k2", MEMBER), ("b1", OTHER)):
            path = tmp_path / f"{name}.pub"
            path.write_text(ssh_public_key())
            result = mogan(
                "keypair", "create", name, "--public-key", str(path), persona=persona
            )
            assert result.code == 0, result.err

    def test_list_is_per_user(self, mogan):
        """Each user lists only their own keypairs."""
        result = mogan("keypair", "list", "-f", "value", "-c", "Name", persona=MEMBER)
        assert result.out == "k1\nk2\n"

    def test_list_table_and_yaml(self, mogan):
        """The table has Name, Type and Fingerprint; YAML matches it."""
        table = mogan("keypair", "list", persona=MEMBER).out
        assert "| Name | Type | Fingerprint" in table
        rows = yaml.safe_load(
            mogan("keypair", "list", "-f", "yaml", persona=MEMBER).out
        )
        assert [r["Name"] for r in rows] == ["k1", "k2"]
        assert {"ssh"} == {r["Type"] for r in rows}

    def test_admin_lists_another_users_keypairs(self, mogan):
        """An admin lists someone else's keypairs with --user."""
        result = mogan("keypair", "list", "--user", OTHER.user_id, "-f", "json")
        assert [r["Name"] for r in result.json()] == ["b1"]

    def test_show(self, mogan):
        """Show gives every field but the private key."""
        body = mogan("keypair", "show", "k1", "-f", "json", persona=MEMBER).json()
        assert (MEMBER.user_id, "ssh") == (body["user_id"], body["type"])
        assert "private_key" not in body

    def test_show_other_user_as_admin(self, mogan):
        """An admin shows another user's keypair with --user."""
        result = mogan(
            "keypair",
            "show",
            "b1",
            "--user",
            OTHER.user_id,
            "-f",
            "value",
            "-c",
            "name",
        )
        assert result.out == "b1\n"

    def test_show_missing_is_404(self, mogan):
        """A keypair the user does not have is the server's 404."""
        result = mogan("keypair", "show", "b1", persona=MEMBER)
        assert result.code == 1
        assert error_line(result).startswith(
            "Error (HTTP 404, mogan.keypair.not_found): "
        )

    def test_delete(self, mogan):
        """Several keypairs are deleted at once."""
        assert mogan("keypair", "delete", "k1", "k2", persona=MEMBER).code == 0
        assert mogan("keypair", "list", "-f", "json", persona=MEMBER).json() == []

    def test_delete_for_another_user(self, mogan):
        """An admin deletes another user's keypair with --user."""
        result = mogan("keypair", "delete", "b1", "--user", OTHER.user_id)
        assert result.code == 0, result.err
        assert mogan("keypair", "list", "-f", "json", persona=OTHER).json() == []

    def test_delete_missing_reports_and_fails(self, mogan):
        """A missing keypair is reported; the others are still deleted."""
        result = mogan("keypair", "delete", "nope", "k1", persona=MEMBER)
        assert result.code == 1
        assert result.err.startswith("Failed to delete keypair nope: Error (HTTP 404")
        assert [
            r["Name"]
            for r in mogan("keypair", "list", "-f", "json", persona=MEMBER).json()
        ] == ["k2"]


class TestAvailabilityZone:
    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [("json", "[]\n"), ("yaml", "[]\n"), ("value", ""), ("csv", '"Zone Name"\n')],
    )
    def test_list_formats(self, mogan, fmt, expected):
        """With no zones each format prints its empty form."""
        result = mogan("availability", "zone", "list", "-f", fmt)
        assert result.code == 0, result.err
        assert expected == result.out

    def test_reader_may_list(self, mogan):
        """Readers may list zones."""
        assert mogan("availability", "zone", "list", persona=READER).code == 0


class TestEndpointAndIdentity:
    @pytest.mark.usefixtures("gold")
    def test_endpoint_from_environment_alone(self, run, monkeypatch):
        """OS_ENDPOINT alone is enough: auth type none, default identity (admin)."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        result = run("flavor", "list", "-f", "value", "-c", "Name")
        assert (result.code, result.out) == (0, "gold\n")

    def test_identity_options_become_headers(self, mogan, recorder):
        """--os-user-id, --os-project-id and --os-roles are sent as X- headers."""
        mogan("flavor", "list", persona=MEMBER)
        sent = recorder.requests[-1]
        assert (MEMBER.user_id, MEMBER.project_id, "member") == (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
            sent["HTTP_X_ROLES"],
        )

    def test_option_beats_environment(self, run, monkeypatch):
        """--os-roles wins over OS_ROLES."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        monkeypatch.setenv("OS_ROLES", "reader")
        create = ("flavor", "create", "x", "--resource", "CUSTOM_GOLD=1")
        assert run(*create).code == 1
        assert run("--os-roles", "admin", *create).code == 0

    def test_api_version_from_environment(self, run, monkeypatch, recorder):
        """OS_BAREMETAL_COMPUTE_API_VERSION is sent as the microversion."""
        monkeypatch.setenv("OS_ENDPOINT", ENDPOINT)
        monkeypatch.setenv("OS_BAREMETAL_COMPUTE_API_VERSION", "1.1")
        assert run("flavor", "list").code == 0
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.1"

    def test_unsupported_version_is_406(self, mogan):
        """A version the server lacks is its 406, on one line."""
        result = mogan("--os-compute-api-version", "9.9", "flavor", "list")
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 406, ")

    def test_malformed_version(self, mogan, recorder):
        """A version that is not X.Y fails before any request."""
        result = mogan("--os-compute-api-version", "one", "flavor", "list")
        assert result.code == 1
        assert "not of the form X.Y" in error_line(result)
        assert recorder.requests == []

    def test_no_endpoint(self, run):
        """Without endpoint, auth URL or cloud the CLI says what to pass."""
        result = run("flavor", "list")
        assert result.code == 1
        assert "--os-endpoint" in error_line(result)

    @pytest.mark.usefixtures("gold")
    def test_endpoint_with_v1_suffix(self, run):
        """An endpoint given with /v1 reaches the same API."""
        result = run("--os-endpoint", ENDPOINT + "/v1/", "flavor", "show", "gold")
        assert result.code == 0, result.err

    def test_admin_token_is_sent_as_is(self, run, recorder):
        """An endpoint and --os-token without an auth URL sends the token."""
        result = run("--os-endpoint", ENDPOINT, "--os-token", "tok", "flavor", "list")
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == "tok"


class TestCloudsYaml:
    def write(self, tmp_path, cloud: dict) -> pathlib.Path:
        """Write ./clouds.yaml holding ``cloud`` as 'test'."""
        path = tmp_path / "clouds.yaml"
        path.write_text(yaml.safe_dump({"clouds": {"test": cloud}}))
        return path

    def test_cloud_gives_endpoint_and_identity(self, run, tmp_path, recorder):
        """OS_CLOUD picks an entry: endpoint, auth type and auth dict apply."""
        self.write(
            tmp_path,
            {
                "auth_type": "none",
                "endpoint": ENDPOINT,
                "auth": {"user_id": "cloud-user", "project_id": "cloud-project"},
                "roles": "reader",
            },
        )
        result = run("--os-cloud", "test", "flavor", "list")
        assert result.code == 0, result.err
        sent = recorder.requests[-1]
        assert (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
            sent["HTTP_X_ROLES"],
        ) == ("cloud-user", "cloud-project", "reader")

    def test_environment_and_options_beat_the_cloud(
        self, run, tmp_path, monkeypatch, recorder
    ):
        """Precedence: option > environment > clouds.yaml."""
        self.write(
            tmp_path,
            {
                "baremetal_compute_endpoint_override": ENDPOINT,
                "auth": {"user_id": "cloud-user", "project_id": "cloud-project"},
            },
        )
        monkeypatch.setenv("OS_CLOUD", "test")
        monkeypatch.setenv("OS_USER_ID", "env-user")
        monkeypatch.setenv("OS_PROJECT_ID", "env-project")
        result = run(
            "--os-project-id", "cli-project", "--os-roles", "reader", "flavor", "list"
        )
        assert result.code == 0, result.err
        sent = recorder.requests[-1]
        assert (
            sent["HTTP_X_USER_ID"],
            sent["HTTP_X_PROJECT_ID"],
        ) == ("env-user", "cli-project")

    def test_unknown_cloud(self, run, tmp_path):
        """A cloud missing from clouds.yaml is one line naming the file."""
        self.write(tmp_path, {"endpoint": ENDPOINT})
        result = run("--os-cloud", "nope", "flavor", "list")
        assert result.code == 1
        assert error_line(result) == "cloud 'nope' is not defined in clouds.yaml"

    def test_client_config_file(self, run, tmp_path, monkeypatch):
        """OS_CLIENT_CONFIG_FILE names the clouds.yaml to read first."""
        path = self.write(tmp_path / "..", {"endpoint": ENDPOINT})
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
        assert run("--os-cloud", "test", "flavor", "list").code == 0


class TestHttpBasic:
    @pytest.fixture
    def basic_app(self, tmp_path, database):
        """The app with auth_strategy = http_basic and one admin user."""
        hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(rounds=4)).decode()
        users = tmp_path / "htpasswd"
        users.write_text(f"root:{hashed}\n")
        conf = mogan_conf.make_conf(
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {
                    "auth_strategy": "http_basic",
                    "http_basic_auth_user_file": str(users),
                    "http_basic_user_roles": {"root": "admin"},
                },
            }
        )
        return api_app.create_app(conf, database)

    def test_credentials_are_sent_as_basic(self, run, basic_app):
        """http_basic sends --os-username/--os-password; the admin may create."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-auth-type",
            "http_basic",
            "--os-username",
            "root",
            "--os-password",
            "s3cret",
            "flavor",
            "create",
            "b",
            "--resource",
            "CUSTOM_GOLD=1",
            transport=httpx.WSGITransport(app=basic_app),
        )
        assert result.code == 0, result.err

    def test_wrong_password_is_401(self, run, basic_app, monkeypatch):
        """A wrong password is the server's 401, on one line."""
        monkeypatch.setenv("OS_AUTH_TYPE", "http_basic")
        monkeypatch.setenv("OS_USERNAME", "root")
        monkeypatch.setenv("OS_PASSWORD", "wrong")
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "flavor",
            "list",
            transport=httpx.WSGITransport(app=basic_app),
        )
        assert result.code == 1
        assert error_line(result).startswith(
            "Error (HTTP 401, mogan.unauthenticated): "
        )

    @pytest.mark.usefixtures("basic_app")
    def test_missing_password(self, run):
        """http_basic without a password is refused before any request."""
        result = run(
            "--os-endpoint",
            ENDPOINT,
            "--os-auth-type",
            "http_basic",
            "--os-username",
            "root",
            "flavor",
            "list",
        )
        assert result.code == 1
        assert "--os-password" in error_line(result)


class TestKeystone:
    def password_args(self, keystone) -> list[str]:
        """Keystone password options pointing at the fake."""
        return [
            "--os-auth-url",
            keystone.url,
            "--os-username",
            "alice",
            "--os-password",
            "pw",
            "--os-project-name",
            "demo",
            "--os-user-domain-name",
            "Default",
            "--os-project-domain-name",
            "Default",
        ]

    @pytest.mark.usefixtures("gold")
    def test_password_gets_token_and_catalog_endpoint(self, run, keystone, recorder):
        """An auth URL means password auth: the token is sent to the catalog's Mogan."""
        result = run(*self.password_args(keystone), "flavor", "list", "-f", "json")
        assert result.code == 0, result.err
        assert [r["Name"] for r in result.json()] == ["gold"]
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN
        sent = keystone.token_requests[-1]["auth"]["identity"]["password"]["user"]
        assert (sent["name"], sent["password"]) == ("alice", "pw")

    @pytest.mark.usefixtures("recorder")
    def test_legacy_service_type(self, run, keystone):
        """A catalog listing baremetal_compute (underscore) is found too."""
        keystone.catalog[0]["type"] = "baremetal_compute"
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 0, result.err

    def test_no_mogan_in_catalog(self, run, keystone):
        """A catalog without Mogan says so and suggests --os-endpoint."""
        keystone.catalog[0]["type"] = "compute"
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 1
        assert "catalog has no baremetal-compute endpoint" in error_line(result)

    def test_endpoint_overrides_catalog(self, run, keystone, recorder):
        """--os-endpoint skips the catalog but still sends the token."""
        keystone.catalog = []
        result = run(
            *self.password_args(keystone),
            "--os-endpoint",
            ENDPOINT,
            "flavor",
            "list",
        )
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN

    def test_rejected_credentials(self, run, keystone):
        """Keystone's 401 is one 'Authentication failed' line."""
        keystone.reject = True
        result = run(*self.password_args(keystone), "flavor", "list")
        assert result.code == 1
        assert error_line(result).startswith("Authentication failed: ")

    def test_token_auth_type_from_cloud(self, run, keystone, tmp_path, recorder):
        """clouds.yaml can select a keystoneauth plugin (token) with its options."""
        cloud = {
            "auth_type": "token",
            "auth": {"auth_url": keystone.url, "token": "t0", "project_id": "p"},
        }
        (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {"ks": cloud}}))
        result = run("--os-cloud", "ks", "flavor", "list")
        assert result.code == 0, result.err
        assert recorder.requests[-1]["HTTP_X_AUTH_TOKEN"] == TOKEN
        sent = keystone.token_requests[-1]["auth"]["identity"]
        assert sent["token"] == {"id": "t0"}

    def test_plugin_option_from_environment(self, run, keystone, monkeypatch):
        """Plugin options without a flag come from OS_<OPTION> variables."""
        monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_ID", "cred-id")
        monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_SECRET", "cred-secret")
        result = run(
            "--os-auth-type",
            "v3applicationcredential",
            "--os-auth-url",
            keystone.url,
            "flavor",
            "list",
        )
        assert result.code == 0, result.err
        sent = keystone.token_requests[-1]["auth"]["identity"]
        assert sent["application_credential"] == {
            "id": "cred-id",
            "secret": "cred-secret",
        }

    @pytest.mark.usefixtures("keystone")
    def test_missing_plugin_options(self, run):
        """A plugin missing required options names them."""
        result = run("--os-auth-type", "password", "flavor", "list")
        assert result.code == 1
        assert "--os-auth-url" in error_line(result)

    def test_unknown_auth_type(self, run):
        """An auth type keystoneauth does not know is one line."""
        result = run("--os-auth-type", "bogus", "flavor", "list")
        assert result.code == 1
        assert "unknown auth type 'bogus'" in error_line(result)


class TestShell:
    def test_version(self, run):
        """--version prints the program name and version."""
        result = run("--version")
        assert result.code == 0
        assert result.out.startswith("mogan ")

    def test_help_lists_every_command(self, run):
        """Help lists the commands without needing credentials."""
        result = run("help")
        assert result.code == 0
        for name in ("flavor access add", "keypair create", "availability zone list"):
            assert name in result.out

    def test_command_help(self, run):
        """A command's --help shows its options."""
        result = run("flavor", "create", "--help")
        assert result.code == 0
        assert "--resource-trait" in result.out

    def test_unknown_command(self, run):
        """An unknown command exits 2."""
        assert run("flavour", "list").code == 2

    def test_imports_nothing_of_the_server(self):
        """Loading the whole CLI pulls in no module of the server package mogan."""
        code = (
            "import sys, mogan_cli.shell; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'mogan'))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        assert done.stdout == "[]\n"

    def test_connection_refused_in_a_subprocess(self, tmp_path):
        """The installed script against a closed port prints one line, exits 1."""
        script = shutil.which("mogan", path=pathlib.Path(sys.executable).parent)
        assert script is not None
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        done = subprocess.run(
            [script, "--os-endpoint", f"http://127.0.0.1:{port}", "flavor", "list"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert done.returncode == 1
        assert done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"Unable to connect to http://127.0.0.1:{port}: ")
