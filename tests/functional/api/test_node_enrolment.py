"""Enrolling nodes into Mogan (microversion 1.6) through the API with a real engine.

The API, the engine service (answering ``enroll_node``, ``update_node`` and
``unenroll_node`` over the in-process bus), the scheduler, the embedded
Placement and the fake fleet run in this process against one database;
nothing is mocked. The fake driver's simulated BMCs answer at ``fake://``
addresses to any credentials.
"""

import logging
import uuid
from typing import Any

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.db.api import composition as composition_db
from mogan.drivers import base as driver_base
from mogan.engine import node_sync
from mogan.placement import client as placement_client
from mogan.placement import factory as placement_factory
from tests.conftest import ADMIN, MEMBER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import wait_for

globals().update(engine_support.FIXTURES)

URL = "/v1/nodes"
PASSWORD = "Pa55-never-shown-x9"
V16 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.6"}


def _body(world, **overrides: Any) -> dict[str, Any]:
    name = f"enr-{uuid.uuid4().hex[:10]}"
    body: dict[str, Any] = {
        "name": name,
        "driver": "fake",
        "driver_info": {
            "address": f"fake://{name}",
            "system_id": "/redfish/v1/Systems/1",
            "username": "root",
            "password": PASSWORD,
            "verify_ca": False,
        },
        "resource_class": world.resource_class,
        "traits": ["CUSTOM_ENROLLED"],
        "properties": {"cpus": 8, "memory_mb": 4096, "cpu_arch": "x86_64"},
    }
    return body | overrides


def _enrol(api, world, **overrides: Any) -> dict[str, Any]:
    resp = api.post(URL, json=_body(world, **overrides), headers=V16)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _patch(api, node: str, ops: list[dict[str, Any]]):
    return api.patch(f"{URL}/{node}", json=ops, headers=V16)


def _row(world, node_uuid: str) -> models.Node | None:
    with world.db.transaction(readonly=True) as session:
        return session.scalars(
            sa.select(models.Node).where(models.Node.uuid == node_uuid)
        ).one_or_none()


class TestEnrol:
    def test_enrolled_node_is_shown_synced_and_consumable(
        self, world, engine_factory, api, notes
    ):
        """201 with the node, in Mogan and Placement, taking a server.

        No notification about the server built on it carries the password.
        """
        engine_factory()
        body = _body(world)
        resp = api.post(URL, json=body, headers=V16)
        assert resp.status_code == 201, resp.text
        node = resp.json()
        assert resp.headers["Location"].endswith(f"/v1/nodes/{node['uuid']}")
        assert node["name"] == body["name"]
        assert node["driver"] == "fake"
        assert node["resource_class"] == world.resource_class
        assert node["traits"] == ["CUSTOM_ENROLLED"]
        assert node["consumable"] is True
        assert node["driver_info"] == {
            "address": body["driver_info"]["address"],
            "system_id": "/redfish/v1/Systems/1",
            "username": "root",
            "verify_ca": False,
        }
        provider = world.placement.get_provider(node["uuid"])
        assert provider is not None
        assert provider["name"] == body["name"]
        assert world.placement.get_traits(node["uuid"]) == ["CUSTOM_ENROLLED"]
        # NOTE: the fake's BMC hardware became the node's ports.
        assert world.driver.get_node(node["uuid"]).ports
        servers, _ = world.create(1)
        wait_for(
            lambda: (s := world.server(servers[0])) and s.status == states.ACTIVE,
            timeout=30,
        )
        assert world.server(servers[0]).node_uuid == node["uuid"]
        wait_for(lambda: notes.of(servers[0]), timeout=10)
        assert PASSWORD not in repr(notes.events)

    def test_password_never_answered_logged_or_stored_in_plaintext(
        self, world, engine_factory, api, caplog
    ):
        """No response, log record or database column holds the password."""
        caplog.set_level(logging.DEBUG)
        engine_factory()
        node = _enrol(api, world)
        shown = [
            api.get(f"{URL}/{node['uuid']}", headers=V16).text,
            api.get(URL, headers=V16).text,
            _patch(
                api,
                node["uuid"],
                [
                    {"op": "replace", "path": "/driver_info/username", "value": "u2"},
                    {"op": "add", "path": "/driver_info/password", "value": PASSWORD},
                ],
            ).text,
        ]
        assert all(PASSWORD not in text for text in shown)
        assert "u2" in shown[2]
        logged = [r.getMessage() for r in caplog.records]
        logged += [repr(r.args) for r in caplog.records]
        assert logged
        assert not [line for line in logged if PASSWORD in line]
        with world.db.engine.connect() as conn:
            for table in models.Base.metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    assert PASSWORD not in repr(tuple(row)), table.name

    def test_duplicate_name_is_a_409(self, world, engine_factory, api):
        """A second node with a taken name is refused; the first is untouched."""
        engine_factory()
        node = _enrol(api, world)
        resp = api.post(URL, json=_body(world, name=node["name"]), headers=V16)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.node.exists"

    def test_a_refusing_bmc_or_another_driver_is_a_400(
        self, world, engine_factory, api
    ):
        """An unreachable BMC or another driver than the engine's is a 400."""
        engine_factory()
        body = _body(world)
        body["driver_info"]["address"] = "https://bmc.example"
        resp = api.post(URL, json=body, headers=V16)
        assert resp.status_code == 400, resp.text
        assert "driver_info.address" in resp.json()["error_message"]
        resp = api.post(URL, json=_body(world, driver="ironic"), headers=V16)
        assert resp.status_code == 400, resp.text
        assert "'driver'" in resp.json()["error_message"]
        body = _body(world)
        body["driver_info"]["address"] = "fake://"
        resp = api.post(URL, json=body, headers=V16)
        assert resp.status_code == 400, resp.text
        assert "driver_info" in resp.json()["error_message"]

    def test_without_an_engine_is_a_409(self, world, api):
        """The API loads no driver: without an engine, enrolment is a clear 409."""
        resp = api.post(URL, json=_body(world), headers=V16)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.engine.unavailable"


