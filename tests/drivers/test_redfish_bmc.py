"""The Redfish driver's BMC side: addresses, sessions, TLS, retries, power."""

import time
import uuid

import pytest

from mogan.drivers import base, redfish_client, store
from mogan.drivers import redfish as redfish_driver
from tests.drivers.test_redfish import FileMedia, bmc_of, make_conf
from tests.redfish import specs, support
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
    redfish_tls_fixture,
)

pytestmark = pytest.mark.services

DONE = base.Status(base.Progress.DONE)


def wait(poll, node_uuid, timeout=10.0):
    """Poll until not in progress; the status."""
    deadline = time.monotonic() + timeout
    while (status := poll(node_uuid)).progress is base.Progress.IN_PROGRESS:
        assert time.monotonic() < deadline, f"{poll.__name__} never finished"
        time.sleep(0.02)
    return status


@pytest.fixture
def driver(file_server):
    """A Redfish driver with a memory store and the file server as media."""
    made = redfish_driver.RedfishDriver(make_conf())
    made.use_store(store.MemoryNodeStore(), FileMedia(file_server))
    yield made
    made.close()


def enroll(driver, emulator, system, **spec):
    """Enroll ``system``; the node's uuid."""
    node_uuid = str(uuid.uuid4())
    fields = {"name": f"n-{node_uuid[:6]}", "resource_class": "gold", **spec}
    driver.enroll(base.NodeSpec(uuid=node_uuid, **fields), bmc_of(emulator, system))
    return node_uuid


@pytest.mark.parametrize(
    ("address", "base_url", "path"),
    [
        (
            "https://10.0.0.5/redfish/v1/Systems/1",
            "https://10.0.0.5",
            "/redfish/v1/Systems/1",
        ),
        (
            "http://bmc:8000/redfish/v1/Systems/abc/",
            "http://bmc:8000",
            "/redfish/v1/Systems/abc",
        ),
        (
            "redfish+https://[fd00::5]:443/redfish/v1/Systems/X",
            "https://[fd00::5]:443",
            "/redfish/v1/Systems/X",
        ),
    ],
)
def test_address_forms(address, base_url, path):
    """The service root is scheme and authority, the system the path."""
    parsed = redfish_client.parse_address(address)
    assert (parsed.base_url, parsed.system_path) == (base_url, path)


@pytest.mark.parametrize(
    "address",
    [
        "ftp://bmc/redfish/v1/Systems/1",
        "https://bmc/",
        "https://bmc/redfish/v1/Systems/",
        "bmc",
        "https://bmc/redfish/v1/Systems/1/Bios",
    ],
)
def test_bad_addresses_are_refused(address):
    """Anything but .../redfish/v1/Systems/<id> over http(s) is refused."""
    with pytest.raises(base.BmcRefused, match="Systems/<id>"):
        redfish_client.parse_address(address)


def test_validate_reads_the_inventory(driver, redfish):
    """Processors, memory, drives, RAID levels, NICs, BIOS registry, firmware."""
    system = redfish.add_system(
        specs.system(
            "inv",
            cpus=2,
            cores=8,
            memory_gib=128,
            macs=("52:54:00:00:00:0a", "52:54:00:00:00:0b"),
            drives=3,
            raid_types=("RAID0", "RAID1", "RAID5", "RAID10", "RAID50", "RAID60"),
            bios={"SriovGlobalEnable": "Enabled"},
            bios_version="2.0.1",
        )
    )
    inventory = driver.validate_bmc(bmc_of(redfish, system))
    assert (inventory.cpus, inventory.cpu_arch, inventory.memory_mb) == (
        32,
        "x86_64",
        131072,
    )
    assert [n.mac for n in inventory.nics] == ["52:54:00:00:00:0a", "52:54:00:00:00:0b"]
    assert len(inventory.disks) == 3
    assert {(d.type, d.size_gb, d.controller) for d in inventory.disks} == {
        (base.DiskType.SSD, 447, "RAID.Integrated.1")
    }
    [controller] = inventory.raid_controllers
    assert controller.raid_levels == ("0", "1", "5", "1+0", "5+0", "6+0")
    sriov = inventory.bios["SriovGlobalEnable"]
    assert sriov.current_value == "Enabled"
    assert sriov.attribute_type is base.BiosAttributeType.ENUMERATION
    assert sriov.allowable_values == ("Enabled", "Disabled")
    assert inventory.bios["SystemServiceTag"].read_only
    delay = inventory.bios["AcPwrRcvryUserDelay"]
    assert (delay.attribute_type, delay.lower_bound, delay.upper_bound) == (
        base.BiosAttributeType.INTEGER,
        60,
        240,
    )
    assert {(c.component, c.current_version) for c in inventory.firmware} == {
        ("bios", "2.0.1"),
        ("bmc", "1.00"),
    }


