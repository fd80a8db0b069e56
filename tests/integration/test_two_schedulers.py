"""Two mogan-scheduler processes claiming side by side (issue 4, services tier).

50 concurrent create requests of 1-3 servers each (110 servers in all) go
to 100 nodes through mogan-api, mogan-engine and TWO mogan-scheduler
processes sharing one RabbitMQ topic, on PostgreSQL, with the embedded
Placement shared through a PostgreSQL database of its own. No node may be
double-booked and every request must be wholly placed or wholly failed.
"""

import collections
import concurrent.futures
import subprocess
import uuid

import pytest

from mogan import states
from mogan.drivers import fake
from tests.integration import conftest as it

RESOURCE_CLASS = "bm-two"
NODES = 100
# NOTE: 20 x 3 + 20 x 2 + 10 x 1 = 110 servers for 100 nodes: some must fail.
COUNTS = [3] * 20 + [2] * 20 + [1] * 10
TIMEOUT = 180.0


@pytest.mark.services
class TestTwoSchedulers:
    def test_concurrent_multi_creates_never_double_book(
        self, tmp_path, processes, rabbitmq, postgres_url, placement_url
    ):
        """Every request is all placed or all failed; no node has two servers."""
        state = tmp_path / "state"
        driver = fake.FakeDriver(str(state))
        nodes = set(it.enroll(driver, NODES, RESOURCE_CLASS))
        port = it.free_port()
        exchange = f"mogan-it-{uuid.uuid4().hex[:8]}"
        sections = {
            "DEFAULT": {
                "host": "two-api-engine",
                "transport_url": rabbitmq,
                "control_exchange": exchange,
                "state_path": state,
            },
            "database": {"connection": postgres_url},
            "api": {"host_ip": "127.0.0.1", "port": port, "auth_strategy": "noauth"},
            "placement": {"embedded": "true", "embedded_connection": placement_url},
            # NOTE: one project takes the whole fleet here.
            "quota": {"servers_hard_limit": -1},
            "engine": {
                "poll_interval": 0.1,
                "hardware_poll_interval": 0.1,
                "sync_nodes_interval": 2,
                "heartbeat_interval": 1,
                "lease_seconds": 20,
            },
        }
        conf_file = it.write_conf(tmp_path / "mogan.conf", sections)
        subprocess.run(
            [str(it.BIN / "mogan-dbsync"), "--config-file", conf_file, "upgrade"],
            check=True,
            capture_output=True,
        )
        schedulers = []
        for name in ("sched-a", "sched-b"):
            own = it.write_conf(
                tmp_path / f"{name}.conf",
                {**sections, "DEFAULT": {**sections["DEFAULT"], "host": name}},
            )
            schedulers.append(processes.start("mogan-scheduler", "--config-file", own))
        api = processes.start("mogan-api", "--config-file", conf_file)
        processes.start("mogan-engine", "--config-file", conf_file)
        with it.api_client(port) as client:
            it.wait_for_api(client, api, processes)
            made = it.seed(client, RESOURCE_CLASS)
            it.wait_for(
                lambda: it.synced_nodes(postgres_url, RESOURCE_CLASS) == NODES,
                "the engine to put every node in Placement",
                TIMEOUT,
                processes,
            )

            def create(index: int) -> int:
                count = COUNTS[index]
                resp = client.post(
                    "/v1/servers",
                    json={
                        "server": {
                            "name": f"req-{index}",
                            "flavor_uuid": made["flavor"],
                            "image_uuid": made["image"],
                            "networks": [{"net_id": made["network"]}],
                            "min_count": count,
                            "max_count": count,
                        }
                    },
                )
                assert resp.status_code == 201, resp.text
                return count

            with concurrent.futures.ThreadPoolExecutor(50) as pool:
                assert sum(pool.map(create, range(len(COUNTS)))) == sum(COUNTS)

            def settled() -> bool:
                rows = it.query(postgres_url, "SELECT status FROM servers")
                return len(rows) == sum(COUNTS) and all(
                    s in {states.ACTIVE, states.ERROR} for (s,) in rows
                )

            it.wait_for(settled, "every server active or error", TIMEOUT, processes)

        rows = it.query(
            postgres_url, "SELECT request_id, status, node_uuid FROM servers"
        )
        doubled = it.query(
            placement_url,
            "SELECT rp.uuid, a.consumer_id, a.created_at, a.id FROM allocations a "
            "JOIN resource_providers rp ON rp.id = a.resource_provider_id "
            "WHERE a.resource_provider_id IN (SELECT resource_provider_id "
            "FROM allocations GROUP BY resource_provider_id HAVING count(*) > 1)",
        )
        assert not doubled, doubled
        by_request = collections.defaultdict(list)
        for request_id, status, node_uuid in rows:
            by_request[request_id].append((status, node_uuid))
        assert sorted(len(v) for v in by_request.values()) == sorted(COUNTS)
        for servers in by_request.values():
            assert len({status for status, _ in servers}) == 1, servers
        active_nodes = [n for _, s, n in rows if s == states.ACTIVE]
        assert len(active_nodes) == len(set(active_nodes))
        assert set(active_nodes) <= nodes
        # NOTE: the 110 servers cannot all fit, but requests fail whole, so
        # at least 98 of the 100 nodes are used (a 3-server request may
        # fail with 2 nodes free).
        assert len(active_nodes) >= NODES - 2
        claimed = it.allocations(placement_url)
        servers_claimed = {c: n for c, n in claimed.items() if n in nodes}
        assert len(set(servers_claimed.values())) == len(servers_claimed)
        assert set(servers_claimed.values()) == set(active_nodes)
        for proc in schedulers:
            assert processes.stop(proc) == 0
        logs = [log.read_text() for _, log in processes.started[: len(schedulers)]]
        for name, log in zip(("sched-a", "sched-b"), logs, strict=True):
            assert f"{name} placed" in log, f"{name} served no request"
