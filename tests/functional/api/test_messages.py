"""Error messages name resources as users know them: ``NAME (UUID)``.

The CLI resolves names to uuids, so a message holding only the uuid leaves
the user to map it back; the name comes first, the uuid stays for logs.
"""

import json

import pytest

from mogan.db import models
from tests.conftest import ADMIN, MEMBER
from tests.factories import make_flavor


def _fault(resp) -> str:
    return str(json.loads(resp.json()["error_message"])["faultstring"])


@pytest.fixture
def refs(client) -> dict[str, dict]:
    """A flavor, a whole-disk image, a kernel image, a partition image, a network."""

    def post(path: str, body: dict) -> dict:
        resp = client.post(path, json=body, headers=ADMIN.headers)
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    kernel = post(
        "/v1/images",
        {"name": "vmlinuz", "url": "http://i.test/k", "disk_format": "aki"},
    )
    return {
        "flavor": make_flavor(client, name="bm.gold"),
        "image": post(
            "/v1/images",
            {"name": "cirros", "url": "http://i.test/c.raw", "disk_format": "raw"},
        ),
        "kernel": kernel,
        "partition": post(
            "/v1/images",
            {
                "name": "centos-part",
                "url": "http://i.test/p.qcow2",
                "disk_format": "qcow2",
                "kernel_id": kernel["uuid"],
                "ramdisk_id": kernel["uuid"],
                "min_disk": 20,
            },
        ),
        "network": post("/v1/networks", {"name": "flat", "cidr": "10.7.0.0/24"}),
    }


def _server_body(refs: dict, **server) -> dict:
    return {
        "server": {
            "name": "web-1",
            "flavor_uuid": refs["flavor"]["uuid"],
            "image_uuid": refs["image"]["uuid"],
            "networks": [{"net_id": refs["network"]["uuid"]}],
            **server,
        }
    }


def _create(client, refs: dict, **server) -> dict:
    resp = client.post(
        "/v1/servers", json=_server_body(refs, **server), headers=MEMBER.headers
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def _named(resource: dict) -> str:
    return f"{resource['name']} ({resource['uuid']})"


class TestNamesInMessages:
    def test_flavor_in_use(self, client, refs):
        """``Flavor bm.gold (uuid) is still in use``."""
        _create(client, refs)
        resp = client.delete(
            f"/v1/flavors/{refs['flavor']['uuid']}", headers=ADMIN.headers
        )
        assert resp.status_code == 409
        assert _fault(resp).startswith(f"Flavor {_named(refs['flavor'])} is still")

    def test_disabled_flavor(self, client, refs):
        """``flavor bm.gold (uuid) is disabled``."""
        client.patch(
            f"/v1/flavors/{refs['flavor']['uuid']}",
            json=[{"op": "replace", "path": "/disabled", "value": True}],
            headers=ADMIN.headers,
        )
        resp = client.post(
            "/v1/servers", json=_server_body(refs), headers=ADMIN.headers
        )
        assert resp.status_code == 400
        assert f"flavor {_named(refs['flavor'])} is disabled" in _fault(resp)

    def test_locked_server(self, client, refs):
        """``Server web-1 (uuid) is locked``."""
        server = _create(client, refs)
        url = f"/v1/servers/{server['uuid']}"
        locked = client.put(
            f"{url}/states/lock", json={"target": True}, headers=MEMBER.headers
        )
        assert locked.status_code == 202
        resp = client.delete(url, headers=MEMBER.headers)
        assert resp.status_code == 400
        assert _fault(resp) == f"Server {_named(server)} is locked."

    def test_image_too_big_for_the_partition(self, client, refs):
        """``image centos-part (uuid) needs at least 20 GiB``."""
        resp = client.post(
            "/v1/servers",
            json=_server_body(
                refs, image_uuid=refs["partition"]["uuid"], partitions={"root_gb": 5}
            ),
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert f"image {_named(refs['partition'])} needs at least 20 GiB" in _fault(
            resp
        )

    def test_whole_disk_image_takes_no_partitions(self, client, refs):
        """``image cirros (uuid) is whole-disk``."""
        resp = client.post(
            "/v1/servers",
            json=_server_body(refs, partitions={"root_gb": 5}),
            headers=MEMBER.headers,
        )
        assert resp.status_code == 400
        assert f"image {_named(refs['image'])} is whole-disk" in _fault(resp)

    def test_kernel_image_in_use(self, client, refs):
        """Deleting a kernel names it and the images that boot with it."""
        resp = client.delete(
            f"/v1/images/{refs['kernel']['uuid']}", headers=ADMIN.headers
        )
        assert resp.status_code == 409
        assert (
            f"image {_named(refs['kernel'])} is the kernel or ramdisk of "
            f"{_named(refs['partition'])}"
        ) in _fault(resp)

    def test_network_in_use(self, client, refs, database):
        """Deleting a network with ports names the network."""
        with database.transaction() as session:
            session.add(
                models.Port(
                    uuid="5b0a0b8e-6c4e-4a38-9d54-8a1f3a6f0c11",
                    network_uuid=refs["network"]["uuid"],
                    fixed_ip="10.7.0.5",
                )
            )
        resp = client.delete(
            f"/v1/networks/{refs['network']['uuid']}", headers=ADMIN.headers
        )
        assert resp.status_code == 409
        assert f"network {_named(refs['network'])} still has 1 port" in _fault(resp)

    def test_flavor_access_not_found(self, client):
        """Removing a project a private flavor is not shared with names the flavor."""
        flavor = make_flavor(client, name="bm.private", is_public=False)
        resp = client.delete(
            f"/v1/flavors/{flavor['uuid']}/access/nobody", headers=ADMIN.headers
        )
        assert resp.status_code == 404
        assert f"{_named(flavor)} / nobody" in _fault(resp)