def test_firmware_read_stops_once_bios_and_bmc_are_found(driver, redfish):
    """A BMC listing many firmware items: only those up to the system's are read.

    The emulator lists each system's BIOS and BMC items in the order of its
    systems; the first system's are the first two of 16.
    """
    first, *_, last = redfish.reset(
        systems=[
            specs.system(f"fw-{i}", bios_version=f"3.0.{i}", bmc_version=f"2.{i}")
            for i in range(8)
        ]
    )
    before = len(redfish.requests())
    inventory = driver.validate_bmc(bmc_of(redfish, first))
    items = [
        r["path"]
        for r in redfish.requests()[before:]
        if r["path"].startswith("/redfish/v1/UpdateService/FirmwareInventory/")
    ]
    assert {(c.component, c.current_version) for c in inventory.firmware} == {
        ("bios", "3.0.0"),
        ("bmc", "2.0"),
    }
    assert len(items) == 2, items
    # NOTE: the last system's items are the last two: every item is read.
    inventory = driver.validate_bmc(bmc_of(redfish, last))
    assert {(c.component, c.current_version) for c in inventory.firmware} == {
        ("bios", "3.0.7"),
        ("bmc", "2.7"),
    }


def test_bmc_without_features_has_no_bios_raid_or_firmware(driver, redfish):
    """A BMC without Bios, volumes, update service: nothing of them listed."""
    plain = redfish.add_system(specs.system("plain", features=("virtual_media",)))
    inventory = driver.validate_bmc(bmc_of(redfish, plain))
    assert inventory.bios == {}
    assert inventory.raid_controllers == ()
    assert inventory.firmware == ()
    assert inventory.disks


def test_refusals(driver, redfish):
    """Wrong password, no such system, nothing listening: BmcRefused."""
    [first, _] = redfish.reset()
    with pytest.raises(base.BmcRefused, match="credentials refused"):
        driver.validate_bmc(bmc_of(redfish, first, password="nope"))
    with pytest.raises(base.BmcRefused, match="read the system"):
        driver.validate_bmc(bmc_of(redfish, support.System(str(uuid.uuid4()), "ghost")))
    port = support.free_port()
    with pytest.raises(base.BmcRefused, match="unreachable"):
        driver.validate_bmc(
            base.BmcAccess(f"http://127.0.0.1:{port}/redfish/v1/Systems/1", "u", "p")
        )


def test_enroll_fills_ports_and_properties_and_refuses_strays(driver, redfish):
    """Ports default to the BMC's NICs; a port the system lacks is refused."""
    system = redfish.add_system(specs.system("ports", macs=("52:54:00:00:01:01",)))
    node_uuid = enroll(driver, redfish, system, properties={"cpus": 7})
    node = driver.get_node(node_uuid)
    assert node.ports == ("52:54:00:00:01:01",)
    assert node.properties["cpus"] == 7
    assert node.properties["memory_mb"] == 65536
    assert node.properties["local_gb"] == 447
    with pytest.raises(base.DriverError, match="no NIC 52:54:00:00:09:09"):
        enroll(driver, redfish, system, ports=("52:54:00:00:09:09",))


def test_one_session_per_bmc_reused(driver, redfish):
    """Many calls on two nodes of one BMC log in once."""
    [first, second] = redfish.reset()
    one = enroll(driver, redfish, first)
    two = enroll(driver, redfish, second)
    for _ in range(3):
        driver.get_node(one)
        driver.get_node(two)
        driver.list_nodes()
    auths = [r["auth"] for r in redfish.requests()]
    assert auths.count("login") == 1
    assert "basic" not in auths
    redfish.expire_sessions()
    assert driver.get_power_state(one) == "power off"
    assert [r["auth"] for r in redfish.requests()].count("login") == 2


def test_server_errors_are_retried_a_bounded_number_of_times(driver, redfish):
    """A BMC failing every read: the configured attempts, then power unknown."""
    [first, _] = redfish.reset()
    node_uuid = enroll(driver, redfish, first)
    redfish.fail("http", method="GET", path=first.path, status=503, times=None)
    started = time.monotonic()
    assert driver.get_power_state(node_uuid) is None
    assert time.monotonic() - started < 3
    statuses = [r["status"] for r in redfish.requests() if r["path"] == first.path]
    assert statuses[-2:] == [503, 503]
    assert statuses.count(503) == 2
    node = driver.get_node(node_uuid)
    assert node.consumable is False
    assert "unknown" in node.why_not


