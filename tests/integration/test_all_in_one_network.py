"""Floating IPs and interfaces end to end on a real ``mogan-all-in-one`` process.

The all-in-one runs with the fake driver and the embedded network backend,
as a user would start it; the test enrolls a node in the fake fleet (its
SQLite file is shared with the process), then, as a project member over
HTTP: creates a server with a fixed IP of its choosing, associates a
floating IP of an external network, attaches a second interface, removes
both, deletes the server, and counts what is left in Mogan's database and
on the node: nothing. A member of another project sees none of it and can
act on none of it.
"""

import pathlib
import uuid
from typing import Any

import httpx

from mogan.drivers import base as driver_base
from mogan.drivers import fake
from tests.conftest import MEMBER, OTHER
from tests.integration import conftest as it

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}
TIMEOUT = 60.0
FIXED_IP = "10.30.0.77"


def _ok(resp: httpx.Response, status: int) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json() if resp.content else None


def _count(db_url: str, sql: str) -> int:
    return int(it.query(db_url, sql)[0][0])


def test_server_with_floating_ip_and_second_interface_leaves_nothing(tmp_path):
    """The whole flow through the all-in-one: every port and mapping is gone."""
    sections = {
        "DEFAULT": {"host": "aio-network"},
        "engine": {"driver": "fake", **it.QUICK_ENGINE},
    }
    with it.all_in_one(tmp_path, sections) as (client, state, processes):
        db_url = f"sqlite:///{pathlib.Path(state) / 'mogan.sqlite'}"
        driver = fake.FakeDriver(str(state))
        rc = f"bm-net-{uuid.uuid4().hex[:6]}"
        node = str(uuid.uuid4())
        driver.enroll(
            driver_base.NodeSpec(
                uuid=node,
                name=f"{rc}-00",
                resource_class=rc,
                ports=("52:54:00:7f:00:01", "52:54:00:7f:00:02"),
            )
        )
        made = it.seed(client, rc)
        it.wait_for(
            lambda: it.synced_nodes(db_url, rc) == 1,
            "the node in Placement",
            TIMEOUT,
            processes,
        )
        public = _ok(
            client.post(
                "/v1/networks",
                json={"name": "public", "cidr": "172.24.4.0/24", "external": True},
                headers=V18,
            ),
            201,
        )
        second = _ok(
            client.post(
                "/v1/networks", json={"name": "second", "cidr": "10.31.0.0/24"}
            ),
            201,
        )
        member = {**MEMBER.headers, **V18}

        server = _ok(
            client.post(
                "/v1/servers",
                json={
                    "server": {
                        "name": "web",
                        "flavor_uuid": made["flavor"],
                        "image_uuid": made["image"],
                        "networks": [{"net_id": made["network"], "fixed_ip": FIXED_IP}],
                    }
                },
                headers=member,
            ),
            201,
        )["uuid"]
        url = f"/v1/servers/{server}"
        it.wait_for(
            lambda: client.get(url, headers=member).json()["status"] == "active",
            "the server active",
            TIMEOUT,
            processes,
        )

        fip = _ok(
            client.post(f"/v1/networks/{public['uuid']}/floating_ips", headers=member),
            201,
        )
        _ok(
            client.post(
                f"{url}/networks/floatingips",
                json={"address": fip["address"]},
                headers=member,
            ),
            204,
        )
        _ok(
            client.post(
                f"{url}/networks/interfaces",
                json={"net_id": second["uuid"]},
                headers=member,
            ),
            204,
        )
        nics = _ok(client.get(f"{url}/networks", headers=member), 200)["nics"]
        assert sorted(n["network_id"] for n in nics) == sorted(
            [made["network"], second["uuid"]]
        )
        assert [
            n["floating_ip"] for n in nics if n["network_id"] == made["network"]
        ] == [fip["address"]]
        addresses = client.get(url, headers=member).json()["addresses"]
        assert {"addr": fip["address"], "type": "floating"} in addresses[
            made["network"]
        ]
        assert {v.port_id for v in driver.vifs(node)} == {n["port_id"] for n in nics}
        [first] = [n for n in nics if n["network_id"] == made["network"]]
        assert [ip["ip_address"] for ip in first["fixed_ips"]] == [FIXED_IP]
        _other_project_sees_nothing(client, url, fip)

        [added] = [n for n in nics if n["network_id"] == second["uuid"]]
        _ok(
            client.delete(
                f"{url}/networks/floatingips/{fip['address']}", headers=member
            ),
            204,
        )
        _ok(
            client.delete(
                f"{url}/networks/interfaces/{added['port_id']}", headers=member
            ),
            204,
        )
        assert len(_ok(client.get(f"{url}/networks", headers=member), 200)["nics"]) == 1
        assert len(driver.vifs(node)) == 1
        actions = _ok(client.get(f"{url}/actions", headers=member), 200)["actions"]
        assert [a["action"] for a in actions][:2] == [
            "detach_interface",
            "attach_interface",
        ]

        _ok(client.delete(url, headers=member), 204)
        it.wait_for(
            lambda: client.get(url, headers=member).status_code == 404,
            "the server gone",
            TIMEOUT,
            processes,
        )

        assert _count(db_url, "SELECT count(*) FROM ports") == 0
        assert _count(db_url, "SELECT count(*) FROM server_nics") == 0
        assert (
            _count(
                db_url, "SELECT count(*) FROM floating_ips WHERE port_uuid IS NOT NULL"
            )
            == 0
        )
        assert _count(db_url, "SELECT count(*) FROM floating_ips") == 1
        assert (
            _count(
                db_url,
                "SELECT count(*) FROM workflows WHERE status IN ('pending', 'running')",
            )
            == 0
        )
        assert driver.vifs(node) == []
        driver.close()


def _other_project_sees_nothing(
    client: httpx.Client, url: str, fip: dict[str, Any]
) -> None:
    """A member of another project neither sees nor touches the server or its IP."""
    other = {**OTHER.headers, **V18}
    servers = _ok(client.get("/v1/servers/detail", headers=other), 200)["servers"]
    assert servers == []
    for path in (url, f"{url}/networks"):
        assert client.get(path, headers=other).status_code == 404
    floating = _ok(client.get("/v1/floating_ips", headers=other), 200)
    assert floating["floating_ips"] == []
    assert (
        client.delete(f"/v1/floating_ips/{fip['uuid']}", headers=other).status_code
        == 404
    )
    detach = client.delete(
        f"{url}/networks/floatingips/{fip['address']}", headers=other
    )
    assert detach.status_code == 404, detach.text
