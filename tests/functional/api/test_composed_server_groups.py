"""Server groups of composed servers over chassis, through the API, for real.

The API, a real engine on the ``redfish`` driver, the real scheduler, the
embedded Placement and the team's emulator serving a pool whose blocks
link their chassis (``Links.Chassis``). A group scoped to ``chassis``
(microversion 1.8) is created through the API, composed servers join it
at create (``scheduler_hints.group``), and where they landed is read back
from the emulator (the blocks of each system), Placement and the
database, then compared with what the API shows: the servers'
``failure_domains`` and the group's ``member_domains``.
"""

import uuid

import pytest

from mogan import states
from tests.conftest import ADMIN, MEMBER
from tests.functional.api import composed_support as support
from tests.functional.api import engine_support
from tests.functional.api import test_composed_servers as composed
from tests.functional.api.support import fault
from tests.redfish import specs
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

globals().update(engine_support.FIXTURES)
# NOTE: the composed-server tests' engine on the redfish driver and image.
redfish_stack = composed.redfish_stack
redfish_engine = composed.redfish_engine
image = composed.image
pytestmark = pytest.mark.services

V18 = {"OpenStack-API-Version": composed.V18}


@pytest.fixture
def service(redfish, redfish_engine, api) -> str:
    """Three Compute blocks in one zone, over two chassis; the service's name.

    ``zone-a-compute-0`` and ``-2`` are in ``zone-a-chassis-0``,
    ``zone-a-compute-1`` in ``zone-a-chassis-1``.
    """
    del redfish_engine
    redfish.set_pool(specs.simple_pool(("zone-a",), compute=3, chassis=2))
    name = f"pool-{uuid.uuid4().hex[:8]}"
    resp = api.post(
        "/v1/composition_services",
        json={
            "name": name,
            "driver_info": {
                "address": redfish.url,
                "username": redfish.username,
                "password": redfish.password,
                "verify_ca": False,
            },
        },
        headers=composed.V17,
    )
    assert resp.status_code == 201, resp.text
    return name


@pytest.fixture
def flavor(api) -> str:
    """A composable flavor one Compute block fits."""
    resp = api.post(
        "/v1/flavors",
        json={
            "name": f"compute-{uuid.uuid4().hex[:8]}",
            "composable": True,
            "resources": {"VCPU": 16, "MEMORY_MB": 64 * 1024},
        },
        headers={**ADMIN.headers, **V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def create_server(api, world, flavor: str, image: str, group: str) -> str:
    """A composed server joining ``group``; its uuid."""
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "member",
                "flavor_uuid": flavor,
                "image_uuid": image,
                "networks": [{"net_id": world.network_uuid}],
            },
            "scheduler_hints": {"group": group},
        },
        headers={**MEMBER.headers, **V18},
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


def chassis_of(world, redfish, server: str) -> str:
    """The chassis of the Compute block of the server's system, on the emulator."""
    [system] = composed._systems(world, redfish, server)
    blocks = redfish.system(system.uuid)["resource_blocks"]
    pool = redfish.pool()["blocks"]
    [compute] = [b for b in blocks if "Compute" in pool[b]["types"]]
    [chassis] = pool[compute]["chassis"]
    return str(chassis)


