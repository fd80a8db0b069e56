"""Manageable servers (v1 section 1.13) through the API with a real engine.

The API, the engine service (answering the synchronous calls over the
in-process bus and running the ``adopt`` workflow), the scheduler, the
embedded Placement and the fake fleet run in this process against one
database; nothing is mocked. Adoptable nodes are fake nodes enrolled as
deployed outside Mogan. An adoption answers ``adopting`` at once; the
usual refusals (unknown or unmanageable node, networks) are immediate.
"""

import json
import uuid

import sqlalchemy as sa

from mogan import states
from mogan.db import models
from mogan.drivers import base as driver_base
from mogan.drivers import fake
from tests.conftest import ADMIN, MEMBER, OTHER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import (
    RequiredOnly,
    adopt,
    adopted,
    deployed_node,
    settled,
    show,
    wait_for,
)

globals().update(engine_support.FIXTURES)

URL = "/v1/manageable_servers"


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def _network(api, project: str | None = None, cidr: str = "10.30.0.0/24") -> str:
    body = {"name": f"net-{uuid.uuid4().hex[:6]}", "cidr": cidr}
    if project is not None:
        body |= {"shared": False, "project_id": project}
    resp = api.post("/v1/networks", json=body, headers=ADMIN.headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def _has_row(world, node_uuid: str) -> bool:
    with world.db.transaction() as session:
        stmt = sa.select(models.Node.id).where(models.Node.uuid == node_uuid)
        return session.scalar(stmt) is not None


class TestList:
    def test_lists_deployed_nodes_without_instance_only(
        self, world, engine_factory, api
    ):
        """Available, maintenance and adopted nodes are not listed; deployed are."""
        world.enroll(1)
        # NOTE: Placement outlives the test: provider names must be unique.
        node = deployed_node(world, ports=2, name=f"zz-{world.resource_class}")
        other = deployed_node(world, ports=1, name=f"aa-{world.resource_class}")
        hidden = deployed_node(world, ports=1)
        world.driver.set_maintenance(hidden["uuid"], True, "broken disk")
        engine_factory()
        resp = api.get(URL, headers=ADMIN.headers)
        assert resp.status_code == 200, resp.text
        listed = resp.json()["manageable_servers"]
        assert [n["name"] for n in listed] == [other["name"], node["name"]]
        assert listed[1] == {
            "uuid": node["uuid"],
            "name": node["name"],
            "resource_class": world.resource_class,
            "power_state": states.POWER_ON,
            "provision_state": "active",
            "ports": [{"address": mac} for mac in node["ports"]],
            "image_source": None,
        }
        assert adopted(api, other["uuid"])["status"] == states.ACTIVE
        again = api.get(URL, headers=ADMIN.headers).json()["manageable_servers"]
        assert [n["uuid"] for n in again] == [node["uuid"]]

    def test_listing_and_adopting_need_an_engine(self, world, api):
        """The API loads no driver: without an engine, both are a clear 409."""
        node = deployed_node(world)
        for resp in (api.get(URL, headers=ADMIN.headers), adopt(api, node["uuid"])):
            assert resp.status_code == 409, resp.text
            assert resp.json()["code"] == "mogan.engine.unavailable"
            assert "no mogan-engine is running" in _fault(resp)
        assert world.driver.get_node(node["uuid"]).instance_uuid is None

    def test_members_may_not_list(self, engine_factory, api):
        """Adoption is for admins: a project member is refused."""
        engine_factory()
        resp = api.get(URL, headers=MEMBER.headers)
        assert resp.status_code == 403
        assert resp.json()["code"] == "mogan.forbidden"


class TestAdopt:
    def test_adopted_node_is_an_active_server_with_addresses(
        self, world, engine_factory, api, notes
    ):
        """Adopting, then active: claimed, recorded, addressed, announced."""
        node = deployed_node(world, ports=2)
        net = _network(api)
        engine_factory()
        resp = adopt(
            api,
            node["uuid"],
            name="legacy-db",
            description="deployed by hand",
            metadata={"team": "db"},
            networks=[{"net_id": net}],
        )
        assert resp.status_code == 201, resp.text
        server_uuid = resp.json()["uuid"]
        assert resp.headers["Location"].endswith(f"/v1/servers/{server_uuid}")
        assert resp.json()["status"] == states.ADOPTING
        assert resp.json()["node"] == node["name"]
        server = settled(api, server_uuid)
        assert server["status"] == states.ACTIVE
        assert server["power_state"] == states.POWER_ON
        assert server["name"] == "legacy-db"
        assert server["description"] == "deployed by hand"
        assert server["metadata"] == {"team": "db"}
        assert server["flavor_uuid"] is None
        assert server["image_uuid"] is None
        assert server["project_id"] == ADMIN.project_id
        assert server["user_id"] == ADMIN.user_id
        assert server["node"] == node["name"]
        assert server["system_metadata"] == {"managed_server": "True"}
        assert server["launched_at"] is not None
        [address] = server["addresses"][net]
        assert address["type"] == "fixed"
        assert address["addr"].startswith("10.30.0.")
        assert show(api, server_uuid).json() == server
        # The node is the server's everywhere: driver, Placement, Mogan's view.
        assert world.driver.get_node(node["uuid"]).instance_uuid == server_uuid
        assert world.allocations(server_uuid) == {node["uuid"]: {world.placement_rc: 1}}
        row = world.node(node["uuid"])
        assert (row.allocated, row.consumer_uuid) == (True, server_uuid)
        assert row.server_uuid == server_uuid
        with world.db.transaction() as session:
            [nic] = session.scalars(
                sa.select(models.ServerNic).where(
                    models.ServerNic.server_uuid == server_uuid
                )
            ).all()
        assert nic.mac_address == node["ports"][0]
        wait_for(lambda: "server.manage.end" in notes.types(server_uuid))
        assert notes.types(server_uuid) == ["server.manage.start", "server.manage.end"]
        start, end = notes.of(server_uuid)
        assert start["payload"]["mogan_object.data"]["status"] == states.ADOPTING
        data = end["payload"]["mogan_object.data"]
        assert (data["status"], data["node"]) == (states.ACTIVE, node["name"])
        assert (
            data["addresses"][0]["mogan_object.data"]["mac_address"] == nic.mac_address
        )

    def test_adopt_into_a_project_by_node_name(self, world, engine_factory, api):
        """An admin adopts for project-a; its members then own the server."""
        node = deployed_node(world, name=f"rack1-u12-{world.resource_class}")
        net = _network(api, project=MEMBER.project_id)
        engine_factory()
        server = adopted(
            api,
            node["name"],
            project_id=MEMBER.project_id,
            networks=[{"net_id": net}],
        )
        server_uuid = server["uuid"]
        assert server["status"] == states.ACTIVE
        assert server["project_id"] == MEMBER.project_id
        mine = api.get("/v1/servers", headers=MEMBER.headers).json()["servers"]
        assert [s["uuid"] for s in mine] == [server_uuid]
        assert "node" not in mine[0]
        assert world.driver.get_node(node["uuid"]).instance_uuid == server_uuid
        elsewhere = api.get(f"/v1/servers/{server_uuid}", headers=OTHER.headers)
        assert elsewhere.status_code == 404

    def test_powered_off_node_becomes_a_stopped_server(
        self, world, engine_factory, api
    ):
        """The status follows the node's power state."""
        node = deployed_node(world)
        world.driver.set_power_out_of_band(node["uuid"], states.POWER_OFF)
        engine_factory()
        server = adopted(api, node["uuid"])
        assert server["status"] == states.STOPPED
        assert server["power_state"] == states.POWER_OFF

    def test_node_enrolled_since_the_last_sync_is_synced_on_adoption(
        self, world, engine_factory, api
    ):
        """A node the periodic sync has not seen yet is adopted all the same."""
        # NOTE: the engine syncs once as it starts; enroll after that sync.
        [early] = world.enroll(1)
        with world.db.transaction() as session:
            session.execute(sa.delete(models.Node).where(models.Node.uuid == early))
        engine_factory()
        wait_for(lambda: _has_row(world, early))
        node = deployed_node(world, sync=False)
        assert not _has_row(world, node["uuid"])
        server = adopted(api, node["uuid"])
        assert server["status"] == states.ACTIVE
        assert world.allocations(server["uuid"]) == {
            node["uuid"]: {world.placement_rc: 1}
        }

    def test_adopted_server_is_deleted_like_any_other(self, world, engine_factory, api):
        """Delete tears the node down, frees ports and claim, and the node returns."""
        node = deployed_node(world, ports=1)
        net = _network(api)
        engine_factory()
        server_uuid = adopted(api, node["uuid"], networks=[{"net_id": net}])["uuid"]
        resp = api.delete(f"/v1/servers/{server_uuid}", headers=ADMIN.headers)
        assert resp.status_code == 204
        wait_for(lambda: show(api, server_uuid).status_code == 404)
        assert world.allocations(server_uuid) == {}
        assert world.ports(server_uuid) == 0
        spec = world.driver.get_node(node["uuid"])
        assert world.driver.provision_state(node["uuid"]) == fake.AVAILABLE
        assert spec.instance_uuid is None
        row = world.node(node["uuid"])
        assert (row.consumable, row.allocated, row.server_uuid) == (True, False, None)
        # The freed node now serves ordinary creates.
        created = api.post(
            "/v1/servers",
            json={
                "server": {
                    "name": "next",
                    "flavor_uuid": world.flavor_uuid,
                    "image_uuid": world.image_uuid,
                    "networks": [{"net_id": world.network_uuid}],
                }
            },
            headers=ADMIN.headers,
        )
        assert created.status_code == 201, created.text
        wait_for(
            lambda: show(api, created.json()["uuid"]).json()["status"] == states.ACTIVE
        )
        assert (
            world.driver.get_node(node["uuid"]).instance_uuid
            == (created.json()["uuid"])
        )


class TestRefused:
    def test_unknown_node_is_not_found(self, engine_factory, api):
        """A node the driver does not know is a 404 naming it."""
        engine_factory()
        missing = str(uuid.uuid4())
        resp = adopt(api, missing)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.node.not_found"
        assert missing in _fault(resp)

    def test_available_node_is_not_manageable(self, world, engine_factory, api):
        """A free node is scheduled by creating a server, not adopted: 409."""
        [node] = world.enroll(1)
        engine_factory()
        resp = adopt(api, node)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.node.not_manageable"
        assert "available, not deployed" in _fault(resp)
        assert world.driver.get_node(node).instance_uuid is None

    def test_node_in_maintenance_is_not_manageable(self, world, engine_factory, api):
        """A node in maintenance is refused with the reason."""
        node = deployed_node(world)
        world.driver.set_maintenance(node["uuid"], True)
        engine_factory()
        resp = adopt(api, node["uuid"])
        assert resp.status_code == 409
        assert "in maintenance" in _fault(resp)

    def test_a_node_is_adopted_once(self, world, engine_factory, api):
        """Adopting an adopted node again is a 409 naming its instance."""
        node = deployed_node(world)
        engine_factory()
        first = adopt(api, node["uuid"], name="first")
        assert first.status_code == 201, first.text
        # NOTE: refused while the first is adopting (Mogan's row) and after
        # (the driver records the instance).
        again = adopt(api, node["uuid"], name="second")
        assert again.status_code == 409
        assert first.json()["uuid"] in _fault(again)
        assert settled(api, first.json()["uuid"])["status"] == states.ACTIVE
        again = adopt(api, node["uuid"], name="second")
        assert again.status_code == 409
        assert first.json()["uuid"] in _fault(again)
        servers = api.get("/v1/servers?all_tenants=true", headers=ADMIN.headers).json()[
            "servers"
        ]
        assert [s["name"] for s in servers] == ["first"]

    def test_node_claimed_in_placement_is_refused_and_left_alone(
        self, world, engine_factory, api, placement_client_
    ):
        """A Placement claim by someone else: error naming it, node untouched."""
        node = deployed_node(world, ports=1)
        net = _network(api)
        rc = world.placement_rc
        provider = placement_client_.get_provider(node["uuid"])
        inventory = placement_client_.get_inventory(node["uuid"])[rc]
        placement_client_.set_inventory(
            node["uuid"], provider["generation"], {rc: {**inventory, "reserved": 0}}
        )
        intruder = str(uuid.uuid4())
        placement_client_.claim({intruder: {node["uuid"]: {rc: 1}}}, "p", "u")
        engine_factory()
        resp = adopt(api, node["uuid"], networks=[{"net_id": net}])
        assert resp.status_code == 201, resp.text
        server = settled(api, resp.json()["uuid"])
        assert server["status"] == states.ERROR
        assert intruder in server["fault"]["message"]
        assert "node" not in server or server["node"] is None
        assert world.driver.get_node(node["uuid"]).instance_uuid is None
        assert placement_client_.provider_allocations(node["uuid"]) == {
            intruder: {rc: 1}
        }
        assert world.node(node["uuid"]).server_uuid is None
        with world.db.transaction() as session:
            assert session.scalar(sa.select(sa.func.count(models.Port.id))) == 0

    def test_network_of_another_project_is_refused(self, world, engine_factory, api):
        """The networks must be the server's project's (or shared): 400."""
        node = deployed_node(world)
        net = _network(api, project=OTHER.project_id)
        engine_factory()
        resp = adopt(
            api,
            node["uuid"],
            project_id=MEMBER.project_id,
            networks=[{"net_id": net}],
        )
        assert resp.status_code == 400
        assert "networks[0].net_id" in _fault(resp)
        name = api.get(f"/v1/networks/{net}", headers=ADMIN.headers).json()["name"]
        assert f"network {name} ({net}) is not usable" in _fault(resp)
        assert world.driver.get_node(node["uuid"]).instance_uuid is None

    def test_more_networks_than_ports_is_refused(
        self, world, engine_factory, api, placement_client_
    ):
        """Each network takes one of the node's NICs: 400 when they run out."""
        node = deployed_node(world, ports=1)
        net = _network(api)
        engine_factory()
        resp = adopt(api, node["uuid"], networks=[{"net_id": net}] * 2)
        assert resp.status_code == 400
        assert "1 ports for 2 networks" in _fault(resp)
        assert placement_client_.provider_allocations(node["uuid"]) == {}
        assert world.driver.get_node(node["uuid"]).instance_uuid is None

    def test_unknown_network_is_not_found(self, world, engine_factory, api):
        """A network that does not exist is a 404."""
        node = deployed_node(world)
        engine_factory()
        resp = adopt(api, node["uuid"], networks=[{"net_id": str(uuid.uuid4())}])
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.network.not_found"

    def test_bad_bodies_name_the_field(self, api):
        """Schema errors are 400s naming the field (no engine needed)."""
        node = str(uuid.uuid4())
        cases = [
            ({"node_uuid": node}, "name"),
            ({"name": "x"}, "node_uuid"),
            ({"name": "", "node_uuid": node}, "name"),
            ({"name": "x", "node_uuid": node, "flavor_uuid": node}, "flavor_uuid"),
            ({"name": "x", "node_uuid": node, "networks": [{"net_id": "x"}]}, "net_id"),
            ({"name": "x", "node_uuid": node, "project_id": "a b"}, "project_id"),
        ]
        for body, field in cases:
            resp = api.post(URL, json=body, headers=ADMIN.headers)
            assert resp.status_code == 400, (body, resp.text)
            assert field in _fault(resp), (body, _fault(resp))

    def test_adopting_counts_against_the_server_quota(self, world, engine_factory, api):
        """A project at its server quota gets no adopted server (403 naming it)."""
        node = deployed_node(world)
        engine_factory()
        quota = api.put(
            f"/v1/quotas/{MEMBER.project_id}",
            json={"quota": {"servers": 0}},
            headers={**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.3"},
        )
        assert quota.status_code == 200, quota.text
        resp = adopt(api, node["uuid"], project_id=MEMBER.project_id)
        assert resp.status_code == 403, resp.text
        assert resp.json()["code"] == "mogan.over_quota"
        assert "servers" in _fault(resp)
        assert api.get("/v1/servers", headers=MEMBER.headers).json()["servers"] == []
        # The caller's own project has room: the node is adopted there.
        assert adopted(api, node["uuid"])["status"] == states.ACTIVE

    def test_members_may_not_adopt(self, world, engine_factory, api):
        """Adoption is for admins."""
        node = deployed_node(world)
        engine_factory()
        resp = api.post(
            URL,
            json={"name": "mine", "node_uuid": node["uuid"]},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 403
        assert world.driver.get_node(node["uuid"]).instance_uuid is None


class RefusesAdopt(RequiredOnly, driver_base.ManageInterface):
    """Lists the fake's adoptable nodes but fails every ``adopt`` (the last step)."""

    def list_manageable(self) -> list[driver_base.ManageableNode]:
        """As the fake."""
        return list(self._fleet.list_manageable())

    def adopt(self, node_uuid: str, server_uuid: str) -> None:
        """Fail as a driver does when the node changed under us."""
        del server_uuid
        raise driver_base.DriverError(node=node_uuid, reason="BMC said no")


class TestAdoptionUndo:
    def test_failed_adopt_step_undoes_claim_ports_and_node(
        self, world, engine_factory, api, placement_client_, notes
    ):
        """The server ends in error with the driver's reason; nothing is held."""
        node = deployed_node(world, ports=1)
        net = _network(api)
        engine_factory(with_driver=RefusesAdopt(world.driver))
        resp = adopt(api, node["uuid"], networks=[{"net_id": net}])
        assert resp.status_code == 201, resp.text
        server = settled(api, resp.json()["uuid"])
        assert server["status"] == states.ERROR
        assert "BMC said no" in server["fault"]["message"]
        # Every step was undone: claim, view, ports, NICs, node ownership.
        assert placement_client_.provider_allocations(node["uuid"]) == {}
        assert world.ports(server["uuid"]) == 0
        assert server["addresses"] == {}
        row = world.node(node["uuid"])
        assert (row.allocated, row.server_uuid, row.reservation) == (
            False,
            None,
            None,
        )
        assert world.driver.get_node(node["uuid"]).instance_uuid is None
        wait_for(lambda: "server.manage.error" in notes.types(server["uuid"]))
        # The server in error is deleted like any other; the node stays
        # deployed, even when the server still names it (as an abandoned
        # workflow leaves it): the driver never recorded it as this server's.
        with world.db.transaction() as session:
            session.execute(
                sa.update(models.Server)
                .where(models.Server.uuid == server["uuid"])
                .values(node_uuid=node["uuid"])
            )
        gone = api.delete(f"/v1/servers/{server['uuid']}", headers=ADMIN.headers)
        assert gone.status_code == 204
        wait_for(lambda: show(api, server["uuid"]).status_code == 404)
        assert world.driver.provision_state(node["uuid"]) == fake.ACTIVE
        assert world.driver.get_node(node["uuid"]).instance_uuid is None


class TestDriverWithoutAdoption:
    def test_adopt_is_a_409_naming_the_driver(self, world, engine_factory, api):
        """An engine whose driver cannot adopt: 409 saying so, and nothing kept."""
        node = deployed_node(world, ports=1)
        engine_factory(with_driver=RequiredOnly(world.driver))
        resp = adopt(api, node["uuid"])
        assert resp.status_code == 409, resp.text
        assert resp.json()["code"] == "mogan.driver.unsupported"
        assert _fault(resp) == "driver fake cannot adopt nodes"
        listed = api.get(URL, headers=ADMIN.headers)
        assert listed.status_code == 409, listed.text
        assert listed.json()["code"] == "mogan.driver.unsupported"
        assert world.driver.get_node(node["uuid"]).instance_uuid is None
        servers = api.get("/v1/servers", headers=ADMIN.headers).json()["servers"]
        assert servers == []
