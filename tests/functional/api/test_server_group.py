"""Server groups through the real app: create, visibility, rules at 1.2, delete."""

import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api.support import DETAILS, fault

V11 = {"OpenStack-API-Version": "baremetal-compute 1.1"}


def create(client, persona=MEMBER, headers=None, **body):
    """``POST /v1/server_groups`` as ``persona``."""
    body.setdefault("name", "g")
    body.setdefault("policies", ["anti-affinity"])
    return client.post(
        "/v1/server_groups",
        json=body,
        headers={**persona.headers, **(headers or {})},
    )


@pytest.fixture
def levels(conf: cfg.ConfigOpts) -> cfg.ConfigOpts:
    """Failure-domain levels room > rack, and power on its own."""
    conf.set_override("failure_domain_hierarchy", ["room", "rack"], "scheduler")
    conf.set_override("failure_domain_orthogonal", ["power"], "scheduler")
    return conf


class TestCreate:
    def test_member_creates_in_own_project(self, client):
        """201, Location, the caller's project and user, one policy, no members."""
        resp = create(client, name="web", policies=["affinity"])
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert resp.headers["Location"] == (
            f"http://mogan.test/v1/server_groups/{body['uuid']}"
        )
        assert body["name"] == "web"
        assert body["policies"] == ["affinity"]
        assert body["members"] == []
        assert (body["project_id"], body["user_id"]) == ("project-a", "alice")
        assert "rules" not in body
        assert "member_domains" not in body

    @pytest.mark.parametrize(
        "policy", ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]
    )
    def test_every_policy(self, client, policy):
        """The four policies are accepted at every version."""
        resp = create(client, policies=[policy])
        assert resp.status_code == 201
        assert resp.json()["policies"] == [policy]

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"policies": []}, "policies"),
            ({"policies": ["affinity", "anti-affinity"]}, "policies"),
            ({"policies": ["nope"]}, "policies.0"),
            ({"policies": "affinity"}, "policies"),
            ({"name": ""}, "name"),
            ({"name": "x" * 256}, "name"),
            ({"bogus": 1}, "bogus"),
        ],
    )
    def test_bad_bodies_are_400(self, client, body, field):
        """Empty, unknown or several policies and bad names are refused."""
        resp = create(client, **body)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    def test_rules_need_1_2(self, client):
        """The rules field needs microversion 1.2."""
        resp = create(client, headers=V11, rules={"scope": "affinity_zone"})
        assert resp.status_code == 400
        assert "'rules'" in fault(resp)
        assert "1.2" in fault(resp)


class TestRules:
    def test_defaults(self, client):
        """Scope affinity_zone; max_per_domain 1 for anti-affinity only."""
        anti = create(client, headers=DETAILS).json()
        assert anti["rules"] == {"scope": "affinity_zone", "max_per_domain": 1}
        assert anti["member_domains"] == {}
        aff = create(client, headers=DETAILS, policies=["soft-affinity"]).json()
        assert aff["rules"] == {"scope": "affinity_zone", "max_per_domain": None}

    @pytest.mark.usefixtures("levels")
    @pytest.mark.parametrize("scope", ["affinity_zone", "room", "rack", "power"])
    def test_configured_levels_are_scopes(self, client, scope):
        """Any configured level (or affinity_zone) is a scope."""
        resp = create(
            client,
            headers=DETAILS,
            policies=["soft-anti-affinity"],
            rules={"scope": scope, "max_per_domain": 3},
        )
        assert resp.status_code == 201, resp.text
        assert resp.json()["rules"] == {"scope": scope, "max_per_domain": 3}
        shown = client.get(
            f"/v1/server_groups/{resp.json()['uuid']}",
            headers={**MEMBER.headers, **DETAILS},
        )
        assert shown.json()["rules"] == {"scope": scope, "max_per_domain": 3}

    @pytest.mark.parametrize(
        ("policy", "rules", "field"),
        [
            ("anti-affinity", {"scope": "rack"}, "rules.scope"),
            ("anti-affinity", {"scope": ""}, "rules.scope"),
            ("anti-affinity", {"max_per_domain": 0}, "rules.max_per_domain"),
            ("anti-affinity", {"max_per_domain": "2"}, "rules.max_per_domain"),
            ("affinity", {"max_per_domain": 2}, "rules.max_per_domain"),
            ("anti-affinity", {"other": 1}, "rules.other"),
        ],
    )
    def test_bad_rules_are_400(self, client, policy, rules, field):
        """Unknown scopes, bad counts, max_per_domain on affinity are refused."""
        resp = create(client, headers=DETAILS, policies=[policy], rules=rules)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)

    def test_member_domains_follow_the_scope(self, client, database):
        """Each member's domain at the group's scope; null while unplaced."""
        group = create(client, headers=DETAILS).json()
        placed = "11111111-1111-1111-1111-111111111111"
        waiting = "22222222-2222-2222-2222-222222222222"
        with database.transaction() as session:
            row = session.scalars(
                sa.select(models.ServerGroup).where(
                    models.ServerGroup.uuid == group["uuid"]
                )
            ).one()
            for server_uuid, domains in (
                (placed, {"affinity_zone": "r1"}),
                (waiting, {}),
            ):
                session.add(
                    models.Server(
                        uuid=server_uuid,
                        name="s",
                        project_id="project-a",
                        user_id="alice",
                        status="active",
                        failure_domains=domains,
                        request_id=server_uuid,
                    )
                )
                session.add(
                    models.ServerGroupMember(group_id=row.id, server_uuid=server_uuid)
                )
        shown = client.get(
            f"/v1/server_groups/{group['uuid']}",
            headers={**MEMBER.headers, **DETAILS},
        ).json()
        assert shown["members"] == [placed, waiting]
        assert shown["member_domains"] == {placed: "r1", waiting: None}
        old = client.get(f"/v1/server_groups/{group['uuid']}", headers=MEMBER.headers)
        assert old.json()["members"] == [placed, waiting]
        assert "member_domains" not in old.json()


