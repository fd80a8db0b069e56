"""mogan-api, mogan-scheduler and mogan-engine as three OS processes (issue 3).

The services tier: PostgreSQL holds Mogan's database and, in another
database, the embedded Placement that the scheduler (claims) and the engine
(node sync, releases) each embed and so share; RabbitMQ carries the nudges
and the scheduler calls on an exchange of the test's own. A server goes
through create, power off and on, rebuild and delete over HTTP.
"""

import subprocess
import uuid

import pytest

from mogan import states
from mogan.drivers import fake
from tests.integration import conftest as it

RESOURCE_CLASS = "bm-three"
STEP_TIMEOUT = 30.0
DEPLOY_SECONDS = 1.0


@pytest.mark.services
class TestThreeProcesses:
    def test_server_lifecycle_across_processes(
        self, tmp_path, processes, rabbitmq, postgres_url, placement_url
    ):
        """A server is created, powered off and on, rebuilt and deleted."""
        state = tmp_path / "state"
        driver = fake.FakeDriver(str(state))
        (node,) = it.enroll(driver, 1, RESOURCE_CLASS)
        # NOTE: a rebuild long enough to be seen in progress.
        driver.set_behaviour(node, deploy_seconds=DEPLOY_SECONDS)
        port = it.free_port()
        conf_file = it.write_conf(
            tmp_path / "mogan.conf",
            {
                "DEFAULT": {
                    "host": f"three-{uuid.uuid4().hex[:8]}",
                    "transport_url": rabbitmq,
                    "control_exchange": f"mogan-it-{uuid.uuid4().hex[:8]}",
                    "state_path": state,
                },
                "database": {"connection": postgres_url},
                "api": {
                    "host_ip": "127.0.0.1",
                    "port": port,
                    "auth_strategy": "noauth",
                },
                "placement": {"embedded": "true", "embedded_connection": placement_url},
                "engine": {
                    "poll_interval": 0.1,
                    "hardware_poll_interval": 0.1,
                    "sync_nodes_interval": 1,
                    "heartbeat_interval": 1,
                    "lease_seconds": 10,
                },
            },
        )
        subprocess.run(
            [str(it.BIN / "mogan-dbsync"), "--config-file", conf_file, "upgrade"],
            check=True,
            capture_output=True,
        )
        started = {
            name: processes.start(name, "--config-file", conf_file)
            for name in ("mogan-engine", "mogan-scheduler", "mogan-api")
        }
        with it.api_client(port) as client:
            it.wait_for_api(client, started["mogan-api"], processes)
            made = it.seed(client, RESOURCE_CLASS)
            it.wait_for(
                lambda: it.synced_nodes(postgres_url, RESOURCE_CLASS) == 1,
                "the engine to put the node in Placement",
                STEP_TIMEOUT,
                processes,
            )

            def show() -> dict:
                return dict(client.get(f"/v1/servers/{server}").json())

            def reaches(status: str) -> dict:
                return dict(
                    it.wait_for(
                        lambda: (s := show())["status"] == status and s,
                        f"server {status}",
                        STEP_TIMEOUT,
                        processes,
                    )
                )

            server = it.create_server(client, made, "three")
            shown = reaches(states.ACTIVE)
            assert shown["power_state"] == states.POWER_ON
            assert [a["type"] for a in shown["addresses"][made["network"]]] == ["fixed"]
            assert it.allocations(placement_url) == {server: node}
            assert driver.get_node(node).instance_uuid == server

            for target, status, power in (
                ("off", states.STOPPED, states.POWER_OFF),
                ("on", states.ACTIVE, states.POWER_ON),
            ):
                resp = client.put(
                    f"/v1/servers/{server}/states/power", json={"target": target}
                )
                assert resp.status_code == 202, resp.text
                assert reaches(status)["power_state"] == power
                assert driver.get_power_state(node) == power

            resp = client.put(
                f"/v1/servers/{server}/states/provision", json={"target": "rebuild"}
            )
            assert resp.status_code == 202, resp.text
            assert show()["status"] == states.REBUILDING
            reaches(states.ACTIVE)
            assert "rebuild" in driver.console_log(node)

            assert client.delete(f"/v1/servers/{server}").status_code == 204
            it.wait_for(
                lambda: client.get(f"/v1/servers/{server}").status_code == 404,
                "the server to be deleted",
                STEP_TIMEOUT,
                processes,
            )
            assert it.allocations(placement_url) == {}
            assert driver.get_node(node).instance_uuid is None
            for name, proc in started.items():
                assert processes.stop(proc) == 0, name