class TestBounds:
    BAD: tuple[tuple[str, Any, str], ...] = (
        ("name", "x" * 256, "name"),
        ("resource_class", "no spaces", "resource_class"),
        ("traits", ["lower_case"], "traits.0"),
        ("traits", [f"CUSTOM_{i}" for i in range(129)], "traits"),
        ("properties", {f"k{i}": i for i in range(65)}, "properties"),
        ("properties", {"deep": {"a": 1}}, "properties.deep"),
        ("properties", {"big": 2**60}, "properties.big"),
        ("driver", "x" * 65, "driver"),
    )
    BAD_INFO: tuple[tuple[str, Any, str], ...] = (
        ("address", "not a url", "driver_info.address"),
        ("address", "fake://" + "x" * 1100, "driver_info.address"),
        # NOTE: credentials in the URL would be shown with the address.
        ("address", "https://admin:secret@bmc.example", "driver_info.address"),
        ("system_id", "Systems/1", "driver_info.system_id"),
        ("username", "", "driver_info.username"),
        ("password", "p" * 256, "driver_info.password"),
        ("verify_ca", "yes", "driver_info.verify_ca"),
    )

    def test_each_bound_is_a_400_naming_the_field(self, world, api):
        """Every field past its bound is refused, naming that field."""
        for field, value, named in self.BAD:
            resp = api.post(URL, json=_body(world, **{field: value}), headers=V16)
            assert resp.status_code == 400, (field, resp.text)
            assert f"'{named}'" in resp.json()["error_message"], (field, resp.text)
        for field, value, named in self.BAD_INFO:
            body = _body(world)
            body["driver_info"][field] = value
            resp = api.post(URL, json=body, headers=V16)
            assert resp.status_code == 400, (field, resp.text)
            assert f"'{named}'" in resp.json()["error_message"], (field, resp.text)
            assert PASSWORD not in resp.text

    def test_redfish_addresses_are_http_or_https(self, world, api, econf):
        """With the redfish driver configured, a non-http(s) address is refused."""
        econf.set_override("driver", "redfish", "engine")
        body = _body(world, driver="redfish")
        body["driver_info"]["address"] = "ftp://bmc.example"
        resp = api.post(URL, json=body, headers=V16)
        assert resp.status_code == 400, resp.text
        assert "'driver_info.address'" in resp.json()["error_message"]


class TestAccess:
    def test_members_are_refused(self, world, engine_factory, api):
        """Enrolling, changing and removing are for admins: a member gets 403."""
        engine_factory()
        node = _enrol(api, world)
        member = {**MEMBER.headers, "OpenStack-API-Version": "baremetal-compute 1.6"}
        for resp in (
            api.post(URL, json=_body(world), headers=member),
            api.patch(
                f"{URL}/{node['uuid']}",
                json=[{"op": "replace", "path": "/name", "value": "x"}],
                headers=member,
            ),
            api.delete(f"{URL}/{node['uuid']}", headers=member),
        ):
            assert resp.status_code == 403, resp.text

    def test_below_1_6_the_routes_do_not_exist(self, world, engine_factory, api):
        """Before microversion 1.6, POST, PATCH and DELETE are 404s."""
        engine_factory()
        node = _enrol(api, world)
        old = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.5"}
        for resp in (
            api.post(URL, json=_body(world), headers=old),
            api.patch(
                f"{URL}/{node['uuid']}",
                json=[{"op": "replace", "path": "/name", "value": "x"}],
                headers=old,
            ),
            api.delete(f"{URL}/{node['uuid']}", headers=old),
        ):
            assert resp.status_code == 404, resp.text
            assert resp.json()["code"] == "mogan.not_available_at_version"
        shown = api.get(f"{URL}/{node['uuid']}", headers=old).json()
        assert "driver_info" not in shown


