"""Callers without a project (issue 9, section 4): what they see and may create.

A noauth caller without ``X-Project-Id`` once listed every project's servers
and created servers owned by project ``""``; in Keystone mode any domain- or
system-scoped token did the same. The persona table (``test_policy.py``)
states the status of every route for these callers; the tests here check
*what* comes back: system readers and admins see every project, nobody else
without a project sees anything, and no row is ever written without a
project, even when an operator's policy lets such a caller through.
"""

from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from mogan import context as mogan_context
from mogan import exception, policy
from mogan.api import app as api_app
from mogan.db import models
from tests.conftest import (
    ADMIN,
    DOMAIN,
    MEMBER,
    NO_PROJECT,
    OTHER,
    READER,
    SYSTEM_ADMIN,
    SYSTEM_READER,
    Persona,
)
from tests.factories import make_flavor


def create_server(client: httpx.Client, persona: Persona, world: dict[str, str]):
    """``POST /v1/servers`` as ``persona`` with the world's flavor, image, network."""
    return client.post(
        "/v1/servers",
        json={
            "server": {
                "name": f"{persona.user_id}-server",
                "flavor_uuid": world["flavor"],
                "image_uuid": world["image"],
                "networks": [{"net_id": world["network"]}],
            }
        },
        headers=persona.headers,
    )


def create_group(client: httpx.Client, persona: Persona) -> httpx.Response:
    """``POST /v1/server_groups`` as ``persona``."""
    return client.post(
        "/v1/server_groups",
        json={"name": f"{persona.user_id}-group", "policies": ["anti-affinity"]},
        headers=persona.headers,
    )


def rows(database, model) -> list:
    """Every row of ``model``."""
    with database.transaction(readonly=True) as session:
        return list(session.scalars(sa.select(model)))


@pytest.fixture
def world(client) -> dict[str, str]:
    """A public flavor and image, a shared network, and a private flavor."""
    flavor = make_flavor(client, name="bm.public")
    private = make_flavor(client, name="bm.private", is_public=False)
    image = client.post(
        "/v1/images",
        json={"name": "pub", "url": "http://images.test/p.raw", "disk_format": "raw"},
        headers=ADMIN.headers,
    )
    network = client.post(
        "/v1/networks",
        json={"name": "shared", "cidr": "10.7.0.0/24"},
        headers=ADMIN.headers,
    )
    assert image.status_code == network.status_code == 201
    return {
        "flavor": flavor["uuid"],
        "private_flavor": private["uuid"],
        "image": image.json()["uuid"],
        "network": network.json()["uuid"],
    }


@pytest.fixture
def two_projects(client, world) -> dict[str, str]:
    """A server and a server group in project-a and in project-b."""
    made = {}
    for key, persona in (("a", MEMBER), ("b", OTHER)):
        server = create_server(client, persona, world)
        group = create_group(client, persona)
        assert server.status_code == group.status_code == 201, server.text
        made[f"server_{key}"] = server.json()["uuid"]
        made[f"group_{key}"] = group.json()["uuid"]
    return made


def server_uuids(client: httpx.Client, persona: Persona, query: str = "") -> set[str]:
    """The uuids ``GET /v1/servers/detail`` lists for ``persona``."""
    resp = client.get(f"/v1/servers/detail{query}", headers=persona.headers)
    assert resp.status_code == 200, resp.text
    return {s["uuid"] for s in resp.json()["servers"]}


