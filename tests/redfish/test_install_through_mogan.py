"""A disk image on a Redfish node, through ``mogan-all-in-one``.

The all-in-one (its own process, ``[engine] driver = redfish``, an
installer ISO in ``[redfish] installer_iso_url``) deploys a qcow2 image:
the emulator boots the installer, which reads ``mogan/install.json`` from
the config drive Mogan serves at ``/v1/deploy_media``, downloads and checks
the image, writes it, and powers off; Mogan boots the disk. An image the
driver cannot deploy fails the server with a 400 fault and changes no BMC.
What happened is read from the emulator.
"""

import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mogan import states
from tests.integration import conftest as it
from tests.redfish import files, specs, support
from tests.redfish.fixtures import running

pytestmark = pytest.mark.services

TIMEOUT = 90.0
V15 = {"OpenStack-API-Version": "baremetal-compute 1.5"}
V16 = {"OpenStack-API-Version": "baremetal-compute 1.6"}
RC = "bm-install"
IMAGE = b"QFI\xfb\x00\x00\x00\x03" + bytes(range(256)) * 32


@pytest.fixture(scope="module")
def image_server() -> Iterator[files.FileServer]:
    """Serves the installer ISO and the disk image the BMCs download."""
    server = files.FileServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def emulator() -> support.Emulator:
    """The emulator with one system of this module's own."""
    found = running()
    found.reset(systems=(specs.system(f"rf-inst-{uuid.uuid4().hex[:6]}"),))
    return found


@pytest.fixture(scope="module")
def aio(tmp_path_factory, emulator, image_server) -> Iterator[tuple[Any, Any]]:
    """The all-in-one on the redfish driver, with an installer ISO."""
    tmp = tmp_path_factory.mktemp("mogan-redfish-install")
    sections = {
        "DEFAULT": {"host": "e2e-redfish-install"},
        "engine": {"driver": "redfish", **it.QUICK_ENGINE},
        "redfish": {
            "server_side_retries": 1,
            "server_side_retries_delay": 0.1,
            "installer_iso_url": image_server.add_installer(),
        },
    }
    with it.all_in_one(tmp, sections) as (client, _, processes):
        yield client, processes


def _post(client, path: str, body: dict[str, Any], headers=None) -> str:
    resp = client.post(path, json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["uuid"])


@pytest.fixture(scope="module")
def made(aio, emulator, image_server) -> dict[str, str]:
    """The node enrolled; a flavor, a network, a qcow2 and a vmdk image."""
    client, _ = aio
    [system] = emulator.systems()
    node = _post(
        client,
        "/v1/nodes",
        {
            "name": system.name,
            "driver": "redfish",
            "driver_info": {
                "address": emulator.url,
                "system_id": system.path,
                "username": emulator.username,
                "password": emulator.password,
                "verify_ca": False,
            },
            "resource_class": RC,
        },
        V16,
    )
    digest = hashlib.sha256(IMAGE).hexdigest()
    return {
        "node": node,
        "system": system.uuid,
        "digest": digest,
        "url": image_server.add("images/disk.qcow2", IMAGE),
        "flavor": _post(
            client,
            "/v1/flavors",
            {"name": "bm.inst", "resources": {it.placement_class(RC): 1}},
        ),
        "network": _post(
            client, "/v1/networks", {"name": "inst-net", "cidr": "10.41.0.0/24"}
        ),
        "qcow2": _post(
            client,
            "/v1/images",
            {
                "name": "disk-qcow2",
                "url": f"{image_server.url}/images/disk.qcow2",
                "disk_format": "qcow2",
                "checksum": f"sha256:{digest}",
            },
        ),
        "vmdk": _post(
            client,
            "/v1/images",
            {
                "name": "disk-vmdk",
                "url": image_server.add("images/disk.vmdk", b"KDMV" + bytes(512)),
                "disk_format": "vmdk",
            },
        ),
    }


def _create(aio, made, image: str, name: str) -> dict[str, Any]:
    """Create a server and wait until it is ACTIVE or ERROR; its last view."""
    client, _ = aio
    server = _post(
        client,
        "/v1/servers",
        {
            "server": {
                "name": name,
                "flavor_uuid": made["flavor"],
                "image_uuid": made[image],
                "networks": [{"net_id": made["network"]}],
            }
        },
        V15,
    )

    def show() -> dict[str, Any]:
        return dict(client.get(f"/v1/servers/{server}", headers=V15).json())

    return dict(
        it.wait_for(
            lambda: (s := show())["status"] in {states.ACTIVE, states.ERROR} and s,
            f"server {name} to deploy",
            TIMEOUT,
            aio[1],
        )
    )


def _delete(aio, made, server: str) -> None:
    client, processes = aio
    assert client.delete(f"/v1/servers/{server}").status_code == 204
    it.wait_for(
        lambda: client.get(f"/v1/servers/{server}").status_code == 404,
        "the server deleted",
        TIMEOUT,
        processes,
    )
    it.wait_for(
        lambda: client.get(f"/v1/nodes/{made['node']}", headers=V16).json()[
            "consumable"
        ],
        "the node consumable again",
        TIMEOUT,
        processes,
    )


def test_a_qcow2_server_is_installed_and_boots_its_disk(aio, emulator, made):
    """The installer writes the checked image and Mogan's config drive."""
    shown = _create(aio, made, "qcow2", "inst-1")
    assert shown["status"] == states.ACTIVE, shown.get("fault")
    system = emulator.system(made["system"])
    disk = system["disk"]
    assert disk["image_url"] == made["url"]
    assert disk["disk_format"] == "qcow2"
    assert disk["checksum"] == {"algorithm": "sha256", "value": made["digest"]}
    assert disk["checksum_verified"] is True
    # NOTE: the config drive Mogan built for this server reached the disk.
    meta = json.loads(disk["config_drive"]["openstack/latest/meta_data.json"])
    assert meta["uuid"] == shown["uuid"]
    assert system["last_boot"]["device"] == "Hdd"
    assert system["last_boot"]["image"] == made["url"]
    assert system["power_state"] == "On"
    assert not any(m["inserted"] for m in system["media"].values())
    _delete(aio, made, shown["uuid"])
    system = emulator.system(made["system"])
    assert system["power_state"] == "Off"
    assert not any(m["inserted"] for m in system["media"].values())


def test_an_image_the_driver_cannot_deploy_is_a_400_fault(aio, emulator, made):
    """A vmdk: ERROR with a 400 fault naming the format, no BMC request."""
    before = len(emulator.requests())
    boots = emulator.system(made["system"])["boot_count"]
    shown = _create(aio, made, "vmdk", "inst-2")
    assert shown["status"] == states.ERROR
    fault = shown["fault"]
    assert fault["code"] == 400, fault
    assert "disk_format vmdk" in fault["message"]
    changes = [
        r
        for r in emulator.requests()[before:]
        if r["method"] not in {"GET", "HEAD"} and "/Sessions" not in r["path"]
    ]
    assert changes == []
    assert emulator.system(made["system"])["boot_count"] == boots
    _delete(aio, made, shown["uuid"])