class TestUpdate:
    def test_patched_traits_and_class_reach_placement(self, world, engine_factory, api):
        """Traits, name and properties change in Mogan and Placement at once."""
        engine_factory()
        node = _enrol(api, world)
        new_name = f"ren-{uuid.uuid4().hex[:8]}"
        resp = _patch(
            api,
            node["uuid"],
            [
                {"op": "replace", "path": "/traits", "value": ["CUSTOM_NEW_T"]},
                {"op": "replace", "path": "/name", "value": new_name},
                {"op": "add", "path": "/properties/cpus", "value": 16},
            ],
        )
        assert resp.status_code == 200, resp.text
        shown = resp.json()
        assert (shown["name"], shown["traits"]) == (new_name, ["CUSTOM_NEW_T"])
        assert world.placement.get_traits(node["uuid"]) == ["CUSTOM_NEW_T"]
        assert world.placement.get_provider(node["uuid"])["name"] == new_name
        row = _row(world, node["uuid"])
        assert row is not None
        assert row.properties["cpus"] == 16

    def test_patch_refusals(self, world, engine_factory, api):
        """A taken name is 409; an internal field, a bad trait or no password 400."""
        engine_factory()
        node, other = _enrol(api, world), _enrol(api, world)
        cases = [
            ([{"op": "replace", "path": "/name", "value": other["name"]}], 409),
            ([{"op": "replace", "path": "/power_state", "value": "x"}], 400),
            ([{"op": "replace", "path": "/traits", "value": ["bad"]}], 400),
            (
                [{"op": "replace", "path": "/driver_info/username", "value": "u"}],
                400,
            ),
        ]
        for ops, status in cases:
            resp = _patch(api, node["uuid"], ops)
            assert resp.status_code == status, (ops, resp.text)
        resp = _patch(
            api,
            node["uuid"],
            [{"op": "replace", "path": "/driver_info/username", "value": "u"}],
        )
        assert "driver_info.password" in resp.json()["error_message"]


class TestDelete:
    def test_node_with_a_server_is_a_409_then_free_is_204(
        self, world, engine_factory, api
    ):
        """A node carrying a server stays; once free it leaves Mogan and Placement."""
        engine_factory()
        node = _enrol(api, world)
        servers, _ = world.create(1)
        wait_for(
            lambda: (s := world.server(servers[0])) and s.status == states.ACTIVE,
            timeout=30,
        )
        resp = api.delete(f"{URL}/{node['uuid']}", headers=V16)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.node.in_use"
        assert world.driver.get_node(node["uuid"]).instance_uuid == servers[0]
        free = _enrol(api, world)
        resp = api.delete(f"{URL}/{free['uuid']}", headers=V16)
        assert resp.status_code == 204, resp.text
        assert _row(world, free["uuid"]) is None
        assert world.placement.get_provider(free["uuid"]) is None
        assert free["uuid"] not in [n.uuid for n in world.driver.list_nodes()]
        assert api.get(f"{URL}/{free['uuid']}", headers=V16).status_code == 404

    def test_a_composed_system_is_not_changed_or_removed_by_hand(
        self, world, engine_factory, api
    ):
        """The engine owns a composed server's node: PATCH and DELETE are 409."""
        engine_factory()
        node = _enrol(api, world)
        server = str(uuid.uuid4())
        with world.db.transaction() as session:
            composition_db.add_composed(
                session,
                {
                    "server_uuid": server,
                    "node_uuid": node["uuid"],
                    "service_uuid": str(uuid.uuid4()),
                    "zone": "zone-a",
                    "blocks": ["zone-a-compute-0"],
                },
            )
        for resp in (
            _patch(
                api,
                node["uuid"],
                [{"op": "add", "path": "/resource_class", "value": "gold"}],
            ),
            api.delete(f"{URL}/{node['uuid']}", headers=V16),
        ):
            assert resp.status_code == 409, resp.text
            assert resp.json()["code"] == "mogan.node.in_use"
            assert server in resp.json()["error_message"]
        assert _row(world, node["uuid"]) is not None
        assert node["uuid"] in [n.uuid for n in world.driver.list_nodes()]

    def test_a_claim_or_a_driver_refusal_keeps_the_node(
        self, world, engine_factory, api
    ):
        """A Placement claim, or a driver that refuses, is a 409; the node stays."""
        engine_factory()
        claimed = _enrol(api, world)
        consumer = str(uuid.uuid4())
        world.placement.claim(
            {consumer: {claimed["uuid"]: {world.placement_rc: 1}}}, "p", "u"
        )
        resp = api.delete(f"{URL}/{claimed['uuid']}", headers=V16)
        assert resp.status_code == 409, resp.text
        assert consumer in resp.json()["error_message"]
        assert claimed["uuid"] in [n.uuid for n in world.driver.list_nodes()]
        world.placement.release(consumer)

        # NOTE: deployed behind Mogan's back: only the driver knows.
        refused = _enrol(api, world)
        world.driver.start_deploy(
            refused["uuid"],
            driver_base.DeployRequest(
                server_uuid=str(uuid.uuid4()), image_url="http://images.test/i"
            ),
        )
        resp = api.delete(f"{URL}/{refused['uuid']}", headers=V16)
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.node.in_use"
        assert world.placement.get_provider(refused["uuid"]) is not None
        assert _row(world, refused["uuid"]) is not None


