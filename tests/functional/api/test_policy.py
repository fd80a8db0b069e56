"""Every protected route by every persona, through the real app and real policy.

The persona table (``policy_table.EXPECTED``) states, for each route in
``router.ROUTES`` that is not public, the status each persona gets. A route
missing from it fails ``test_table_covers_every_route``, so a new endpoint
cannot ship without stating who may call it. Here the personas are the
identity headers keystonemiddleware would set (``tests.conftest.PERSONAS``,
``auth_strategy = noauth``); ``tests/keystone/test_policy_table.py`` drives
the same table with real Keystone tokens.

The requests act on resources made once per module (``policy_resources``;
the database file is put back after each test that may have written): a
public flavor, a private flavor shared with ``project-a`` (the project of
``member`` and ``reader``), a keypair of ``member``, a private image, an
unshared network and a server group of ``project-a``, an aggregate and a
node.
"""

import dataclasses
import shutil
from collections.abc import Iterator

import httpx
import pytest

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import ADMIN, MEMBER, OTHER, PERSONAS, READER, mark_nodes_loaded
from tests.factories import make_flavor
from tests.functional.api.policy_resources import (
    Snapshot,
    build_resources,
    make_keypair,
    ssh_public_key,
)
from tests.functional.api.policy_table import (
    EXPECTED,
    FORBIDDEN_CODES,
    LATEST,
    PERSONA_NAMES,
    fill,
    protected_routes,
)


@dataclasses.dataclass
class Table:
    """One noauth app for the module, and the resources the table acts on."""

    client: httpx.Client
    resources: dict[str, str]
    snapshot: Snapshot


@pytest.fixture(scope="module")
def table(
    sqlite_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Table]:
    """The app and the resources, made once; tests put the database back."""
    tmp = tmp_path_factory.mktemp("policy")
    live = tmp / "mogan.sqlite"
    shutil.copyfile(sqlite_template, live)
    database = db_session.Database.from_url(f"sqlite:///{live}")
    mark_nodes_loaded(database)
    conf = mogan_conf.make_conf(
        overrides={
            "DEFAULT": {"state_path": str(tmp), "transport_url": "fake://"},
            "api": {"auth_strategy": "noauth"},
        }
    )
    app = api_app.create_app(conf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        resources = build_resources(client, PERSONAS, database)
        yield Table(client, resources, Snapshot.take(database, live))
    database.dispose()


@pytest.fixture
def fresh(table: Table) -> Table:
    """The module's table, its database as built if the last test wrote."""
    table.snapshot.restore()
    return table


class TestPersonaTable:
    def test_table_covers_every_route(self):
        """Every protected route in ROUTES has persona expectations, and no more."""
        routes = protected_routes()
        missing = sorted(routes - EXPECTED.keys())
        stale = sorted(EXPECTED.keys() - routes)
        assert not missing, f"add these routes to EXPECTED in {__file__}: {missing}"
        assert not stale, f"these EXPECTED entries match no route: {stale}"

    def test_table_names_every_persona(self):
        """Each row gives a status for every persona in the conftest."""
        assert set(PERSONAS) == set(PERSONA_NAMES)
        for key, case in EXPECTED.items():
            assert set(case.expected) == set(PERSONAS), key

    @pytest.mark.parametrize("persona", PERSONA_NAMES)
    @pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda r: f"{r[0]} {r[1]}")
    def test_persona_gets_expected_status(self, fresh, route, persona):
        """The persona gets exactly the status the table states for the route."""
        method, _ = route
        case = EXPECTED[route]
        # NOTE: a read changes nothing; anything else may have, so the next
        # test starts from the database as built.
        fresh.snapshot.dirty = method != "GET"
        resp = fresh.client.request(
            method,
            fill(case.url, fresh.resources),
            json=fill(case.body, fresh.resources),
            headers={**PERSONAS[persona].headers, **LATEST},
        )
        assert resp.status_code == case.expected[persona], resp.text
        if resp.status_code == 403:
            # NOTE: a read that loads its target first refuses a caller
            # without a project before policy runs, with the precise code.
            assert resp.json()["code"] in FORBIDDEN_CODES


@pytest.fixture
def keys(client) -> None:
    """The member and another project's member each own one keypair."""
    make_keypair(client, MEMBER, "alice-key")
    make_keypair(client, OTHER, "bob-key")


