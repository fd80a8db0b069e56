"""Faults that tell the truth (issue 10 section 1), with a real engine.

A build failing on every node ends with a fault naming the deploy error and
listing each attempt; errors no other node can fix (a full network) fail at
once; a server in error that still holds its node may be rebuilt and
power-cycled, one without a node may not.
"""

import sqlalchemy as sa

from mogan import exception, states
from mogan.db import models
from mogan.engine import workflow
from tests.conftest import ADMIN
from tests.engine.conftest import wait_for


def _status(world, server_uuid):
    server = world.server(server_uuid)
    return server.status if server else None


def _show(api, server_uuid):
    return api.get(f"/v1/servers/{server_uuid}", headers=ADMIN.headers).json()


def _body(world, name):
    return {
        "server": {
            "name": name,
            "flavor_uuid": world.flavor_uuid,
            "image_uuid": world.image_uuid,
            "networks": [{"net_id": world.network_uuid}],
        }
    }


class TestFinalFault:
    def test_failing_on_every_node_names_the_deploy_error_and_each_attempt(
        self, world, engine_factory, econf
    ):
        """Out of nodes to retry on: the fault is the deploy error, not NoValidNode."""
        econf.set_override("build_attempts", 3, group="engine")
        nodes = world.enroll(2)
        for node in nodes:
            world.driver.set_behaviour(node, fail_deploy=5)
        engine_factory()
        (server_uuid,), _ = world.create()
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        final = world.faults(server_uuid)[-1]
        assert "simulated deploy failure" in final.message
        assert "No valid node" not in final.message
        assert "2 attempts" in final.message
        assert final.code == 500
        detail = final.detail or ""
        for node in nodes:
            assert f"({node}), step wait_deploy: deploy failed: simulated" in detail
        assert "attempt 1 on node" in detail
        assert "attempt 2 on node" in detail
        assert "Then: No valid node was found" in detail

    def test_one_node_failing_keeps_the_cause(self, world, engine_factory, econf):
        """One node, a failed deploy, no other node: the deploy error is the fault."""
        econf.set_override("build_attempts", 3, group="engine")
        (node,) = world.enroll(1)
        world.driver.set_behaviour(node, fail_deploy=5)
        engine_factory()
        (server_uuid,), _ = world.create()
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        final = world.faults(server_uuid)[-1]
        assert final.message.startswith("deploy failed: simulated deploy failure")
        assert "after 1 attempt" in final.message
        assert f"attempt 1 on node node-{node[:8]} ({node})" in (final.detail or "")

    def test_full_network_fails_at_once_naming_the_network(
        self, world, engine_factory, econf
    ):
        """No free address: no reschedule, one fault naming the network."""
        econf.set_override("build_attempts", 3, group="engine")
        world.enroll(3)
        with world.db.transaction() as session:
            session.execute(
                sa.update(models.Network)
                .where(models.Network.uuid == world.network_uuid)
                .values(name="tiny-net", cidr="10.30.0.0/30", gateway="10.30.0.1")
            )
        engine_factory()
        (first,), _ = world.create()
        wait_for(lambda: _status(world, first) == states.ACTIVE)
        (second,), _ = world.create()
        wait_for(lambda: _status(world, second) == states.ERROR)
        (fault,) = world.faults(second)
        assert "tiny-net" in fault.message
        assert "no free IP address" in fault.message
        assert world.allocations(second) == {}
        assert world.ports(second) == 0
        with world.db.transaction() as session:
            builds = session.scalar(
                sa.select(sa.func.count()).where(
                    models.Workflow.server_uuid == second,
                    models.Workflow.kind == "build",
                )
            )
        assert builds == 1

    def test_image_deactivated_before_the_deploy_fails_at_once(
        self, world, engine_factory, econf
    ):
        """An image no longer active: one fault naming it, no other node tried."""
        econf.set_override("build_attempts", 3, group="engine")
        world.enroll(2)
        (server_uuid,), _ = world.create()
        with world.db.transaction() as session:
            session.execute(
                sa.update(models.Image)
                .where(models.Image.uuid == world.image_uuid)
                .values(status="deactivated")
            )
        engine_factory()
        wait_for(lambda: _status(world, server_uuid) == states.ERROR)
        (fault,) = world.faults(server_uuid)
        assert fault.code == 400
        assert "cirros" in fault.message
        assert "deactivated" in fault.message
        assert world.allocations(server_uuid) == {}


