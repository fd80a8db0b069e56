"""Server actions and their events (``/v1/servers/{uuid}/actions``, 1.4).

Every action goes through the real API, the real scheduler and a real
engine on the fake fleet; the actions and events are read back through the
API as owner and as admin. Owners never see node names, driver errors or
tracebacks; admins see all of them.
"""

import pytest
import sqlalchemy as sa

from mogan import states
from mogan.db import models
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import engine_support
from tests.functional.api.engine_support import adopt, deployed_node, show, wait_for

globals().update(engine_support.FIXTURES)

V14 = {"OpenStack-API-Version": "baremetal-compute 1.4"}
REQUEST_ID = "x-openstack-request-id"


def _actions(api, server_uuid: str, persona=MEMBER, **params):
    return api.get(
        f"/v1/servers/{server_uuid}/actions",
        params=params,
        headers={**persona.headers, **V14},
    )


def _action(api, server_uuid: str, request_id: str, persona=MEMBER):
    return api.get(
        f"/v1/servers/{server_uuid}/actions/{request_id}",
        headers={**persona.headers, **V14},
    )


def _finished(api, server_uuid: str, request_id: str, persona=ADMIN) -> dict:
    """The action once the engine finished it."""

    def done():
        body = _action(api, server_uuid, request_id, persona).json()
        return body if body.get("finish_time") else None

    return wait_for(done)


def _create(world, api, name: str = "web"):
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": name,
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": world.network_uuid}],
            }
        },
        headers=MEMBER.headers,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["uuid"], resp.headers[REQUEST_ID]


def _power(api, server_uuid: str, target: str, persona=MEMBER) -> str:
    resp = api.put(
        f"/v1/servers/{server_uuid}/states/power",
        json={"target": target},
        headers=persona.headers,
    )
    assert resp.status_code == 202, resp.text
    return resp.headers[REQUEST_ID]


def _lock(api, server_uuid: str, locked: bool) -> str:
    resp = api.put(
        f"/v1/servers/{server_uuid}/states/lock",
        json={"target": locked},
        headers=MEMBER.headers,
    )
    assert resp.status_code == 202, resp.text
    return resp.headers[REQUEST_ID]


def _events(action: dict) -> list[tuple]:
    return [(e["event"], e["attempt"], e["result"]) for e in action["events"]]


@pytest.fixture
def built(world, engine_factory, api) -> dict:
    """An active server of project-a built by the engine: uuid, request, node."""
    [node] = world.enroll(1)
    engine_factory()
    uuid, request_id = _create(world, api)
    wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
    return {"uuid": uuid, "request_id": request_id, "node": node}