def test_tls_verified_with_the_ca(redfish_tls, file_server, tmp_path):
    """HTTPS: verified with the BMC's CA passes; without it refused; opt-out works."""
    [first, _] = redfish_tls.reset()
    with_ca = redfish_driver.RedfishDriver(make_conf(ca_file=redfish_tls.verify))
    without = redfish_driver.RedfishDriver(make_conf())
    for made in (with_ca, without):
        made.use_store(store.MemoryNodeStore(), FileMedia(file_server))
    try:
        assert with_ca.validate_bmc(bmc_of(redfish_tls, first)).nics
        with pytest.raises(base.BmcRefused, match="unreachable"):
            without.validate_bmc(bmc_of(redfish_tls, first))
        unchecked = bmc_of(redfish_tls, first, verify_tls=False)
        assert without.validate_bmc(unchecked).nics
        node_uuid = enroll(with_ca, redfish_tls, first)
        assert with_ca.get_power_state(node_uuid) == "power off"
    finally:
        with_ca.close()
        without.close()
    del tmp_path


def test_power_is_polled_until_the_bmc_applies_it(driver, redfish, file_server):
    """With a power delay, poll_power stays in progress until the state changes."""
    [first, _] = redfish.reset()
    node_uuid = enroll(driver, redfish, first)
    driver.start_deploy(
        node_uuid,
        base.DeployRequest(
            server_uuid="s", image_url=file_server.add_iso("i.iso"), disk_format="iso"
        ),
    )
    assert wait(driver.poll_deploy, node_uuid) == DONE
    redfish.set_delays(power=0.5)
    driver.start_power(node_uuid, "off")
    assert driver.poll_power(node_uuid).progress is base.Progress.IN_PROGRESS
    with pytest.raises(base.NodeLocked):
        driver.start_power(node_uuid, "on")
    driver.start_power(node_uuid, "off")
    assert wait(driver.poll_power, node_uuid) == DONE
    assert driver.get_power_state(node_uuid) == "power off"
    resets = [
        r for r in redfish.requests() if r["path"].endswith("ComputerSystem.Reset")
    ]
    assert len(resets) == 2  # the deploy's power on, one power off


def test_soft_power_off_ignored_times_out(redfish, file_server):
    """A soft off that never completes is reported failed after the timeout."""
    made = redfish_driver.RedfishDriver(make_conf(soft_power_timeout=1.0))
    made.use_store(store.MemoryNodeStore(), FileMedia(file_server))
    try:
        [first, _] = redfish.reset()
        node_uuid = enroll(made, redfish, first)
        made.start_deploy(
            node_uuid,
            base.DeployRequest(
                server_uuid="s",
                image_url=file_server.add_iso("i.iso"),
                disk_format="iso",
            ),
        )
        assert wait(made.poll_deploy, node_uuid) == DONE
        redfish.set_delays(power=30)
        made.start_power(node_uuid, "soft_off")
        status = wait(made.poll_power, node_uuid, timeout=5)
        assert status.progress is base.Progress.FAILED
        assert "soft_off not done" in status.error
    finally:
        made.close()


def test_power_of_a_free_node_is_refused(driver, redfish):
    """Only a deployed node's power is changed."""
    [first, _] = redfish.reset()
    node_uuid = enroll(driver, redfish, first)
    with pytest.raises(base.DriverError, match="not deployed"):
        driver.start_power(node_uuid, "on")
    with pytest.raises(base.DriverError, match="unknown power target"):
        driver.start_power(node_uuid, "explode")


def test_unenroll_and_maintenance(driver, redfish, file_server):
    """Unenroll refuses a node with a server; maintenance makes it unconsumable."""
    [first, _] = redfish.reset()
    node_uuid = enroll(driver, redfish, first)
    driver.set_maintenance(node_uuid, True, "disk swap")
    node = driver.get_node(node_uuid)
    assert (node.consumable, node.maintenance, node.why_not) == (
        False,
        True,
        "in maintenance: disk swap",
    )
    with pytest.raises(base.DriverError, match="disk swap"):
        driver.start_deploy(
            node_uuid,
            base.DeployRequest(
                server_uuid="s", image_url="http://x/i.iso", disk_format="iso"
            ),
        )
    driver.set_maintenance(node_uuid, False)
    driver.start_deploy(
        node_uuid,
        base.DeployRequest(
            server_uuid="s", image_url=file_server.add_iso("i.iso"), disk_format="iso"
        ),
    )
    with pytest.raises(base.DriverError, match="a server is on the node"):
        driver.unenroll(node_uuid)
    driver.start_teardown(node_uuid)
    assert wait(driver.poll_teardown, node_uuid) == DONE
    driver.unenroll(node_uuid)
    driver.unenroll(node_uuid)
    with pytest.raises(base.NodeNotFound):
        driver.get_node(node_uuid)
