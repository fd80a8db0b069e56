"""A server NIC's fixed IP, security groups and port on the embedded backend.

``networks[].fixed_ip`` and ``networks[].security_groups`` (microversion
1.8) are bounded and checked at the API; the embedded backend hands out the
address asked for (read back from its port rows) and refuses what it cannot
do, a tenant's ``port_id`` or security groups, with a 400 naming the field.
The Neutron backend's side is tests/neutron.
"""

import uuid

from mogan import states
from tests.conftest import ADMIN
from tests.functional.api import engine_support
from tests.functional.api.engine_support import show, wait_for

globals().update(engine_support.FIXTURES)

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}


def _create(api, world, nic, headers=None, **extra):
    return api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "nic",
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [nic],
                **extra,
            }
        },
        headers=headers or {**ADMIN.headers, **V18},
    )


def _message(resp) -> str:
    return str(resp.json().get("error_message") or resp.text)


class TestBounds:
    def test_values_past_their_bounds_are_400_naming_the_field(self, world, api):
        """A 46-character address, 17 groups, a bad address, a port with an IP."""
        net = world.network_uuid
        cases = [
            ({"net_id": net, "fixed_ip": "1" * 46}, "networks.0.fixed_ip"),
            ({"net_id": net, "fixed_ip": "10.20.0.999"}, "networks.0.fixed_ip"),
            (
                {
                    "net_id": net,
                    "security_groups": [str(uuid.uuid4()) for _ in range(17)],
                },
                "networks.0.security_groups",
            ),
            ({"net_id": net, "security_groups": []}, "networks.0.security_groups"),
            (
                {"port_id": str(uuid.uuid4()), "fixed_ip": "10.20.0.9"},
                "networks.0",
            ),
        ]
        for nic, field in cases:
            resp = _create(api, world, nic)
            assert resp.status_code == 400, (nic, resp.text)
            assert field in _message(resp).replace("[", ".").replace("]", "")

    def test_new_fields_need_microversion_1_8(self, world, api):
        """Below 1.8 a fixed IP or security groups are refused, naming 1.8."""
        for name, value in (
            ("fixed_ip", "10.20.0.9"),
            ("security_groups", [str(uuid.uuid4())]),
        ):
            resp = _create(
                api,
                world,
                {"net_id": world.network_uuid, name: value},
                headers=ADMIN.headers,
            )
            assert resp.status_code == 400, resp.text
            assert f"networks[0].{name}" in _message(resp)
            assert "1.8" in _message(resp)


class TestEmbeddedBackend:
    def test_refuses_ports_groups_and_foreign_addresses(self, world, api):
        """port_id, security groups, an address off the network: 400 by field."""
        world.enroll(1)
        cases = [
            ({"port_id": str(uuid.uuid4())}, "networks[0].port_id"),
            (
                {"net_id": world.network_uuid, "security_groups": [str(uuid.uuid4())]},
                "networks[0].security_groups",
            ),
            (
                {"net_id": world.network_uuid, "fixed_ip": "192.0.2.7"},
                "networks[0].fixed_ip",
            ),
            (
                {"net_id": world.network_uuid, "fixed_ip": "10.20.0.1"},
                "networks[0].fixed_ip",
            ),
        ]
        for nic, field in cases:
            resp = _create(api, world, nic)
            assert resp.status_code == 400, (nic, resp.text)
            assert field in _message(resp)

    def test_one_server_per_fixed_ip(self, world, api):
        """A fixed IP with max_count 2 is refused: one address, one server."""
        world.enroll(2)
        resp = _create(
            api,
            world,
            {"net_id": world.network_uuid, "fixed_ip": "10.20.0.9"},
            max_count=2,
        )
        assert resp.status_code == 400, resp.text
        assert "networks[0].fixed_ip" in _message(resp)

    def test_server_gets_the_address_it_asked_for(self, world, api, engine_factory):
        """The build binds the requested address; a second server gets the next."""
        world.enroll(2)
        engine_factory()
        resp = _create(
            api, world, {"net_id": world.network_uuid, "fixed_ip": "10.20.0.77"}
        )
        assert resp.status_code == 201, resp.text
        first = resp.json()["uuid"]
        wait_for(lambda: show(api, first).json()["status"] == states.ACTIVE)
        addresses = show(api, first).json()["addresses"][world.network_uuid]
        assert [a["addr"] for a in addresses] == ["10.20.0.77"]
        second = _create(api, world, {"net_id": world.network_uuid}).json()["uuid"]
        wait_for(lambda: show(api, second).json()["status"] == states.ACTIVE)
        addresses = show(api, second).json()["addresses"][world.network_uuid]
        assert [a["addr"] for a in addresses] == ["10.20.0.2"]
