"""The ``mogan`` CLI end to end: flavor commands, output formats and error paths.

Each test runs ``mogan_cli.shell.main`` in-process over the real app (see
conftest.py). Keypairs and zones are in ``test_cli_keypair``; endpoints,
clouds.yaml and auth modes in ``test_cli_auth``.
"""

import pytest
import sqlalchemy as sa
import yaml

from mogan.db import models
from tests.conftest import MEMBER, OTHER, READER
from tests.functional.cli.support import error_line

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

    def test_composable_sends_microversion_1_8(self, mogan, recorder, database):
        """--composable sends API version 1.8: the flavor is composable."""
        result = mogan(
            "flavor",
            "create",
            "composed",
            "--composable",
            "--resource",
            "VCPU=16",
            "--resource",
            "MEMORY_MB=65536",
            "-f",
            "json",
        )
        assert result.code == 0, result.err
        body = result.json()
        assert body["composable"] is True
        assert body["resources"] == {"VCPU": 16, "MEMORY_MB": 65536}
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.8"
        with database.transaction(readonly=True) as session:
            flavor = session.scalars(
                sa.select(models.Flavor).where(models.Flavor.name == "composed")
            ).one()
            assert flavor.composable is True

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

    @pytest.mark.usefixtures("secret")
    def test_rename_and_project_together(self, mogan):
        """--project shares the flavor found before the rename, not a new lookup."""
        result = mogan("flavor", "set", "secret", "--name", "hidden", "--project", "p3")
        assert result.code == 0, result.err
        assert mogan("flavor", "access", "list", "hidden", "-f", "value").out == "p3\n"

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
