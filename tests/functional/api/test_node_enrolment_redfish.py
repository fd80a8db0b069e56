"""Enrolling a Redfish node through the API: the engine's redfish driver, for real.

The API, a real engine running the ``redfish`` driver with its
``DbNodeStore`` (Mogan's database), the embedded Placement and the team's
sushy-tools emulator (``tests/redfish``) on loopback: ``POST /v1/nodes``
validates the BMC through sushy and stores the node with its password
sealed; ``PATCH`` and ``DELETE`` reach the driver's store and Placement.
"""

import uuid

import pytest
import sqlalchemy as sa

from mogan.db import models
from mogan.drivers import redfish
from mogan.engine import node_store
from tests.conftest import ADMIN
from tests.functional.api import engine_support
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture

globals().update(engine_support.FIXTURES)
pytestmark = pytest.mark.services

V16 = {**ADMIN.headers, "OpenStack-API-Version": "baremetal-compute 1.6"}


@pytest.fixture
def redfish_engine(econf, database, engine_factory):
    """An engine whose driver is redfish, its nodes in Mogan's database."""
    econf.set_override("driver", "redfish", "engine")
    redfish.RedfishDriver.register_opts(econf)
    econf.set_override("server_side_retries", 1, "redfish")
    econf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(econf)
    node_store.attach(driver, database, econf)
    engine_factory(with_driver=driver)
    yield driver
    driver.close()


def _body(world, emulator, **info) -> dict:
    system = emulator.systems()[0]
    return {
        "name": f"rf-{uuid.uuid4().hex[:10]}",
        "driver": "redfish",
        "driver_info": {
            "address": emulator.url,
            "system_id": system.path,
            "username": emulator.username,
            "password": emulator.password,
            "verify_ca": False,
        }
        | info,
        "resource_class": world.resource_class,
        "traits": ["CUSTOM_REDFISH"],
    }


class TestRedfishEnrolment:
    def test_enrol_change_remove(self, world, redfish, redfish_engine, api):
        """A node is enrolled from its BMC, sealed at rest, renamed, removed."""
        body = _body(world, redfish)
        resp = api.post("/v1/nodes", json=body, headers=V16)
        assert resp.status_code == 201, resp.text
        node = resp.json()
        assert node["driver"] == "redfish"
        assert node["consumable"] is True, node
        assert redfish.password not in resp.text
        assert world.placement.get_traits(node["uuid"]) == ["CUSTOM_REDFISH"]
        with world.db.transaction(readonly=True) as session:
            row = session.scalars(
                sa.select(models.DriverNode).where(
                    models.DriverNode.uuid == node["uuid"]
                )
            ).one()
        assert row.driver == "redfish"
        assert row.bmc_address == redfish.url + body["driver_info"]["system_id"]
        assert row.bmc_password != redfish.password
        # NOTE: the BMC filled the properties the request left out.
        assert "cpus" in row.properties

        resp = api.patch(
            f"/v1/nodes/{node['uuid']}",
            json=[{"op": "replace", "path": "/name", "value": body["name"] + "-b"}],
            headers=V16,
        )
        assert resp.status_code == 200, resp.text
        assert redfish_engine.get_node(node["uuid"]).name == body["name"] + "-b"

        resp = api.delete(f"/v1/nodes/{node['uuid']}", headers=V16)
        assert resp.status_code == 204, resp.text
        assert redfish_engine.list_nodes() == []
        assert world.placement.get_provider(node["uuid"]) is None

    def test_wrong_password_is_a_400(self, world, redfish, redfish_engine, api):
        """A BMC refusing the credentials is a 400 naming driver_info."""
        body = _body(world, redfish, password="wrong-pass")
        resp = api.post("/v1/nodes", json=body, headers=V16)
        assert resp.status_code == 400, resp.text
        assert "driver_info" in resp.json()["error_message"]
        assert "wrong-pass" not in resp.text
        assert redfish_engine.list_nodes() == []

    @pytest.mark.usefixtures("redfish_engine")
    def test_enrolment_reads_the_bmc_once(self, world, redfish, api):
        """The BMC check, the enrolment and the first sync share one inventory read."""
        body = _body(world, redfish)
        system = body["driver_info"]["system_id"]
        before = len(redfish.requests())
        resp = api.post("/v1/nodes", json=body, headers=V16)
        assert resp.status_code == 201, resp.text
        served = redfish.requests()[before:]
        shown = api.get(f"/v1/nodes/{resp.json()['uuid']}", headers=V16).json()
        # NOTE: the inventory the enrolment read reached Mogan's view.
        assert shown["inventory"]["bios"], shown
        # NOTE: each inventory read walks the processors and the BIOS; a
        # check, an enrolment and a sync each reading them would be three.
        for part in ("/Processors", "/BIOS"):
            reads = [
                r for r in served if r["method"] == "GET" and r["path"] == system + part
            ]
            assert len(reads) == 1, (part, [r["path"] for r in served])
