"""The Redfish driver's composition interface against the emulator's CompositionService.

The conformance tests of the interface run in ``test_redfish.py`` (the
contract's ``make_composition_service`` hook); these check what is
Redfish's own: capacities and limits read from the standard resources, the
service's messages in refusals, repeated starts, slow and failing
compositions, service addresses, and a composed system deployed by virtual
media with the deploy tests' ``Lab``.
"""

import dataclasses
import json

import httpx
import pytest
import requests
import sushy

from mogan.drivers import base, configdrive_iso, redfish_blocks, redfish_composition
from tests.drivers.test_redfish_deploy import DRIVE, Lab, wait
from tests.redfish import specs
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

pytestmark = pytest.mark.services

DONE = base.Status(base.Progress.DONE)
IN_PROGRESS = base.Status(base.Progress.IN_PROGRESS)
GIB = 1024**3


@pytest.fixture
def lab(redfish, file_server):
    """A Redfish driver on the emulator (deploys with the file server's media)."""
    made = Lab(redfish, file_server)
    yield made
    made.driver.close()


def service_of(emulator, pool, address_suffix="", **fields):
    """Give the emulator ``pool``; its composition service's access."""
    emulator.set_pool(pool)
    values = {
        "address": emulator.url + address_suffix,
        "username": emulator.username,
        "password": emulator.password,
    }
    values.update(fields)
    return base.BmcAccess(**values)


def request(name, *blocks):
    """A compose request for these blocks."""
    return base.ComposeRequest(name, "composed", tuple(blocks))


def settle(poll, service, path, timeout=15.0):
    """Poll a (de)composition until it is no longer in progress."""
    return wait(lambda p: poll(service, p), path, timeout)


def test_capacities_and_limits_from_the_standard_resources(lab):
    """Threads, cores, MiB, GiB, accelerators by model, MACs; zone limits."""
    pool = specs.pool(
        [
            {
                **specs.compute_block("cpu", "z1", sockets=2, cores=16),
                "nics": [{"mac": "52:54:00:AB:CD:01"}],
            },
            specs.processor_block("gpu", "z1", model="NVIDIA A100", count=2),
            specs.storage_block("disk", "z1", drives_gb=(960, 1920)),
        ],
        limits={"MinCompute": 1, "MaxCompute": 1, "MaxProcessor": 2},
    )
    service = service_of(lab.emulator, pool)
    [zone] = lab.driver.list_resource_zones(service)
    assert zone == base.ResourceZone(
        id="z1",
        name="z1",
        blocks=("cpu", "gpu", "disk"),
        limits={"MinCompute": 1, "MaxCompute": 1, "MaxProcessor": 2},
    )
    blocks = {b.id: b for b in lab.driver.list_resource_blocks(service)}
    cpu, gpu, disk = blocks["cpu"], blocks["gpu"], blocks["disk"]
    assert (cpu.block_types, cpu.zones) == (("Compute",), ("z1",))
    assert (cpu.cores, cpu.cpus, cpu.memory_mb) == (32, 64, 64 * 1024)
    assert cpu.macs == ("52:54:00:ab:cd:01",)
    assert (gpu.accelerators, gpu.cpus, gpu.memory_mb) == ({"NVIDIA A100": 2}, 0, 0)
    assert disk.storage_gb == (960 + 1920) * specs.GB // GIB
    assert all(b.free and not b.reserved for b in blocks.values())


def test_chassis_from_links_chassis(lab):
    """Each block's chassis ids, in the service's order; none when it links none."""
    pool = specs.pool(
        [
            specs.compute_block("cpu", "z1", chassis=("blade-7", "rack-2")),
            specs.storage_block("disk", "z1", chassis="jbof-1"),
            specs.memory_block("mem", "z1"),
        ]
    )
    service = service_of(lab.emulator, pool)
    with lab.emulator.http() as http:
        raw = http.get("/redfish/v1/CompositionService/ResourceBlocks/cpu").json()
    assert raw["Links"]["Chassis"] == [
        {"@odata.id": "/redfish/v1/Chassis/blade-7"},
        {"@odata.id": "/redfish/v1/Chassis/rack-2"},
    ]
    blocks = {b.id: b for b in lab.driver.list_resource_blocks(service)}
    assert blocks["cpu"].chassis == ("blade-7", "rack-2")
    assert blocks["disk"].chassis == ("jbof-1",)
    assert blocks["mem"].chassis == ()


def test_refusals_carry_the_services_message(lab):
    """Limits broken or zones mixed: DriverError with the service's reason."""
    pool = specs.simple_pool(("zone-a", "zone-b"), compute=2, gpu=1)
    service = service_of(lab.emulator, pool)
    with pytest.raises(base.DriverError, match=r"limits are 1\.\.1") as raised:
        lab.driver.start_compose(
            service, request("two", "zone-a-compute-0", "zone-a-compute-1")
        )
    assert not isinstance(raised.value, base.BlockTaken)
    with pytest.raises(base.DriverError, match="share no resource zone"):
        lab.driver.start_compose(
            service, request("mixed", "zone-a-compute-0", "zone-b-gpu-0")
        )
    with pytest.raises(base.DriverError, match="nope"):
        lab.driver.start_compose(
            service, request("unknown", "zone-a-compute-0", "nope")
        )
    assert {b["state"] for b in lab.emulator.pool()["blocks"].values()} == {"Unused"}


