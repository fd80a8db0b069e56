"""The ``mogan`` CLI's server network commands on the Neutron backend.

A project member's Keystone token in clouds.yaml (``auth_type: token``),
the CLI in-process (``mogan_cli.shell.main``) reaching Mogan's real app
(keystonemiddleware, ``[network] backend = neutron``) through httpx's WSGI
transport, and the real engine with the fake driver. The member maps a
floating IP made in Neutron, attaches a Neutron network by its UUID (none
of Mogan's own networks) and their own port, lists, and removes all
three; Neutron is read back as its admin.
"""

import json
import os
import uuid
from typing import Any

import httpx
import pytest
import yaml

from mogan import states
from mogan.api import app as api_app
from mogan_cli import shell
from tests.keystone import support as keystone_support
from tests.neutron import fixtures, l3
from tests.neutron.fixtures import cable

pytestmark = pytest.mark.services

globals().update(fixtures.FIXTURES)

wait_for = fixtures.engine_support.wait_for
CLOUD = "nfip"
ENDPOINT = "http://mogan.test/"


@pytest.fixture
def cli(econf, database, tenant, tmp_path, monkeypatch, capsys):
    """Run ``mogan --os-cloud nfip ARGS`` as the tenant's member; its JSON or None."""
    app = api_app.create_app(econf, database)
    for key in [k for k in os.environ if k.startswith("OS_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    cloud = {
        "region_name": keystone_support.REGION,
        "auth_type": "token",
        "auth": {
            "auth_url": tenant.neutron.keystone.url,
            "token": tenant.member.token,
            "project_id": tenant.project_id,
        },
    }
    (tmp_path / "clouds.yaml").write_text(yaml.safe_dump({"clouds": {CLOUD: cloud}}))

    def run(*args: str) -> Any:
        capsys.readouterr()
        code = shell.main(
            ["--os-cloud", CLOUD, "--os-endpoint", ENDPOINT, *args],
            transport=httpx.WSGITransport(app=app),
        )
        out, err = capsys.readouterr()
        assert code == 0, err
        return json.loads(out) if out.strip() else None

    return run


def test_floating_ip_network_and_port_through_the_cli(
    world, api, engine_factory, tenant, neutron, cli
):
    """add/remove floating ip, network (a Neutron UUID) and port; list shows them."""
    (node,) = world.enroll(1, ports=3)
    cable(world, node)
    engine_factory()
    resp = api.post(
        "/v1/servers",
        json={
            "server": {
                "name": "cli-web",
                "flavor_uuid": world.flavor_uuid,
                "image_uuid": world.image_uuid,
                "networks": [{"net_id": tenant.network_id}],
            }
        },
        headers=tenant.headers,
    )
    assert resp.status_code == 201, resp.text
    server = resp.json()["uuid"]
    wait_for(
        lambda: (
            api.get(f"/v1/servers/{server}", headers=tenant.headers).json()["status"]
            == states.ACTIVE
        ),
        timeout=60,
    )
    l3.route(neutron, tenant.member.token, tenant.subnet_id)
    fip = l3.floating_ip(neutron, tenant.member.token)
    address = fip["floating_ip_address"]
    second_net, _ = tenant.network(
        f"10.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}.0/24"
    )
    own = tenant.own_port()

    cli("server", "add", "floating", "ip", "cli-web", address)
    cli("server", "add", "network", "cli-web", second_net)
    cli("server", "add", "port", "cli-web", own["id"])
    rows = cli("server", "network", "list", "cli-web", "-f", "json")
    assert {r["Network ID"] for r in rows} == {tenant.network_id, second_net}
    assert {r["Port ID"] for r in rows} >= {own["id"]}
    assert [r["Floating IP"] for r in rows if r["Floating IP"]] == [address]
    assert l3.show(neutron, fip["id"])["port_id"] is not None
    assert len(tenant.ports(device_id=server)) == 3

    cli("server", "remove", "floating", "ip", "cli-web", address)
    cli("server", "remove", "network", "cli-web", second_net)
    cli("server", "remove", "port", "cli-web", own["id"])
    rows = cli("server", "network", "list", "cli-web", "-f", "json")
    assert [(r["Network ID"], r["Floating IP"]) for r in rows] == [
        (tenant.network_id, None)
    ]
    assert l3.show(neutron, fip["id"])["port_id"] is None
    assert len(tenant.ports(device_id=server)) == 1
    assert tenant.ports(network_id=second_net) == []
    assert tenant.port(own["id"])["device_id"] == ""
