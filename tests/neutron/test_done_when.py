"""Issue 13's "done when", in one test: Keystone, Glance and Neutron for real.

One Keystone serves both peers (``tests.keystone.support.shared``: Glance
and Neutron register in its catalog, and Mogan finds them there with its
service users). Mogan runs as a cloud runs it: ``auth_strategy =
keystone``, ``[image] backend = glance``, ``[network] backend = neutron``,
its real engine and scheduler with the fake driver (NICs cabled on
``physnet1``), the embedded Placement. A project member with a Keystone
token does everything through Mogan's API, and every step is checked in
the peer that holds it: Glance's image reaches the driver, Neutron holds
the fixed IP asked for, the floating IP's mapping, the second port and its
binding; after the delete Neutron holds no port of the server and the
project's port count is back where it was. Another project's member, with
a token of the same Keystone, sees none of it in Mogan nor in Neutron.
"""

import re
import uuid
from typing import Any

import pytest

from mogan import states
from tests.glance import fixtures as glance_fixtures
from tests.glance.fixtures import glance_fixture  # noqa: F401 - fixture
from tests.neutron import fixtures, l3
from tests.neutron.fixtures import V18, cable

pytestmark = pytest.mark.services

globals().update(fixtures.FIXTURES)

wait_for = fixtures.engine_support.wait_for
DATA = b"an image for the done-when server\n" * 1024


@pytest.fixture
def econf(tmp_path, neutron, glance, placement_state):
    """Mogan on Keystone, with Neutron networks and Glance images."""
    del placement_state
    return fixtures.make_econf(
        tmp_path,
        neutron,
        {
            "glance": glance_fixtures.glance_options(glance),
            "image": {"backend": "glance"},
            "deploy_media": {"base_url": glance_fixtures.BASE_URL},
        },
    )


def _ok(resp, status: int = 200) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    return dict(resp.json()) if resp.content else {}


def _cidr() -> str:
    return f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.0/24"


def _sees_none_of_it(
    api, neutron, glance, server: str, fip: dict[str, Any], image_id: str
) -> None:
    """Another project's member sees nothing of it in Mogan, Neutron or Glance."""
    stranger = neutron.keystone.project_persona("member")
    theirs = {**stranger.headers, **V18}
    for path in ("", "/networks"):
        resp = api.get(f"/v1/servers/{server}{path}", headers=theirs)
        assert resp.status_code == 404, resp.text
    listed = _ok(api.get("/v1/servers/detail", headers=theirs))["servers"]
    assert server not in {s["uuid"] for s in listed}
    seen = l3.project_floating_ips(neutron, stranger.token)
    assert fip["id"] not in {f["id"] for f in seen}
    stranger_ports = neutron.call(
        "GET", f"/ports?device_id={server}", token=stranger.token
    )["ports"]
    assert stranger_ports == []
    hidden = glance.http.get(
        f"/v2/images/{image_id}", headers={"X-Auth-Token": stranger.token}
    )
    assert hidden.status_code == 404
    resp = api.post(
        f"/v1/servers/{server}/networks/floatingips",
        json={"address": fip["floating_ip_address"]},
        headers=theirs,
    )
    assert resp.status_code == 404, resp.text