class TestChassisGroups:
    def test_anti_affinity_over_two_chassis(
        self, world, redfish, service, flavor, image, api
    ):
        """Two members on distinct chassis, shown so; a third refused, saying why."""
        resp = api.post(
            "/v1/server_groups",
            json={
                "name": "apart",
                "policies": ["anti-affinity"],
                "rules": {"scope": "chassis"},
            },
            headers={**MEMBER.headers, **V18},
        )
        assert resp.status_code == 201, resp.text
        group = resp.json()
        assert group["rules"] == {"scope": "chassis", "max_per_domain": 1}

        servers = [create_server(api, world, flavor, image, group["uuid"])]
        assert composed._settled(world, servers[0]).status == states.ACTIVE
        servers.append(create_server(api, world, flavor, image, group["uuid"]))
        assert composed._settled(world, servers[1]).status == states.ACTIVE
        chassis = {s: chassis_of(world, redfish, s) for s in servers}
        assert sorted(chassis.values()) == ["zone-a-chassis-0", "zone-a-chassis-1"]

        for server in servers:
            shown = composed._show(api, server, persona=ADMIN)
            assert shown["failure_domains"] == {
                "composition_zone": f"{service}:zone-a",
                "chassis": f"{service}:{chassis[server]}",
            }
        shown = api.get(
            f"/v1/server_groups/{group['uuid']}", headers={**MEMBER.headers, **V18}
        ).json()
        assert shown["member_domains"] == {
            s: f"{service}:{chassis[s]}" for s in servers
        }

        third = create_server(api, world, flavor, image, group["uuid"])
        assert composed._settled(world, third).status == states.ERROR
        [error] = world.faults(third)
        assert "No valid node" in error.message
        assert "ruled out by the server group's policy" in error.message
        assert "anti-affinity over chassis" in error.message
        assert world.placement.allocations_of(third) == {}
        # NOTE: a free Compute block was left: the policy refused it.
        free = [
            b
            for b, v in redfish.pool()["blocks"].items()
            if v["state"] == "Unused" and "Compute" in v["types"]
        ]
        assert free == ["zone-a-compute-2"]

        for server in [*servers, third]:
            resp = api.delete(f"/v1/servers/{server}", headers=MEMBER.headers)
            assert resp.status_code == 204, resp.text
        for server in [*servers, third]:
            engine_support.wait_for(
                lambda s=server: world.server(s) is None, composed.TIMEOUT
            )
        assert {b["state"] for b in redfish.pool()["blocks"].values()} == {"Unused"}

    @pytest.mark.usefixtures("service")
    def test_affinity_keeps_members_on_one_chassis(
        self, world, redfish, flavor, image, api
    ):
        """Two members of an affinity group share the chassis that holds two."""
        resp = api.post(
            "/v1/server_groups",
            json={
                "name": "together",
                "policies": ["affinity"],
                "rules": {"scope": "chassis"},
            },
            headers={**MEMBER.headers, **V18},
        )
        assert resp.status_code == 201, resp.text
        group = resp.json()["uuid"]
        servers = []
        for _ in range(2):
            servers.append(create_server(api, world, flavor, image, group))
            assert composed._settled(world, servers[-1]).status == states.ACTIVE
        assert [chassis_of(world, redfish, s) for s in servers] == [
            "zone-a-chassis-0",
            "zone-a-chassis-0",
        ]
        assert support.composed(world.db, servers[0]).zone == "zone-a"


class TestScopes:
    @pytest.mark.parametrize("scope", ["chassis", "composition_zone"])
    def test_composed_levels_need_1_8(self, api, scope):
        """The levels of composed servers are scopes from 1.8; 400 below."""
        body = {"name": "g", "policies": ["anti-affinity"], "rules": {"scope": scope}}
        old = api.post(
            "/v1/server_groups",
            json=body,
            headers={
                **MEMBER.headers,
                "OpenStack-API-Version": "baremetal-compute 1.7",
            },
        )
        assert old.status_code == 400
        assert "'rules.scope'" in fault(old)
        assert "1.8" in fault(old)
        new = api.post(
            "/v1/server_groups", json=body, headers={**MEMBER.headers, **V18}
        )
        assert new.status_code == 201, new.text
        assert new.json()["rules"]["scope"] == scope

    def test_an_unknown_scope_names_the_field(self, api):
        """A scope that is no level: 400 naming rules.scope, listing the levels."""
        resp = api.post(
            "/v1/server_groups",
            json={"name": "g", "policies": ["affinity"], "rules": {"scope": "rack"}},
            headers={**MEMBER.headers, **V18},
        )
        assert resp.status_code == 400
        assert "'rules.scope'" in fault(resp)
        assert "chassis" in fault(resp)
