"""``scheduler_hints.group`` and ``availability_zone`` at server create.

No engine runs: each test stops at the rows and the schedule workflow the
API writes in the create transaction.
"""

import pytest
import sqlalchemy as sa

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER
from tests.factories import make_flavor
from tests.functional.api.support import (
    DETAILS,
    add_node,
    fault,
    make_aggregate,
    make_node,
)


@pytest.fixture
def refs(client) -> dict[str, str]:
    """A flavor, an image, a network and a group of project-a."""
    flavor = make_flavor(client, name="bm.s")
    image = client.post(
        "/v1/images",
        json={"name": "img", "url": "http://i.test/w.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    ).json()
    net = client.post(
        "/v1/networks", json={"name": "n", "cidr": "10.1.0.0/24"}, headers=ADMIN.headers
    ).json()
    group = client.post(
        "/v1/server_groups",
        json={"name": "g", "policies": ["anti-affinity"]},
        headers=MEMBER.headers,
    ).json()
    return {
        "flavor": flavor["uuid"],
        "image": image["uuid"],
        "net": net["uuid"],
        "group": group["uuid"],
    }


def create(client, refs, persona=MEMBER, hints=None, **server):
    """``POST /v1/servers`` with optional scheduler hints."""
    body = {
        "server": {
            "name": "s",
            "flavor_uuid": refs["flavor"],
            "image_uuid": refs["image"],
            "networks": [{"net_id": refs["net"]}],
            **server,
        }
    }
    if hints is not None:
        body["scheduler_hints"] = hints
    return client.post("/v1/servers", json=body, headers=persona.headers)


def schedule_args(database) -> list[dict]:
    """Args of every schedule workflow, oldest first."""
    with database.transaction(readonly=True) as session:
        return [
            dict(w.args)
            for w in session.scalars(
                sa.select(models.Workflow)
                .where(models.Workflow.kind == "schedule")
                .order_by(models.Workflow.id)
            )
        ]


def members(client, group: str, persona=MEMBER) -> list[str]:
    """The group's member server uuids."""
    resp = client.get(f"/v1/server_groups/{group}", headers=persona.headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["members"])


class TestGroupHint:
    def test_servers_join_the_group_and_the_workflow_names_it(
        self, client, refs, database
    ):
        """Every server of a multi-create is a member; the workflow has group_uuid."""
        resp = create(client, refs, hints={"group": refs["group"]}, min_count=2)
        assert resp.status_code == 201, resp.text
        args = schedule_args(database)[-1]
        assert args["group_uuid"] == refs["group"]
        assert members(client, refs["group"]) == args["server_uuids"]
        assert resp.json()["uuid"] in args["server_uuids"]
        domains = client.get(
            f"/v1/server_groups/{refs['group']}",
            headers={**MEMBER.headers, **DETAILS},
        ).json()["member_domains"]
        assert domains == dict.fromkeys(args["server_uuids"])

    def test_without_a_group_the_workflow_has_none(self, client, refs, database):
        """No hint: group_uuid is null and no membership is written."""
        assert create(client, refs).status_code == 201
        assert create(client, refs, hints={}).status_code == 201
        assert [a["group_uuid"] for a in schedule_args(database)] == [None, None]
        assert members(client, refs["group"]) == []

    @pytest.mark.parametrize(
        "group", ["00000000-0000-0000-0000-00000000000a", "not-a-uuid"]
    )
    def test_unknown_or_malformed_group_is_400(self, client, refs, group, database):
        """The hint must name an existing group; the field is named."""
        resp = create(client, refs, hints={"group": group})
        assert resp.status_code == 400
        assert "'scheduler_hints.group'" in fault(resp)
        assert schedule_args(database) == []

    def test_another_projects_group_is_400_for_members(self, client, refs, database):
        """A member cannot join another project's group; nothing is written."""
        resp = create(client, refs, persona=OTHER, hints={"group": refs["group"]})
        assert resp.status_code == 400
        assert "'scheduler_hints.group'" in fault(resp)
        assert refs["group"] in fault(resp)
        assert members(client, refs["group"]) == []
        with database.transaction(readonly=True) as session:
            assert session.scalar(sa.select(sa.func.count(models.Server.id))) == 0

    def test_admin_may_use_any_group(self, client, refs):
        """Admins may put their servers in any project's group."""
        resp = create(client, refs, persona=ADMIN, hints={"group": refs["group"]})
        assert resp.status_code == 201, resp.text
        assert members(client, refs["group"]) == [resp.json()["uuid"]]

    def test_unknown_hint_is_400(self, client, refs):
        """Hints Mogan does not know are refused, naming them."""
        resp = create(client, refs, hints={"same_host": "x"})
        assert resp.status_code == 400
        assert "'scheduler_hints.same_host'" in fault(resp)

    def test_a_failed_create_writes_no_membership(self, client, refs):
        """The membership rows share the servers' transaction."""
        resp = create(
            client,
            refs,
            hints={"group": refs["group"]},
            key_name="no-such-key",
        )
        assert resp.status_code == 404
        assert members(client, refs["group"]) == []


class TestAvailabilityZone:
    def test_zone_with_nodes_is_accepted(self, client, refs, database):
        """A zone of an aggregate with nodes can be asked for."""
        make_node(database, "n1")
        agg = make_aggregate(client, "a", availability_zone="az1")
        assert add_node(client, agg, "n1").status_code == 204
        resp = create(client, refs, availability_zone="az1")
        assert resp.status_code == 201, resp.text
        assert resp.json()["availability_zone"] == "az1"
        assert schedule_args(database)[-1]["availability_zone"] == "az1"

    def test_zone_without_nodes_is_unknown(self, client, refs):
        """An aggregate's zone with no nodes does not exist yet."""
        make_aggregate(client, "a", availability_zone="az-empty")
        resp = create(client, refs, availability_zone="az-empty")
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.availability_zone.not_found"
        assert "az-empty" in fault(resp)


class TestServerFailureDomains:
    def test_admins_see_failure_domains_at_1_2(self, client, refs, database):
        """failure_domains is an admin field from 1.2."""
        server = create(client, refs).json()
        with database.transaction() as session:
            session.execute(
                sa.update(models.Server)
                .where(models.Server.uuid == server["uuid"])
                .values(failure_domains={"affinity_zone": "r1"})
            )
        url = f"/v1/servers/{server['uuid']}"
        admin = client.get(url, headers={**ADMIN.headers, **DETAILS}).json()
        assert admin["failure_domains"] == {"affinity_zone": "r1"}
        assert "failure_domains" not in client.get(url, headers=ADMIN.headers).json()
        member = client.get(url, headers={**MEMBER.headers, **DETAILS}).json()
        assert "failure_domains" not in member