def test_a_repeated_start_gives_the_same_system(lab):
    """The same name and blocks again: its path; the name with others: refused."""
    service = service_of(lab.emulator, specs.simple_pool(compute=2))
    first = lab.driver.start_compose(service, request("web-1", "zone-a-compute-0"))
    again = lab.driver.start_compose(service, request("web-1", "zone-a-compute-0"))
    assert again == first
    with pytest.raises(base.BlockTaken, match="zone-a-compute-0") as raised:
        lab.driver.start_compose(service, request("web-2", "zone-a-compute-0"))
    assert raised.value.block == "zone-a-compute-0"
    with pytest.raises(base.DriverError, match="web-1") as raised:
        lab.driver.start_compose(service, request("web-1", "zone-a-compute-1"))
    assert not isinstance(raised.value, base.BlockTaken)
    owners = {b["system"] for b in lab.emulator.pool()["blocks"].values()}
    assert owners == {first.rsplit("/", 1)[1], None}


def test_slow_and_failing_compositions(lab):
    """Composing polls in progress; a decompose fault is the service's message."""
    lab.emulator.set_delays(compose=0.3)
    service = service_of(lab.emulator, specs.simple_pool(compute=1))
    path = lab.driver.start_compose(service, request("slow", "zone-a-compute-0"))
    assert lab.driver.poll_compose(service, path) == IN_PROGRESS
    assert settle(lab.driver.poll_compose, service, path) == DONE
    lab.emulator.fail("decompose", message="fabric error")
    with pytest.raises(base.DriverError, match="fabric error"):
        lab.driver.start_decompose(service, path)
    assert lab.driver.poll_decompose(service, path) == IN_PROGRESS
    lab.driver.start_decompose(service, path)
    assert settle(lab.driver.poll_decompose, service, path) == DONE
    gone = lab.driver.poll_compose(service, path)
    assert gone.progress is base.Progress.FAILED
    assert "gone" in (gone.error or "")
    lab.emulator.fail("compose", status=400, message="no fabric")
    with pytest.raises(base.DriverError, match="no fabric"):
        lab.driver.start_compose(service, request("other", "zone-a-compute-0"))


def test_service_addresses_and_credentials(lab):
    """The root, /redfish/v1 or the service's path (one session for all).

    A system's address or a bad password are refused.
    """
    pool = specs.simple_pool(compute=1)
    for suffix in ("", "/", "/redfish/v1", "/redfish/v1/CompositionService/"):
        service = service_of(lab.emulator, pool, suffix)
        assert [b.id for b in lab.driver.list_resource_blocks(service)] == [
            "zone-a-compute-0"
        ]
    # NOTE: one session for every form of the address, shared by the calls.
    assert [r["auth"] for r in lab.emulator.requests()].count("login") == 1
    with pytest.raises(base.BmcRefused, match="host"):
        lab.driver.list_resource_blocks(
            service_of(lab.emulator, pool, "/redfish/v1/Systems/x")
        )
    with pytest.raises(base.BmcRefused, match="host"):
        redfish_composition.service_base("ftp://bmc")
    with pytest.raises(base.BmcRefused):
        lab.driver.list_resource_zones(service_of(lab.emulator, pool, password="bad"))
    lab.emulator.set_pool(None)
    with pytest.raises(base.DriverError, match="no CompositionService"):
        lab.driver.list_resource_blocks(service_of(lab.emulator, None))