@pytest.mark.usefixtures("keys")
class TestKeypairIsolation:
    """v1 bug 3: ``?user_id=`` let anyone act on anyone's keypairs."""

    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("GET", "/v1/keypairs?user_id=bob"),
            ("GET", "/v1/keypairs/bob-key?user_id=bob"),
            ("DELETE", "/v1/keypairs/bob-key?user_id=bob"),
            ("GET", "/keypairs/bob-key?user_id=bob"),
        ],
    )
    def test_member_cannot_reach_another_users_keys(self, client, method, url):
        """Naming another user with ?user_id= is refused with 403."""
        resp = client.request(method, url, headers=MEMBER.headers)
        assert resp.status_code == 403
        still_there = client.get(
            "/v1/keypairs/bob-key?user_id=bob", headers=OTHER.headers
        )
        assert still_there.status_code == 200

    def test_member_cannot_create_for_another_user(self, client):
        """A member cannot plant a keypair in another user's account."""
        resp = client.post(
            "/v1/keypairs",
            json={"name": "planted", "user_id": "bob", "public_key": ssh_public_key()},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 403
        names = client.get("/v1/keypairs", headers=OTHER.headers).json()["keypairs"]
        assert [k["name"] for k in names] == ["bob-key"]

    def test_same_project_reader_cannot_reach_members_keys(self, client):
        """Sharing a project does not share keypairs."""
        resp = client.get("/v1/keypairs?user_id=alice", headers=READER.headers)
        assert resp.status_code == 403

    def test_without_user_id_callers_see_only_their_own(self, client):
        """A listing without user_id holds only the caller's keys."""
        listed = client.get("/v1/keypairs", headers=MEMBER.headers).json()
        assert [k["name"] for k in listed["keypairs"]] == ["alice-key"]
        shown = client.get("/v1/keypairs/bob-key", headers=MEMBER.headers)
        assert shown.status_code == 404

    def test_naming_yourself_is_allowed(self, client):
        """A member may pass their own user_id."""
        resp = client.get("/v1/keypairs?user_id=alice", headers=MEMBER.headers)
        assert resp.status_code == 200
        assert [k["name"] for k in resp.json()["keypairs"]] == ["alice-key"]

    def test_admin_can_act_on_any_users_keys(self, client):
        """An admin lists, shows and deletes another user's keys with ?user_id=."""
        listed = client.get("/v1/keypairs?user_id=bob", headers=ADMIN.headers)
        assert [k["name"] for k in listed.json()["keypairs"]] == ["bob-key"]
        shown = client.get("/v1/keypairs/bob-key?user_id=bob", headers=ADMIN.headers)
        assert shown.status_code == 200
        assert shown.json()["user_id"] == "bob"
        deleted = client.delete(
            "/v1/keypairs/bob-key?user_id=bob", headers=ADMIN.headers
        )
        assert deleted.status_code == 204
        gone = client.get("/v1/keypairs/bob-key", headers=OTHER.headers)
        assert gone.status_code == 404


class TestPolicyFile:
    """Operators override defaults with ``[oslo_policy] policy_file``."""

    @pytest.fixture
    def client_with_policy(self, tmp_path, database):
        """A client for an app whose policy.yaml lets members create flavors."""
        policy_file = tmp_path / "policy.yaml"
        policy_file.write_text(
            '"mogan:flavor:create": "rule:context_is_admin or role:member"\n'
            '"mogan:availability_zone:get_all": "rule:context_is_admin"\n'
        )
        conf_file = tmp_path / "mogan.conf"
        conf_file.write_text(f"[oslo_policy]\npolicy_file = {policy_file}\n")
        conf = mogan_conf.make_conf(
            default_config_files=[str(conf_file)],
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {"auth_strategy": "noauth"},
            },
        )
        app = api_app.create_app(conf, database)
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
        ) as c:
            yield c

    def test_override_loosens_a_rule(self, client_with_policy):
        """The overridden rule lets a member create a flavor; a reader still cannot."""
        body = {"name": "by-member", "resources": {"CUSTOM_GOLD": 1}}
        member = client_with_policy.post(
            "/v1/flavors", json=body, headers=MEMBER.headers
        )
        assert member.status_code == 201, member.text
        reader = client_with_policy.post(
            "/v1/flavors", json={**body, "name": "r"}, headers=READER.headers
        )
        assert reader.status_code == 403

    def test_override_tightens_a_rule(self, client_with_policy):
        """The overridden rule refuses members what the default allows."""
        url = "/v1/availability_zones"
        assert client_with_policy.get(url, headers=MEMBER.headers).status_code == 403
        assert client_with_policy.get(url, headers=ADMIN.headers).status_code == 200

    def test_rules_not_overridden_keep_their_defaults(self, client_with_policy):
        """Rules absent from the file keep their in-code defaults."""
        flavor = make_flavor(client_with_policy)
        resp = client_with_policy.delete(
            f"/v1/flavors/{flavor['uuid']}", headers=MEMBER.headers
        )
        assert resp.status_code == 403
