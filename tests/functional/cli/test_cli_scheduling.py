"""``mogan node|aggregate|server group ...`` and ``server create --hint`` end to end.

The commands run over the real app (see conftest.py) with the embedded
Placement, which aggregate membership changes update. Nodes are rows the
engine's node sync would write; the tests write them directly, as the
engine would, since no engine runs here.
"""

import uuid
from typing import Any

import pytest
from oslo_config import cfg

from mogan.db.api import node as node_api
from mogan.placement import embedded
from tests.conftest import ADMIN, MEMBER, OTHER

DETAILS = "baremetal-compute 1.2"


@pytest.fixture(scope="session")
def placement_state(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the process's one embedded Placement keeps its database."""
    path = str(tmp_path_factory.mktemp("placement"))
    embedded.shared_app(path)
    return path


@pytest.fixture
def conf(conf: cfg.ConfigOpts, placement_state: str) -> cfg.ConfigOpts:
    """The test configuration on the embedded Placement."""
    del placement_state
    conf.set_override("embedded", True, "placement")
    return conf


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def done(result) -> None:
    """A command that prints nothing succeeded."""
    assert result.code == 0, result.err
    assert result.out == ""


def error_line(result) -> str:
    """The single line a failed command printed on stderr."""
    assert result.code == 1, result.out
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def add_node(database, name: str, resource_class: str = "CUSTOM_GOLD") -> str:
    """Write a consumable node row, as the engine's node sync would; its UUID."""
    node_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        node_api.create(
            session,
            {
                "uuid": node_uuid,
                "name": name,
                "driver": "fake",
                "resource_class": resource_class,
                "traits": ["CUSTOM_RAID"],
                "power_state": "power off",
                "maintenance": False,
                "consumable": True,
            },
        )
    return node_uuid


@pytest.fixture
def nodes(database) -> dict[str, str]:
    """Nodes n1, n2 (CUSTOM_GOLD) and n3 (CUSTOM_SILVER): name -> UUID."""
    return {
        "n1": add_node(database, "n1"),
        "n2": add_node(database, "n2"),
        "n3": add_node(database, "n3", "CUSTOM_SILVER"),
    }


@pytest.fixture
def az1(mogan) -> dict[str, Any]:
    """An aggregate named az1-agg placing its nodes in availability zone az1."""
    return dict(
        ok(
            mogan(
                "aggregate",
                "create",
                "az1-agg",
                "--property",
                "availability_zone=az1",
                "-f",
                "json",
            )
        )
    )


def node_names(result) -> list[str]:
    """The Name column of a ``node list -f json``."""
    return [row["Name"] for row in ok(result)]


class TestNode:
    def test_list_sends_1_2_and_shows_node_objects(self, mogan, nodes, recorder):
        """``node list`` asks for 1.2 and lists the nodes by name with their columns."""
        rows = ok(mogan("node", "list", "-f", "json"))
        assert [r["Name"] for r in rows] == ["n1", "n2", "n3"]
        assert rows[0]["UUID"] == nodes["n1"]
        assert set(rows[0]) == {
            "UUID",
            "Name",
            "Resource Class",
            "Availability Zone",
            "Power State",
            "Maintenance",
            "Consumable",
        }
        assert rows[2]["Resource Class"] == "CUSTOM_SILVER"
        assert rows[0]["Consumable"] is True
        assert recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"] == DETAILS

    @pytest.mark.usefixtures("nodes")
    def test_long_adds_traits_aggregates_and_domains(self, mogan, az1):
        """--long adds the scheduling columns; lists stay lists in JSON."""
        done(mogan("aggregate", "add", "node", "az1-agg", "n1"))
        rows = ok(mogan("node", "list", "--long", "-f", "json"))
        first = rows[0]
        assert first["Traits"] == ["CUSTOM_RAID"]
        assert first["Aggregates"] == [{"uuid": az1["uuid"], "name": "az1-agg"}]
        assert first["Availability Zone"] == "az1"
        assert {"Affinity Zone", "Failure Domains", "Allocated", "Why Not"} <= set(
            first
        )
        table = mogan("node", "list", "--long")
        assert table.code == 0, table.err
        # NOTE: tables show aggregates by name, not as Python reprs.
        assert "| az1-agg " in table.out
        assert "{'uuid'" not in table.out

    @pytest.mark.usefixtures("nodes", "az1")
    def test_filters_by_resource_class_and_zone(self, mogan):
        """--resource-class and --availability-zone narrow the list."""
        done(mogan("aggregate", "add", "node", "az1-agg", "n2"))
        silver = mogan(
            "node", "list", "--resource-class", "CUSTOM_SILVER", "-f", "json"
        )
        assert node_names(silver) == ["n3"]
        zoned = mogan("node", "list", "--availability-zone", "az1", "-f", "json")
        assert node_names(zoned) == ["n2"]

    def test_paging(self, mogan, nodes):
        """--limit and --marker page through the nodes by name."""
        first = mogan("node", "list", "--limit", "2", "-f", "json")
        assert node_names(first) == ["n1", "n2"]
        rest = mogan("node", "list", "--marker", nodes["n2"], "-f", "json")
        assert node_names(rest) == ["n3"]

    @pytest.mark.usefixtures("nodes")
    def test_list_with_an_older_version_is_refused(self, mogan, recorder):
        """An explicit version below 1.2 fails before anything is sent."""
        result = mogan("--os-compute-api-version", "1.1", "node", "list")
        assert "needs API version 1.2" in error_line(result)
        assert recorder.requests == []

    def test_show_by_name_and_uuid(self, mogan, nodes):
        """``node show`` takes a name or a UUID and shows the node object."""
        by_name = ok(mogan("node", "show", "n1", "-f", "json"))
        by_uuid = ok(mogan("node", "show", nodes["n1"], "-f", "json"))
        assert by_name["uuid"] == by_uuid["uuid"] == nodes["n1"]
        assert by_name["name"] == "n1"
        assert by_name["traits"] == ["CUSTOM_RAID"]
        assert by_name["aggregates"] == []
        assert by_name["availability_zone"] is None
        assert by_name["failure_domains"] == {}
        assert by_name["allocated"] is False
        assert by_name["why_not"] is None

    @pytest.mark.usefixtures("nodes")
    def test_show_unknown_node(self, mogan):
        """An unknown node is one clear line, exit 1."""
        result = mogan("node", "show", "nope")
        assert error_line(result) == "No node with a name or UUID of 'nope' exists."

    @pytest.mark.usefixtures("nodes")
    def test_members_may_not_list_nodes(self, mogan):
        """Nodes are admin only: a member gets the API's 403."""
        result = mogan("node", "list", persona=MEMBER)
        assert error_line(result).startswith("Error (HTTP 403")


class TestAggregate:
    def test_create_shows_metadata(self, az1):
        """``aggregate create`` sends --property as metadata and shows the aggregate."""
        assert set(az1) == {"uuid", "name", "metadata", "created_at", "updated_at"}
        assert az1["name"] == "az1-agg"
        assert az1["metadata"] == {"availability_zone": "az1"}

    def test_list_and_show_by_name(self, mogan, az1):
        """The list has UUID, Name and Properties; show finds by name."""
        rows = ok(mogan("aggregate", "list", "-f", "json"))
        assert rows == [
            {
                "UUID": az1["uuid"],
                "Name": "az1-agg",
                "Properties": {"availability_zone": "az1"},
            }
        ]
        table = mogan("aggregate", "list")
        assert "availability_zone='az1'" in table.out
        shown = ok(mogan("aggregate", "show", "az1-agg", "-f", "json"))
        assert shown["uuid"] == az1["uuid"]

    @pytest.mark.usefixtures("az1")
    def test_duplicate_name_is_409(self, mogan):
        """A second aggregate with the same name is the API's 409."""
        result = mogan("aggregate", "create", "az1-agg")
        assert error_line(result).startswith("Error (HTTP 409")

    def test_empty_zone_value_is_refused(self, mogan):
        """An empty availability_zone is the API's 400 naming the key."""
        result = mogan("aggregate", "create", "bad", "--property", "availability_zone=")
        line = error_line(result)
        assert line.startswith("Error (HTTP 400")
        assert "Aggregate bad does not support empty named availability_zone" in line

    def test_set_and_unset(self, mogan, az1):
        """``set`` renames and adds keys, ``unset`` removes keys, each in one patch."""
        ok_set = mogan(
            "aggregate",
            "set",
            "az1-agg",
            "--name",
            "zone-one",
            "--property",
            "rack=r1",
            "--property",
            "owner=ops",
        )
        assert ok_set.code == 0, ok_set.err
        shown = ok(mogan("aggregate", "show", az1["uuid"], "-f", "json"))
        assert shown["name"] == "zone-one"
        assert shown["metadata"] == {
            "availability_zone": "az1",
            "rack": "r1",
            "owner": "ops",
        }
        unset = mogan(
            "aggregate",
            "unset",
            "zone-one",
            "--property",
            "rack",
            "--property",
            "owner",
        )
        assert unset.code == 0, unset.err
        shown = ok(mogan("aggregate", "show", "zone-one", "-f", "json"))
        assert shown["metadata"] == {"availability_zone": "az1"}

    @pytest.mark.usefixtures("az1")
    def test_set_without_changes_is_refused(self, mogan, recorder):
        """``aggregate set`` with nothing to set fails before any request."""
        sent = len(recorder.requests)
        result = mogan("aggregate", "set", "az1-agg")
        assert error_line(result) == "nothing to set: give --name or --property"
        assert len(recorder.requests) == sent

    @pytest.mark.usefixtures("az1")
    def test_unknown_aggregate(self, mogan):
        """An unknown aggregate name is one clear line."""
        result = mogan("aggregate", "show", "nope")
        assert error_line(result) == (
            "No aggregate with a name or UUID of 'nope' exists."
        )

    def test_delete_several_reports_failures(self, mogan, az1):
        """Each aggregate is tried; an unknown one fails the command at the end."""
        ok(mogan("aggregate", "create", "other", "-f", "json"))
        result = mogan("aggregate", "delete", "az1-agg", "nope", az1["uuid"], "other")
        assert result.code == 1
        assert "Failed to delete aggregate nope:" in result.err
        assert "Failed to delete aggregate " + az1["uuid"] in result.err
        assert "2 of 4 aggregates failed to delete." in result.err
        assert ok(mogan("aggregate", "list", "-f", "json")) == []

    def test_members_may_not_manage_aggregates(self, mogan):
        """Aggregates are admin only."""
        result = mogan("aggregate", "create", "mine", persona=MEMBER)
        assert error_line(result).startswith("Error (HTTP 403")


class TestAggregateNodes:
    @pytest.mark.usefixtures("az1")
    def test_add_list_and_remove(self, mogan, nodes):
        """Nodes go in by name or UUID; the list is sorted names; zones follow."""
        for node in ("n2", nodes["n1"]):
            done(mogan("aggregate", "add", "node", "az1-agg", node))
        listed = ok(mogan("aggregate", "list", "nodes", "az1-agg", "-f", "json"))
        assert listed == [{"Node": "n1"}, {"Node": "n2"}]
        shown = ok(mogan("node", "show", "n1", "-f", "json"))
        assert shown["availability_zone"] == "az1"
        zones = ok(mogan("availability", "zone", "list", "-f", "json"))
        assert zones == [{"Zone Name": "az1"}]

        done(mogan("aggregate", "remove", "node", "az1-agg", "n1"))
        listed = ok(mogan("aggregate", "list", "nodes", "az1-agg", "-f", "json"))
        assert listed == [{"Node": "n2"}]
        assert (
            ok(mogan("node", "show", "n1", "-f", "json"))["availability_zone"] is None
        )

    @pytest.mark.usefixtures("nodes", "az1")
    def test_adding_twice_and_removing_a_non_member_are_no_ops(self, mogan):
        """Adding a member again and removing a non-member both succeed."""
        for _ in range(2):
            assert mogan("aggregate", "add", "node", "az1-agg", "n1").code == 0
        assert mogan("aggregate", "remove", "node", "az1-agg", "n3").code == 0
        listed = ok(mogan("aggregate", "list", "nodes", "az1-agg", "-f", "json"))
        assert listed == [{"Node": "n1"}]

    @pytest.mark.usefixtures("nodes", "az1")
    def test_unknown_node_is_404(self, mogan):
        """Adding or removing an unknown node is the API's 404 naming it."""
        for action in ("add", "remove"):
            result = mogan("aggregate", action, "node", "az1-agg", "nope")
            line = error_line(result)
            assert line.startswith("Error (HTTP 404")
            assert "Node nope could not be found." in line

    @pytest.mark.usefixtures("nodes", "az1")
    def test_a_node_is_in_one_availability_zone(self, mogan):
        """A node of az1 cannot join an az2 aggregate."""
        done(mogan("aggregate", "add", "node", "az1-agg", "n1"))
        ok(
            mogan(
                "aggregate",
                "create",
                "az2-agg",
                "--property",
                "availability_zone=az2",
                "-f",
                "json",
            )
        )
        result = mogan("aggregate", "add", "node", "az2-agg", "n1")
        line = error_line(result)
        assert line.startswith("Error (HTTP 400")
        assert "Node n1 is already in availability_zone(s)" in line


@pytest.fixture
def refs(mogan) -> None:
    """A flavor, an image and a network for ``server create``."""
    ok(
        mogan(
            "flavor", "create", "bm.gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
        )
    )
    ok(
        mogan(
            "image",
            "create",
            "ubuntu",
            "--url",
            "http://images.test/u.raw",
            "-f",
            "json",
        )
    )
    ok(mogan("network", "create", "demo-net", "--cidr", "10.0.0.0/24", "-f", "json"))


def group_create(mogan, name: str, *args: str, persona=ADMIN) -> Any:
    """``server group create`` as JSON."""
    return ok(
        mogan("server", "group", "create", name, *args, "-f", "json", persona=persona)
    )


class TestServerGroup:
    def test_create_shows_the_group_with_default_rules(self, mogan, recorder):
        """A group is created with 1.2 and shows its default rules."""
        group = group_create(mogan, "web-spread", "--policy", "anti-affinity")
        assert group["name"] == "web-spread"
        assert group["policies"] == ["anti-affinity"]
        assert group["rules"] == {"scope": "affinity_zone", "max_per_domain": 1}
        assert group["members"] == []
        assert group["member_domains"] == {}
        assert group["project_id"] == ADMIN.project_id
        assert recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"] == DETAILS

    def test_rules_are_sent(self, mogan):
        """--scope and --max-per-domain become the group's rules."""
        group = group_create(
            mogan,
            "spread",
            "--policy",
            "soft-anti-affinity",
            "--scope",
            "affinity_zone",
            "--max-per-domain",
            "2",
        )
        assert group["rules"] == {"scope": "affinity_zone", "max_per_domain": 2}

    def test_a_composed_scope_sends_1_8(self, mogan, recorder):
        """--scope chassis (a level of composed servers) is sent at 1.8."""
        group = group_create(
            mogan, "apart", "--policy", "anti-affinity", "--scope", "chassis"
        )
        assert group["rules"] == {"scope": "chassis", "max_per_domain": 1}
        assert recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"] == (
            "baremetal-compute 1.8"
        )

    def test_unknown_scope_is_the_apis_400(self, mogan):
        """A scope that is no failure-domain level is refused by the API."""
        result = mogan(
            "server", "group", "create", "g", "--policy", "affinity", "--scope", "moon"
        )
        assert error_line(result).startswith("Error (HTTP 400")

    def test_rules_with_an_older_version_are_refused(self, mogan, recorder):
        """--scope needs 1.2: an explicit 1.1 fails before anything is sent."""
        result = mogan(
            "--os-compute-api-version",
            "1.1",
            "server",
            "group",
            "create",
            "g",
            "--policy",
            "affinity",
            "--scope",
            "affinity_zone",
        )
        assert "needs API version 1.2" in error_line(result)
        assert recorder.requests == []

    def test_an_explicit_older_version_wins_for_plain_groups(self, mogan, recorder):
        """Without rules, --os-compute-api-version 1.1 is sent (no rules shown)."""
        result = mogan(
            "--os-compute-api-version",
            "1.1",
            "server",
            "group",
            "create",
            "g",
            "--policy",
            "affinity",
            "-f",
            "json",
        )
        group = ok(result)
        assert "rules" not in group
        assert "member_domains" not in group
        sent = recorder.requests[-1]["HTTP_OPENSTACK_API_VERSION"]
        assert sent == "baremetal-compute 1.1"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ([], "--policy"),
            (["--policy", "friendly"], "invalid choice"),
            (["--policy", "affinity", "--max-per-domain", "x"], "invalid int value"),
        ],
    )
    def test_bad_arguments_exit_2(self, mogan, args, message):
        """Malformed arguments are usage errors, caught before any request."""
        result = mogan("server", "group", "create", "g", *args)
        assert result.code == 2
        assert message in result.err

    def test_list_long_and_all_projects(self, mogan):
        """Members list their own groups; admins see all with --all-projects."""
        mine = group_create(mogan, "mine", "--policy", "affinity", persona=MEMBER)
        group_create(mogan, "theirs", "--policy", "affinity", persona=OTHER)
        rows = ok(mogan("server", "group", "list", "-f", "json", persona=MEMBER))
        assert rows == [
            {
                "UUID": mine["uuid"],
                "Name": "mine",
                "Policies": ["affinity"],
                "Members": [],
            }
        ]
        table = mogan("server", "group", "list", persona=MEMBER)
        assert "| affinity " in table.out
        assert "['affinity']" not in table.out
        long_rows = ok(
            mogan("server", "group", "list", "--long", "-f", "json", persona=MEMBER)
        )
        assert long_rows[0]["Project"] == MEMBER.project_id
        assert long_rows[0]["User"] == MEMBER.user_id
        # NOTE: max_per_domain applies to anti-affinity only.
        assert long_rows[0]["Rules"] == {
            "scope": "affinity_zone",
            "max_per_domain": None,
        }
        everyone = ok(mogan("server", "group", "list", "--all-projects", "-f", "json"))
        assert sorted(r["Name"] for r in everyone) == ["mine", "theirs"]

    def test_show_by_name_and_visibility(self, mogan):
        """``show`` finds the caller's groups by name; others' groups are not found."""
        theirs = group_create(mogan, "theirs", "--policy", "affinity", persona=OTHER)
        shown = ok(
            mogan("server", "group", "show", "theirs", "-f", "json", persona=OTHER)
        )
        assert shown["uuid"] == theirs["uuid"]
        for ref in ("theirs", theirs["uuid"]):
            result = mogan("server", "group", "show", ref, persona=MEMBER)
            assert error_line(result) == (
                f"No server group with a name or UUID of '{ref}' exists."
            )

    def test_owner_deletes_own_groups(self, mogan):
        """Owners delete their groups; an unknown one fails at the end."""
        group_create(mogan, "a", "--policy", "affinity", persona=MEMBER)
        group_create(mogan, "b", "--policy", "affinity", persona=MEMBER)
        result = mogan("server", "group", "delete", "a", "nope", "b", persona=MEMBER)
        assert result.code == 1
        assert "Failed to delete server group nope:" in result.err
        assert "1 of 3 server groups failed to delete." in result.err
        assert ok(mogan("server", "group", "list", "-f", "json", persona=MEMBER)) == []