class TestCreate:
    def test_create_records_one_event_per_phase(self, api, world, built):
        """schedule, lock_node, bind_networks, config_drive, deploy, active: Success."""
        action = _finished(api, built["uuid"], built["request_id"])
        assert action["action"] == "create"
        assert action["result"] == "Success"
        assert action["message"] is None
        assert action["request_id"] == built["request_id"]
        assert action["user_id"] == MEMBER.user_id
        assert action["project_id"] == MEMBER.project_id
        assert _events(action) == [
            ("schedule", 1, "Success"),
            ("lock_node", 1, "Success"),
            ("bind_networks", 1, "Success"),
            ("config_drive", 1, "Success"),
            ("deploy", 1, "Success"),
            ("active", 1, "Success"),
        ]
        node_name = world.node(built["node"]).name
        assert {node_name} == {e["node"] for e in action["events"]}
        assert all(e["max_attempts"] == 3 for e in action["events"])
        assert action["start_time"] <= action["finish_time"]

    def test_owner_sees_no_node_or_traceback(self, api, built):
        """The owner's view of the same events has no node and no traceback."""
        _finished(api, built["uuid"], built["request_id"])
        resp = _action(api, built["uuid"], built["request_id"], MEMBER)
        assert resp.status_code == 200, resp.text
        for event in resp.json()["events"]:
            assert "node" not in event
            assert "traceback" not in event

    def test_list_is_newest_first_and_pages(self, api, built):
        """Lock, unlock: listed unlock, lock, create; limit and marker page it."""
        lock = _lock(api, built["uuid"], True)
        unlock = _lock(api, built["uuid"], False)
        resp = _actions(api, built["uuid"])
        assert resp.status_code == 200, resp.text
        listed = resp.json()["actions"]
        assert [
            ("unlock", unlock, "Success"),
            ("lock", lock, "Success"),
            ("create", built["request_id"], "Success"),
        ] == [(a["action"], a["request_id"], a["result"]) for a in listed]
        page = _actions(api, built["uuid"], limit=1, marker=unlock).json()["actions"]
        assert [lock] == [a["request_id"] for a in page]

    def test_reader_reads_other_projects_do_not(self, api, built):
        """Project readers read their servers' actions; another project gets 404."""
        assert _actions(api, built["uuid"], READER).status_code == 200
        other = _actions(api, built["uuid"], OTHER)
        assert other.status_code == 404
        assert other.json()["code"] == "mogan.server.not_found"
        hidden = _action(api, built["uuid"], built["request_id"], OTHER)
        assert hidden.status_code == 404

    def test_unknown_request_id_is_a_404(self, api, built):
        """An action nobody recorded: 404 naming the request id."""
        resp = _action(api, built["uuid"], "req-nothing")
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.server_action.not_found"

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": "0"}, "limit"),
            ({"limit": "1001"}, "limit"),
            ({"marker": "a b"}, "marker"),
        ],
    )
    def test_bad_paging_is_a_400_naming_the_field(self, api, built, params, field):
        """Limit is 1..1000 and marker a request id: anything else is a 400."""
        resp = _actions(api, built["uuid"], **params)
        assert resp.status_code == 400, resp.text
        assert field in resp.text

    def test_older_microversion_has_no_actions(self, api, built):
        """Before 1.4 the route does not exist."""
        resp = api.get(f"/v1/servers/{built['uuid']}/actions", headers=MEMBER.headers)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.not_available_at_version"


class TestFailures:
    def test_failed_deploys_show_each_attempt(self, world, engine_factory, api):
        """Deploy fails on both nodes: each attempt, each reschedule, then the end."""
        nodes = world.enroll(2)
        for node in nodes:
            world.driver.set_behaviour(node, fail_deploy=5)
        engine_factory()
        uuid, request_id = _create(world, api)
        wait_for(lambda: show(api, uuid).json()["status"] == states.ERROR)
        action = _finished(api, uuid, request_id)
        assert action["result"] == "Error"
        # NOTE: the cause is the driver's deploy error: owners read only
        # what failed (the admin's traceback names nodes and the error).
        assert action["message"] == "create failed"
        events = _events(action)
        assert ("deploy", 1, "Error") in events
        assert ("reschedule", 1, "Success") in events
        assert ("deploy", 2, "Error") in events
        assert ("reschedule", 2, "Success") in events
        assert events[-1] == ("schedule", 3, "Error")
        last = action["events"][-1]["traceback"]
        assert "simulated deploy failure" in last
        assert "attempt 2 on node" in last
        deploys = [e for e in action["events"] if e["event"] == "deploy"]
        names = {world.node(n).name for n in nodes}
        assert names == {e["node"] for e in deploys}
        assert all("simulated deploy failure" in e["traceback"] for e in deploys), (
            deploys
        )
        owner = _action(api, uuid, request_id, MEMBER).json()
        owner_deploys = [e for e in owner["events"] if e["event"] == "deploy"]
        assert [e["details"] for e in owner_deploys] == [
            "deploy failed",
            "deploy failed",
        ]
        for event in owner["events"]:
            assert "traceback" not in event
            assert "node" not in event
            for name in names:
                assert name not in (event["details"] or "")
        # NOTE: server show: everyone reads the cause, admins the attempts.
        fault = show(api, uuid).json()["fault"]
        assert "simulated deploy failure" in fault["message"]
        assert "attempt 2 on node" in fault["detail"]
        seen = api.get(f"/v1/servers/{uuid}", headers=MEMBER.headers).json()["fault"]
        assert seen["message"] == fault["message"]
        assert seen["detail"] is None

    def test_failed_power_off_says_why(self, api, world, built):
        """A stop that did not stop: an Error power event with the driver's reason."""
        world.driver.set_behaviour(built["node"], fail_power=1)
        request_id = _power(api, built["uuid"], "off")
        action = _finished(api, built["uuid"], request_id)
        assert action["action"] == "power_off"
        assert action["result"] == "Error"
        [power] = [e for e in action["events"] if e["event"] == "power"]
        assert power["result"] == "Error"
        assert "simulated power failure" in power["traceback"]
        assert show(api, built["uuid"]).json()["power_state"] == states.POWER_ON
        owner = _action(api, built["uuid"], request_id, MEMBER).json()
        assert owner["message"] == "power_off failed"
        [seen] = [e for e in owner["events"] if e["event"] == "power"]
        assert seen["details"] == "power failed"
        assert "traceback" not in seen