class TestDoneWhen:
    def test_member_server_with_fixed_ip_floating_ip_and_interface(
        self, world, api, engine_factory, tenant, neutron, glance, driver
    ):
        """Create, FIP, interface, detach both, delete: no port left, no leak seen."""
        member = tenant.member
        headers = tenant.headers
        (node,) = world.enroll(1, ports=2)
        macs = cable(world, node)
        engine_factory()
        image = glance.create_image(member.token, DATA)
        l3.route(neutron, member.token, tenant.subnet_id)
        second_net, _ = tenant.network(_cidr())
        ports_before = len(tenant.ports(project_id=tenant.project_id))
        fixed = tenant.cidr.rsplit(".", 1)[0] + ".50"

        # NOTE: the member creates it from their private Glance image.
        server = _ok(
            api.post(
                "/v1/servers",
                json={
                    "server": {
                        "name": "done-when",
                        "flavor_uuid": world.flavor_uuid,
                        "image_uuid": image["id"],
                        "networks": [{"net_id": tenant.network_id, "fixed_ip": fixed}],
                    }
                },
                headers=headers,
            ),
            201,
        )["uuid"]

        def shown() -> dict[str, Any]:
            return _ok(api.get(f"/v1/servers/{server}", headers=headers))

        wait_for(lambda: shown()["status"] in {states.ACTIVE, states.ERROR}, 60)
        assert shown()["status"] == states.ACTIVE, world.faults(server)
        # NOTE: the fake agent wrote what the temporary URL serves: Glance's bytes.
        (url,) = re.findall(
            rf"deployed image (\S+) for server {server}", driver.console_log(node)
        )
        assert url.startswith(glance_fixtures.BASE_URL)
        assert api.get(url[len(glance_fixtures.BASE_URL) :]).content == DATA
        (port,) = tenant.ports(device_id=server)
        assert port["fixed_ips"] == [
            {"subnet_id": tenant.subnet_id, "ip_address": fixed}
        ]
        assert port["project_id"] == tenant.project_id
        assert port["binding:host_id"] == node
        assert port["mac_address"] == macs[0]
        assert shown()["image_uuid"] == image["id"]

        # NOTE: a floating IP the member made in Neutron, then a second NIC.
        fip = l3.floating_ip(neutron, member.token)
        address = fip["floating_ip_address"]
        _ok(
            api.post(
                f"/v1/servers/{server}/networks/floatingips",
                json={"address": address, "fixed_address": fixed},
                headers=headers,
            ),
            204,
        )
        mapped = l3.show(neutron, fip["id"])
        assert (mapped["port_id"], mapped["fixed_ip_address"]) == (port["id"], fixed)
        _ok(
            api.post(
                f"/v1/servers/{server}/networks/interfaces",
                json={"net_id": second_net},
                headers=headers,
            ),
            204,
        )
        (second,) = tenant.ports(device_id=server, network_id=second_net)
        assert (second["binding:host_id"], second["mac_address"]) == (node, macs[1])
        nics = _ok(api.get(f"/v1/servers/{server}/networks", headers=headers))["nics"]
        assert {(n["port_id"], n["floating_ip"]) for n in nics} == {
            (port["id"], address),
            (second["id"], None),
        }
        assert shown()["addresses"][tenant.network_id] == [
            {"addr": fixed, "type": "fixed"},
            {"addr": address, "type": "floating"},
        ]

        _sees_none_of_it(api, neutron, glance, server, fip, image["id"])

        # NOTE: detach both, then delete: Neutron keeps nothing of the server.
        _ok(
            api.delete(
                f"/v1/servers/{server}/networks/floatingips/{address}", headers=headers
            ),
            204,
        )
        assert l3.show(neutron, fip["id"])["port_id"] is None
        _ok(
            api.delete(
                f"/v1/servers/{server}/networks/interfaces/{second['id']}",
                headers=headers,
            ),
            204,
        )
        assert neutron.call("GET", f"/ports?id={second['id']}")["ports"] == []
        nics = _ok(api.get(f"/v1/servers/{server}/networks", headers=headers))["nics"]
        assert [(n["port_id"], n["floating_ip"]) for n in nics] == [(port["id"], None)]
        _ok(api.delete(f"/v1/servers/{server}", headers=headers), 204)
        wait_for(
            lambda: (
                api.get(f"/v1/servers/{server}", headers=headers).status_code == 404
            ),
            60,
        )
        assert tenant.ports(device_id=server) == []
        assert len(tenant.ports(project_id=tenant.project_id)) == ports_before
        assert world.driver.vifs(node) == []
        freed = l3.show(neutron, fip["id"])
        assert (freed["port_id"], freed["project_id"]) == (None, tenant.project_id)