class TestNoProject:
    """The issue's caller: roles, but no project."""

    @pytest.mark.usefixtures("two_projects")
    @pytest.mark.parametrize("query", ["", "?all_tenants=1"])
    def test_cannot_list_every_projects_servers(self, client, query):
        """``GET /v1/servers/detail`` without a project is refused, not "all"."""
        reader = Persona("rita", None, "reader")
        for persona in (reader, NO_PROJECT, DOMAIN):
            resp = client.get(f"/v1/servers/detail{query}", headers=persona.headers)
            assert resp.status_code == 403, resp.text
            assert "servers" not in resp.json()

    def test_cannot_create_servers_owned_by_no_project(self, client, world, database):
        """Creating a server without a project is refused and writes nothing."""
        for persona in (NO_PROJECT, DOMAIN, SYSTEM_ADMIN):
            resp = create_server(client, persona, world)
            assert resp.status_code == 403, resp.text
        assert rows(database, models.Server) == []

    def test_admin_role_without_a_scope_is_not_an_admin(self, client):
        """An admin role held on no scope (noauth without X-Project-Id) is no role."""
        admin_nowhere = Persona("eve", None, "admin")
        flavor = client.post(
            "/v1/flavors",
            json={"name": "x", "resources": {"CUSTOM_X": 1}},
            headers=admin_nowhere.headers,
        )
        nodes = client.get("/v1/nodes", headers=admin_nowhere.headers)
        assert flavor.status_code == nodes.status_code == 403
        assert "has no scope" in flavor.json()["error_message"]

    def test_domain_admin_is_not_a_cloud_admin(self, client):
        """A domain-scoped admin token reaches no route; the 403 says why."""
        resp = client.get("/v1/nodes", headers=DOMAIN.headers)
        assert resp.status_code == 403
        assert "this request is domain-scoped" in resp.json()["error_message"]


class TestSystemScope:
    """System readers read every project; system admins are cloud admins."""

    def test_system_personas_list_every_projects_servers(self, client, two_projects):
        """Without a project of their own, the system personas list them all."""
        both = {two_projects["server_a"], two_projects["server_b"]}
        assert server_uuids(client, SYSTEM_READER) == both
        assert server_uuids(client, SYSTEM_ADMIN) == both
        assert server_uuids(client, SYSTEM_READER, "?all_tenants=1") == both

    def test_system_reader_sees_the_admin_view(self, client, two_projects):
        """The system reader reads what a cloud admin reads (node, metadata ...)."""
        url = f"/v1/servers/{two_projects['server_b']}"
        shown = client.get(url, headers=SYSTEM_READER.headers).json()
        member_view = client.get(url, headers=OTHER.headers).json()
        assert "system_metadata" in shown
        assert "system_metadata" not in member_view

    def test_system_reader_lists_every_projects_groups(self, client, two_projects):
        """``GET /v1/server_groups`` for a system reader holds both projects'."""
        resp = client.get("/v1/server_groups", headers=SYSTEM_READER.headers)
        listed = {g["uuid"] for g in resp.json()["server_groups"]}
        assert listed == {two_projects["group_a"], two_projects["group_b"]}

    def test_system_reader_sees_private_flavors(self, client, world):
        """Read-only across projects: private flavors too, as an admin does."""
        resp = client.get("/v1/flavors", headers=SYSTEM_READER.headers)
        names = {f["uuid"] for f in resp.json()["flavors"]}
        assert world["private_flavor"] in names
        member = client.get("/v1/flavors", headers=MEMBER.headers).json()
        assert world["private_flavor"] not in {f["uuid"] for f in member["flavors"]}

    def test_system_admin_create_says_a_project_is_needed(self, client, world):
        """A server needs an owner: the 403 names the scope the rule needs."""
        resp = create_server(client, SYSTEM_ADMIN, world)
        assert resp.status_code == 403
        message = resp.json()["error_message"]
        assert "needs a project-scoped token" in message
        assert "this request is system-scoped" in message

    def test_system_admin_adopts_into_a_named_project(self, client):
        """Adopting with ``project_id`` passes the project check (no engine: 409)."""
        body = {"name": "adopted", "node_uuid": "some-node", "project_id": "project-a"}
        resp = client.post(
            "/v1/manageable_servers", json=body, headers=SYSTEM_ADMIN.headers
        )
        assert resp.status_code == 409, resp.text
        without = client.post(
            "/v1/manageable_servers",
            json={"name": "adopted", "node_uuid": "some-node"},
            headers=SYSTEM_ADMIN.headers,
        )
        assert without.status_code == 400
        assert without.json()["code"] == "mogan.invalid_parameter"
        assert "project_id" in without.json()["error_message"]

    def test_system_scope_header_wins_over_a_project(self, client, two_projects):
        """noauth: ``OpenStack-System-Scope: all`` makes the caller system-scoped."""
        both = {two_projects["server_a"], two_projects["server_b"]}
        headers = {**SYSTEM_READER.headers, "X-Project-Id": "project-a"}
        resp = client.get("/v1/servers/detail", headers=headers)
        assert {s["uuid"] for s in resp.json()["servers"]} == both