def test_a_composed_system_deploys_by_virtual_media(lab):
    """Enrolled through ``composed_bmc``: image and config drive, booted, freed."""
    service = service_of(lab.emulator, specs.simple_pool(compute=1, storage=1))
    path = lab.driver.start_compose(
        service, request("vm-1", "zone-a-compute-0", "zone-a-storage-0")
    )
    assert settle(lab.driver.poll_compose, service, path) == DONE
    bmc = lab.driver.composed_bmc(service, path)
    assert bmc.address == lab.emulator.url + path
    longer = dataclasses.replace(service, address=lab.emulator.url + "/redfish/v1/")
    assert lab.driver.composed_bmc(longer, path) == bmc
    assert bmc.password == lab.emulator.password
    node = "5a0e6a0c-0000-4000-8000-000000000001"
    lab.driver.enroll(base.NodeSpec(uuid=node, name="vm-1", resource_class="c"), bmc)
    lab.systems[node] = path.rsplit("/", 1)[1]
    inventory = lab.driver.get_inventory(node)
    assert inventory.memory_mb == 64 * 1024
    assert [d.size_gb for d in inventory.disks] == [960 * specs.GB // GIB]
    deploy = lab.request(config_drive=DRIVE)
    assert lab.deploy(node, deploy) == DONE
    seen = lab.bmc(node)
    assert seen["power_state"] == "On"
    assert seen["last_boot"]["image"] == deploy.image_url
    drive = httpx.get(seen["media"]["Floppy"]["image"], timeout=10).content
    assert configdrive_iso.read(drive) == DRIVE
    assert lab.teardown(node) == DONE
    lab.driver.unenroll(node)
    lab.driver.start_decompose(service, path)
    assert settle(lab.driver.poll_decompose, service, path) == DONE
    assert {b["state"] for b in lab.emulator.pool()["blocks"].values()} == {"Unused"}
    assert lab.media.served() == []


def conflict(message):
    """A 409 ``ResourceInUse`` as sushy raises it, without RelatedProperties."""
    response = requests.Response()
    response.status_code = 409
    info = {
        "MessageId": "Base.1.8.ResourceInUse",
        "Message": message,
        "Severity": "Warning",
    }
    error = {"code": info["MessageId"], "message": message}
    error["@Message.ExtendedInfo"] = [info]
    response._content = json.dumps({"error": error}).encode()
    return sushy.exceptions.HTTPError("POST", "/redfish/v1/Systems", response)


def test_the_taken_block_without_related_properties(lab):
    """Other services' 409s: the block from the message, else from the blocks."""
    service = service_of(lab.emulator, specs.simple_pool(compute=2, gpu=1))
    lab.driver.start_compose(service, request("in-use", "zone-a-compute-1"))
    root = lab.driver.connections.root_at(lab.emulator.url, service)
    svc = redfish_blocks.Service(root, service.address, 2)
    asked = request("x", "zone-a-gpu-0", "zone-a-compute-0", "zone-a-compute-1")
    blocks = "/redfish/v1/CompositionService/ResourceBlocks"
    named = conflict(f"{blocks}/zone-a-compute-0 is in use")
    assert redfish_composition._taken(svc, asked, named) == "zone-a-compute-0"
    silent = conflict("a block is in use")
    assert redfish_composition._taken(svc, asked, silent) == "zone-a-compute-1"
    # NOTE: none of the blocks asked for is in use: it cannot be told.
    free = request("y", "zone-a-gpu-0", "zone-a-compute-0")
    assert redfish_composition._taken(svc, free, silent) is None


def test_a_refusal_naming_no_block_is_block_taken_of_none(lab):
    """A 409 ``ResourceInUse`` that cannot be pinned: ``BlockTaken`` with no block."""
    service = service_of(lab.emulator, specs.simple_pool(compute=2))
    lab.emulator.fail(
        "compose", status=409, message_id="ResourceInUse", message="a block is in use"
    )
    with pytest.raises(base.BlockTaken) as raised:
        lab.driver.start_compose(service, request("z", "zone-a-compute-0"))
    assert raised.value.block is None
    assert "did not say which" in raised.value.message
    assert "a block is in use" in raised.value.message
    assert raised.value.reschedulable


def test_decompose_polls_read_only_the_systems_blocks(lab):
    """Given the system's blocks, a decompose poll reads those, not the pool."""
    service = service_of(lab.emulator, specs.simple_pool(compute=4))
    path = lab.driver.start_compose(service, request("few", "zone-a-compute-1"))
    assert settle(lab.driver.poll_compose, service, path) == DONE
    lab.driver.start_decompose(service, path)
    before = len(lab.emulator.requests())

    def poll(svc, system):
        return lab.driver.poll_decompose(svc, system, ("zone-a-compute-1",))

    assert settle(poll, service, path) == DONE
    read = {
        r["path"].rsplit("/", 1)[1]
        for r in lab.emulator.requests()[before:]
        if "/ResourceBlocks/" in r["path"]
    }
    assert read == {"zone-a-compute-1"}
    # NOTE: a block the service no longer has is not one still composed.
    lab.emulator.set_pool(specs.simple_pool(compute=1))
    assert lab.driver.poll_decompose(service, path, ("zone-a-compute-1",)) == DONE


def test_find_system_reads_only_the_blocks_systems(lab):
    """Given blocks, ``find_system`` reads those and their systems, not every one."""
    service = service_of(lab.emulator, specs.simple_pool(compute=4))
    path = lab.driver.start_compose(service, request("found", "zone-a-compute-1"))
    lab.driver.start_compose(service, request("other", "zone-a-compute-2"))
    before = len(lab.emulator.requests())
    assert lab.driver.find_system(service, "found", ("zone-a-compute-1",)) == path
    read = {r["path"] for r in lab.emulator.requests()[before:] if r["method"] == "GET"}
    blocks = "/redfish/v1/CompositionService/ResourceBlocks"
    assert read - {"/redfish/v1/CompositionService"} == {
        f"{blocks}/zone-a-compute-1",
        path,
    }
    # NOTE: without blocks, every system is looked at.
    assert lab.driver.find_system(service, "other") is not None