class TestReschedulable:
    def test_errors_no_node_can_fix_are_typed(self):
        """The decision comes from the class, not from an HTTP code list."""
        full = exception.NetworkFull(network="n", cidr="10.0.0.0/30")
        assert not exception.is_reschedulable(full)
        assert not exception.is_reschedulable(exception.ImageNotFound(image="x"))
        assert not exception.is_reschedulable(exception.OverQuota(resources="x"))
        assert not exception.is_reschedulable(
            exception.DriverCannot(driver="d", what="configure hardware")
        )
        assert exception.is_reschedulable(workflow.StepFailed(reason="deploy failed"))
        assert exception.is_reschedulable(RuntimeError("a bug on one node"))
        assert workflow.describe_error(full)["reschedulable"] is False


class TestActionsFromError:
    def _failed_rebuild(self, world, api, engine_factory):
        (node,) = world.enroll(1)
        engine_factory()
        created = api.post("/v1/servers", json=_body(world, "r"), headers=ADMIN.headers)
        uuid = created.json()["uuid"]
        wait_for(lambda: _show(api, uuid)["status"] == states.ACTIVE)
        world.driver.set_behaviour(node, fail_deploy=1)
        resp = api.put(
            f"/v1/servers/{uuid}/states/provision",
            json={"target": "rebuild"},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 202
        wait_for(lambda: _show(api, uuid)["status"] == states.ERROR)
        return uuid, node

    def test_failed_rebuild_can_be_rebuilt_again(self, world, engine_factory, api):
        """A failed rebuild leaves error with the node held: rebuild recovers."""
        uuid, node = self._failed_rebuild(world, api, engine_factory)
        assert world.server(uuid).node_uuid == node
        resp = api.put(
            f"/v1/servers/{uuid}/states/provision",
            json={"target": "rebuild"},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 202, resp.text
        wait_for(lambda: _show(api, uuid)["status"] == states.ACTIVE)
        assert world.server(uuid).node_uuid == node

    def test_power_off_from_error_and_its_failure(self, world, engine_factory, api):
        """Power works from error; a failed power action goes back to error."""
        uuid, node = self._failed_rebuild(world, api, engine_factory)
        world.driver.set_behaviour(node, fail_power=1)
        resp = api.put(
            f"/v1/servers/{uuid}/states/power",
            json={"target": "off"},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 202, resp.text
        wait_for(lambda: len(world.faults(uuid)) == 2)
        wait_for(lambda: _show(api, uuid)["status"] == states.ERROR)
        assert "power off failed" in world.faults(uuid)[-1].message
        resp = api.put(
            f"/v1/servers/{uuid}/states/power",
            json={"target": "off"},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 202, resp.text
        wait_for(lambda: _show(api, uuid)["status"] == states.STOPPED)
        assert _show(api, uuid)["power_state"] == states.POWER_OFF

    def test_error_without_a_node_refuses_rebuild_and_power(
        self, world, engine_factory, api
    ):
        """A failed build holds no node: rebuild and power are refused (400)."""
        world.placement.ensure_resource_class(world.placement_rc)
        engine_factory()
        created = api.post("/v1/servers", json=_body(world, "x"), headers=ADMIN.headers)
        uuid = created.json()["uuid"]
        wait_for(lambda: _show(api, uuid)["status"] == states.ERROR)
        for path, target in (("provision", "rebuild"), ("power", "on")):
            resp = api.put(
                f"/v1/servers/{uuid}/states/{path}",
                json={"target": target},
                headers=ADMIN.headers,
            )
            assert resp.status_code == 400, resp.text
            assert resp.json()["code"] == "mogan.invalid_state"
            assert "without a node" in resp.text