class TestProjectPersonasUnchanged:
    """Project-scoped callers keep today's behaviour."""

    def test_project_admin_lists_own_project_unless_all_tenants(
        self, client, two_projects
    ):
        """A project admin is a cloud admin, listing its own project by default."""
        admin_a = Persona("ada", "project-a", "admin")
        assert server_uuids(client, admin_a) == {two_projects["server_a"]}
        both = {two_projects["server_a"], two_projects["server_b"]}
        assert server_uuids(client, admin_a, "?all_tenants=1") == both

    def test_project_reader_all_tenants_is_ignored(self, client, two_projects):
        """``all_tenants`` from a project reader still lists only its project."""
        assert server_uuids(client, READER, "?all_tenants=1") == {
            two_projects["server_a"]
        }


@pytest.fixture
def open_client(tmp_path, conf, database) -> Iterator[httpx.Client]:
    """A client of an app whose policy lets anyone create and list anything.

    An operator may loosen the rules; the services must still refuse to
    write a row without a project or to read "every project" for a caller
    who may not.
    """
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "".join(
            f'"{rule}": "@"\n'
            for rule in (
                "mogan:server:create",
                "mogan:server:get_all",
                "mogan:server_group:create",
                "mogan:server_group:get_all",
                "mogan:server_group:get",
                "mogan:keypair:create",
            )
        )
    )
    conf.set_override("policy_file", str(policy_file), "oslo_policy")
    app = api_app.create_app(conf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as c:
        yield c


class TestDataPathsWithoutAProject:
    """The services refuse what policy was loosened to let through."""

    def test_nothing_is_created_without_a_project(self, open_client, database):
        """Server, server group and keypair creation: 403, and no row."""
        flavor = make_flavor(open_client)
        image = open_client.post(
            "/v1/images",
            json={"name": "i", "url": "http://images.test/i.raw", "disk_format": "raw"},
            headers=ADMIN.headers,
        ).json()
        network = open_client.post(
            "/v1/networks",
            json={"name": "n", "cidr": "10.6.0.0/24"},
            headers=ADMIN.headers,
        ).json()
        world = {"flavor": flavor["uuid"], "image": image["uuid"]}
        world["network"] = network["uuid"]
        server = create_server(open_client, NO_PROJECT, world)
        group = create_group(open_client, NO_PROJECT)
        keypair = open_client.post(
            "/v1/keypairs", json={"name": "k"}, headers=NO_PROJECT.headers
        )
        for resp in (server, group, keypair):
            assert resp.status_code == 403, resp.text
            assert resp.json()["code"] == "mogan.project_scope_required"
        assert rows(database, models.Server) == []
        assert rows(database, models.ServerGroup) == []
        assert rows(database, models.KeyPair) == []

    def test_a_list_without_a_project_is_not_every_project(self, open_client):
        """Listing servers or groups with no project: 403, never all projects."""
        group = create_group(open_client, MEMBER)
        assert group.status_code == 201
        for url in (
            "/v1/servers",
            "/v1/server_groups",
            "/v1/server_groups?all_tenants=1",
        ):
            resp = open_client.get(url, headers=NO_PROJECT.headers)
            assert resp.status_code == 403, resp.text
            assert resp.json()["code"] == "mogan.project_scope_required"
        shown = open_client.get(
            f"/v1/server_groups/{group.json()['uuid']}", headers=NO_PROJECT.headers
        )
        assert shown.status_code == 403


class TestPolicyCredentials:
    """oslo.policy compares ``project_id:%(project_id)s`` as strings."""

    def test_no_project_never_matches_a_target_without_one(self, conf):
        """str(None) == str(None) made a caller without a project a member."""
        enforcer = policy.make_enforcer(conf)
        ctx = mogan_context.RequestContext(user_id="u", roles=["member", "reader"])
        for rule in ("project_member", "project_reader", "mogan:server:get"):
            assert not policy.check(enforcer, rule, ctx, {"project_id": None})
            assert not policy.check(enforcer, rule, ctx)

    def test_project_filter_refuses_instead_of_all(self):
        """A caller without a project who may not read all gets no "all"."""
        ctx = mogan_context.RequestContext(
            user_id="u", roles=["reader"], read_all=False
        )
        with pytest.raises(exception.ProjectScopeRequired):
            ctx.project_filter(all_projects=True)
        reader = mogan_context.RequestContext(system_scope="all", read_all=True)
        assert reader.project_filter() is None