class TestLifecycle:
    def test_power_rebuild_and_delete_are_recorded(self, api, built):
        """Each action finishes Success; the deleted server's actions stay readable."""
        off = _power(api, built["uuid"], "off")
        assert _finished(api, built["uuid"], off)["result"] == "Success"
        rebuild = api.put(
            f"/v1/servers/{built['uuid']}/states/provision",
            json={"target": "rebuild"},
            headers=MEMBER.headers,
        )
        assert rebuild.status_code == 202, rebuild.text
        rebuilt = _finished(api, built["uuid"], rebuild.headers[REQUEST_ID])
        assert rebuilt["action"] == "rebuild"
        assert ("deploy", None, "Success") in _events(rebuilt)
        delete = api.delete(f"/v1/servers/{built['uuid']}", headers=MEMBER.headers)
        assert delete.status_code == 204
        wait_for(lambda: show(api, built["uuid"]).status_code == 404)
        deleted = _finished(api, built["uuid"], delete.headers[REQUEST_ID])
        assert deleted["action"] == "delete"
        assert deleted["result"] == "Success"
        assert "teardown" in [e["event"] for e in deleted["events"]]
        for persona in (ADMIN, MEMBER):
            listed = _actions(api, built["uuid"], persona).json()["actions"]
            assert [a["action"] for a in listed] == [
                "delete",
                "rebuild",
                "power_off",
                "create",
            ]
        assert _actions(api, built["uuid"], OTHER).status_code == 404

    def test_actions_outlive_purged_workflows(self, api, world, built):
        """Finished workflow rows purged: the action and its events stay."""
        before = _finished(api, built["uuid"], built["request_id"])
        with world.db.transaction() as session:
            session.execute(sa.delete(models.Workflow))
        after = _action(api, built["uuid"], built["request_id"], ADMIN).json()
        assert before == after
        assert len(after["events"]) == 6

    def test_adoption_is_recorded(self, world, engine_factory, api):
        """Adopting a deployed node records a ``manage`` action with its steps."""
        node = deployed_node(world)
        engine_factory()
        adopted = adopt(api, node["uuid"])
        assert adopted.status_code == 201, adopted.text
        server_uuid, request_id = adopted.json()["uuid"], adopted.headers[REQUEST_ID]
        action = _finished(api, server_uuid, request_id)
        assert (action["action"], action["result"]) == ("manage", "Success")
        assert [e["event"] for e in action["events"]] == [
            "sync_node",
            "lock_node",
            "claim_node",
            "bind_networks",
            "adopt_node",
        ]
        listed = _actions(api, server_uuid, ADMIN).json()["actions"]
        assert [a["request_id"] for a in listed] == [request_id]

    def test_actions_per_server_are_bounded(self, econf, world, engine_factory, api):
        """Past ``max_actions_per_server`` the oldest finished actions go."""
        econf.set_override("max_actions_per_server", 3, group="server_actions")
        world.enroll(1)
        engine_factory()
        uuid, _ = _create(world, api)
        wait_for(lambda: show(api, uuid).json()["status"] == states.ACTIVE)
        requests = [_lock(api, uuid, locked) for locked in (True, False) * 3]
        listed = _actions(api, uuid).json()["actions"]
        assert requests[-3:][::-1] == [a["request_id"] for a in listed]