class TestVisibility:
    @pytest.fixture
    def groups(self, client) -> dict[str, str]:
        """One group of project-a and one of project-b: name -> uuid."""
        return {
            "a": create(client, MEMBER, name="a").json()["uuid"],
            "b": create(client, OTHER, name="b").json()["uuid"],
        }

    def test_list_is_per_project(self, client, groups):
        """Each project lists its own groups; admins all with all_tenants."""
        del groups

        def listed(persona, query=""):
            resp = client.get(f"/v1/server_groups{query}", headers=persona.headers)
            assert resp.status_code == 200
            return [g["name"] for g in resp.json()["server_groups"]]

        assert listed(MEMBER) == ["a"]
        assert listed(READER) == ["a"]
        assert listed(OTHER) == ["b"]
        assert listed(OTHER, "?all_tenants=true") == ["b"]
        assert listed(ADMIN) == []
        assert listed(ADMIN, "?all_tenants=true") == ["a", "b"]

    def test_other_projects_group_is_404(self, client, groups):
        """Another project's group does not exist for a member; admins see it."""
        url = f"/v1/server_groups/{groups['a']}"
        resp = client.get(url, headers=OTHER.headers)
        assert resp.status_code == 404
        assert fault(resp) == f"Server group {groups['a']} could not be found."
        assert client.delete(url, headers=OTHER.headers).status_code == 404
        assert client.get(url, headers=ADMIN.headers).status_code == 200

    def test_owner_deletes_reader_cannot(self, client, groups):
        """Members of the project delete its groups (v1 bug 2); readers cannot."""
        url = f"/v1/server_groups/{groups['a']}"
        assert client.delete(url, headers=READER.headers).status_code == 403
        assert client.delete(url, headers=MEMBER.headers).status_code == 204
        assert client.get(url, headers=MEMBER.headers).status_code == 404

    def test_delete_keeps_the_servers(self, client, groups, database):
        """Deleting a group drops membership rows, never servers."""
        server_uuid = "33333333-3333-3333-3333-333333333333"
        with database.transaction() as session:
            group = session.scalars(
                sa.select(models.ServerGroup).where(
                    models.ServerGroup.uuid == groups["a"]
                )
            ).one()
            session.add(
                models.Server(
                    uuid=server_uuid,
                    name="s",
                    project_id="project-a",
                    user_id="alice",
                    status="active",
                    request_id=server_uuid,
                )
            )
            session.add(
                models.ServerGroupMember(group_id=group.id, server_uuid=server_uuid)
            )
        resp = client.delete(f"/v1/server_groups/{groups['a']}", headers=ADMIN.headers)
        assert resp.status_code == 204
        with database.transaction(readonly=True) as session:
            assert session.scalar(sa.select(sa.func.count(models.Server.id))) == 1
            assert (
                session.scalar(sa.select(sa.func.count(models.ServerGroupMember.id)))
                == 0
            )