class OtherEnginesPlacement:
    """Another engine's Placement client; ``before_fleet`` runs at its first read."""

    def __init__(self, econf, before_fleet) -> None:
        """A client of its own on the embedded Placement."""
        self._client = placement_factory.get_client(econf)
        self._before_fleet = before_fleet

    def list_providers(self, *args: Any, **kwargs: Any) -> Any:
        """Run the hook once, then read."""
        hook, self._before_fleet = self._before_fleet, None
        if hook is not None:
            hook()
        return self._client.list_providers(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        """Everything else as the client has it."""
        return getattr(self._client, name)


class _Listed:
    """The fleet as listed once, before anything below happens."""

    def __init__(self, driver: Any) -> None:
        self._driver = driver
        self._nodes = driver.list_nodes()

    def list_nodes(self) -> Any:
        return self._nodes

    def __getattr__(self, name: str) -> Any:
        """Everything else as the driver has it."""
        return getattr(self._driver, name)


class TestDeleteRacesNodeSync:
    """A node's removal and another engine's periodic node sync."""

    def test_a_sync_while_the_driver_forgets_the_node_writes_no_provider(
        self, world, engine_factory, api, econf, monkeypatch
    ):
        """No provider, and so no claim, between the delete and the driver's."""
        engine_factory()
        node = _enrol(api, world)["uuid"]
        unenroll = world.driver.unenroll
        seen: dict[str, Any] = {}

        def unenroll_after_a_sync(node_uuid):
            # NOTE: another engine's node sync runs now: the driver still
            # lists the node, whose provider is deleted.
            other = placement_factory.get_client(econf)
            seen["sync"] = node_sync.sync(world.db, world.driver, other, "engine-b")
            seen["provider"] = other.get_provider(node_uuid)
            try:
                world.placement.claim(
                    {str(uuid.uuid4()): {node_uuid: {world.placement_rc: 1}}}, "p", "u"
                )
            except (placement_client.PlacementError, placement_client.ClaimConflict):
                seen["claim"] = "refused"
            else:
                seen["claim"] = "landed"
            unenroll(node_uuid)

        monkeypatch.setattr(world.driver, "unenroll", unenroll_after_a_sync)
        resp = api.delete(f"{URL}/{node}", headers=V16)

        assert resp.status_code == 204, resp.text
        assert seen["sync"].leaving == 1
        assert seen["provider"] is None
        assert seen["claim"] == "refused"
        assert world.placement.get_provider(node) is None
        assert _row(world, node) is None

    def test_a_sync_that_read_the_node_before_takes_back_its_provider(
        self, world, engine_factory, api, econf
    ):
        """A sync reading rows before the delete and Placement after it cleans up."""
        engine_factory()
        node = _enrol(api, world)["uuid"]

        def delete_the_node():
            resp = api.delete(f"{URL}/{node}", headers=V16)
            assert resp.status_code == 204, resp.text

        # NOTE: the other engine listed the nodes and read the rows, then
        # the node is removed whole, then it reads Placement and writes.
        other = OtherEnginesPlacement(econf, delete_the_node)
        node_sync.sync(world.db, _Listed(world.driver), other, "engine-b")

        assert world.placement.get_provider(node) is None
        assert _row(world, node) is None
        assert node not in [n.uuid for n in world.driver.list_nodes()]