@pytest.mark.usefixtures("refs")
class TestServerCreateHint:
    def create(self, mogan, *extra: str, persona=ADMIN):
        """``server create web`` with the fixture references."""
        return mogan(
            "server",
            "create",
            "web",
            "--flavor",
            "bm.gold",
            "--image",
            "ubuntu",
            "--network",
            "demo-net",
            *extra,
            persona=persona,
        )

    @pytest.mark.parametrize("by", ["name", "uuid"])
    def test_group_hint_joins_the_group(self, mogan, by):
        """--hint group=<name or uuid> sends the group's UUID; the server joins."""
        group = group_create(mogan, "spread", "--policy", "anti-affinity")
        ref = group["name"] if by == "name" else group["uuid"]
        server = ok(self.create(mogan, "--hint", f"group={ref}", "-f", "json"))
        shown = ok(mogan("server", "group", "show", "spread", "-f", "json"))
        assert shown["members"] == [server["uuid"]]
        assert shown["member_domains"] == {server["uuid"]: None}

    def test_unknown_group_fails_before_create(self, mogan, recorder):
        """An unknown group name is one line, and no server is created."""
        result = self.create(mogan, "--hint", "group=nope")
        assert error_line(result) == (
            "No server group with a name or UUID of 'nope' exists."
        )
        # NOTE: only the create is sent to /v1/servers (lists use /detail).
        assert "/v1/servers" not in [r["PATH_INFO"] for r in recorder.requests]
        assert ok(mogan("server", "list", "-f", "json")) == []

    def test_another_projects_group_is_not_found(self, mogan):
        """A member cannot name another project's group."""
        theirs = group_create(mogan, "theirs", "--policy", "affinity", persona=OTHER)
        result = self.create(mogan, "--hint", f"group={theirs['uuid']}", persona=MEMBER)
        assert error_line(result) == (
            f"No server group with a name or UUID of '{theirs['uuid']}' exists."
        )
