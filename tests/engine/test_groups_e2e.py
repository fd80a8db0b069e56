"""Issue 4's server-group acceptance through the REST API, engine and scheduler.

Aggregates give nodes affinity zones, a group is created by its owner, and
servers join it with ``scheduler_hints.group``; the engine's scheduler
call, the claims and Placement are real. A member that cannot be placed
ends in ``error`` with a fault saying why.
"""

import pytest

from mogan import states
from tests.conftest import ADMIN, MEMBER
from tests.engine.conftest import wait_for
from tests.engine.test_api_e2e import _body, _show

V12 = {"OpenStack-API-Version": "baremetal-compute 1.2"}


def _zone(api, name: str, zone: str, nodes: list[str]) -> None:
    """An aggregate named ``name`` with affinity zone ``zone`` holding ``nodes``."""
    resp = api.post(
        "/v1/aggregates",
        json={"name": name, "metadata": {"affinity_zone": zone}},
        headers=ADMIN.headers,
    )
    assert resp.status_code == 201, resp.text
    for node in nodes:
        added = api.post(
            f"/v1/aggregates/{resp.json()['uuid']}/nodes",
            json={"node": node},
            headers=ADMIN.headers,
        )
        assert added.status_code == 204, added.text


def _member(api, world, group: str, name: str) -> str:
    """Create a server in ``group`` as the member persona; wait until it settles."""
    body = _body(world, name)
    body["scheduler_hints"] = {"group": group}
    resp = api.post("/v1/servers", json=body, headers=MEMBER.headers)
    assert resp.status_code == 201, resp.text
    uuid = resp.json()["uuid"]
    wait_for(lambda: _show(api, uuid)["status"] in {states.ACTIVE, states.ERROR})
    return str(uuid)


@pytest.fixture
def zoned(world, engine_factory, api):
    """Six nodes, two in each of the affinity zones z1, z2, z3; an engine."""
    nodes = world.enroll(6)
    for index, zone in enumerate(("z1", "z2", "z3")):
        _zone(api, f"rack-{zone}", zone, nodes[2 * index : 2 * index + 2])
    engine_factory()
    return nodes


class TestAntiAffinityThroughTheAPI:
    @pytest.mark.parametrize(
        ("policy", "fourth"),
        [("anti-affinity", states.ERROR), ("soft-anti-affinity", states.ACTIVE)],
    )
    def test_three_zones_three_members_then_the_fourth(
        self,
        world,
        zoned,
        api,
        policy,
        fourth,
    ):
        """Three members land in three zones; the 4th fails (hard) or lands (soft)."""
        del zoned
        created = api.post(
            "/v1/server_groups",
            json={"name": "web", "policies": [policy]},
            headers=MEMBER.headers,
        )
        assert created.status_code == 201, created.text
        group = created.json()["uuid"]
        members = [_member(api, world, group, f"web-{i}") for i in range(3)]
        shown = [
            api.get(f"/v1/servers/{m}", headers={**ADMIN.headers, **V12}).json()
            for m in members
        ]
        assert [s["status"] for s in shown] == [states.ACTIVE] * 3
        assert {s["affinity_zone"] for s in shown} == {"z1", "z2", "z3"}
        last = _member(api, world, group, "web-3")
        server = _show(api, last)
        assert server["status"] == fourth
        if fourth == states.ERROR:
            message = server["fault"]["message"]
            assert "No valid node" in message
            assert "3 failure domain exhausted" in message
        # NOTE: the group's owner sees which domain each member landed in.
        owned = api.get(
            f"/v1/server_groups/{group}", headers={**MEMBER.headers, **V12}
        ).json()
        assert {owned["member_domains"][m] for m in members} == {"z1", "z2", "z3"}
        # NOTE: the group's scheduling token goes with the group.
        assert world.allocations(group) != {}
        deleted = api.delete(f"/v1/server_groups/{group}", headers=MEMBER.headers)
        assert deleted.status_code == 204
        assert world.allocations(group) == {}
