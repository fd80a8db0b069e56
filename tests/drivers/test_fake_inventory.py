"""The fake driver's hardware: made-up inventories, scripted ones, BMCs, NICs."""

import collections
import json
import uuid

import pytest
from oslo_config import cfg

from mogan.drivers import base, fake, fake_inventory

IMAGE = "http://images.example.org/ubuntu.raw"


@pytest.fixture
def driver(tmp_path):
    """A fake driver with zero-length operations."""
    drv = fake.FakeDriver(str(tmp_path))
    yield drv
    drv.close()


def enroll(driver, ports=(), **fields) -> str:
    """Enroll one node; its uuid."""
    node_uuid = str(uuid.uuid4())
    driver.enroll(
        base.NodeSpec(
            uuid=node_uuid,
            name=f"n-{node_uuid[:8]}",
            resource_class="gold",
            ports=tuple(ports),
            **fields,
        )
    )
    return node_uuid


class TestMadeUp:
    def test_same_node_same_hardware_in_every_process(self, driver, tmp_path):
        """An inventory depends on the node only: another instance reads the same."""
        node_uuid = enroll(driver, ports=("52:54:00:00:00:01",))
        other = fake.FakeDriver(str(tmp_path))
        try:
            assert other.get_inventory(node_uuid) == driver.get_inventory(node_uuid)
        finally:
            other.close()

    def test_a_fleet_is_varied(self, driver):
        """Forty nodes: 2, 4, 8 disks; HDD, SSD, NVMe; 2 or 4 NICs; 1 or 2 networks."""
        inventories = [driver.get_inventory(enroll(driver)) for _ in range(40)]
        counts = collections.Counter(len(i.disks) for i in inventories)
        assert set(counts) == {2, 4, 8}
        kinds = {d.type for i in inventories for d in i.disks}
        assert kinds == set(base.DiskType)
        assert {len(i.nics) for i in inventories} == {2, 4}
        networks = {len({n.physical_network for n in i.nics}) for i in inventories}
        assert networks == {1, 2}

    def test_hardware_is_consistent(self, driver):
        """Disks on a controller that exists; RAID levels; typed BIOS; firmware."""
        for _ in range(20):
            inventory = driver.get_inventory(enroll(driver))
            controllers = {c.name: c for c in inventory.raid_controllers}
            assert controllers["software"].software is True
            for disk in inventory.disks:
                assert disk.size_gb > 0
                assert disk.rotational is (disk.type is base.DiskType.HDD)
                if disk.type is base.DiskType.NVME:
                    assert disk.controller is None
                else:
                    assert disk.controller in controllers
            for controller in controllers.values():
                assert set(controller.raid_levels) <= {"0", "1", "5", "6", "1+0", "5+0"}
            boot = inventory.bios["BootMode"]
            assert boot.attribute_type is base.BiosAttributeType.ENUMERATION
            assert boot.current_value in boot.allowable_values
            retries = inventory.bios["BootRetryCount"]
            assert (
                retries.lower_bound <= int(retries.current_value) <= retries.upper_bound
            )
            assert inventory.bios["SystemSerial"].read_only is True
            assert {f.component for f in inventory.firmware} == {
                "bios",
                "bmc",
                "nic:NIC.1",
            }
            for nic in inventory.nics:
                assert nic.speed_mbps in {10_000, 25_000, 100_000}
                assert nic.switch_port is not None
                assert nic.switch_port.port_id

    def test_node_facts_win(self, driver):
        """Its ports are its NICs; cpus, memory and arch come from its properties."""
        ports = ("52:54:00:00:00:0a", "52:54:00:00:00:0b", "52:54:00:00:00:0c")
        node_uuid = enroll(
            driver,
            ports=ports,
            properties={"cpus": 12, "memory_mb": 4096, "cpu_arch": "aarch64"},
        )
        inventory = driver.get_inventory(node_uuid)
        assert tuple(n.mac for n in inventory.nics) == ports
        assert (inventory.cpus, inventory.memory_mb, inventory.cpu_arch) == (
            12,
            4096,
            "aarch64",
        )


class TestScripted:
    def test_set_inventory_is_shared_and_can_be_undone(self, driver, tmp_path):
        """A scripted inventory is what every instance reads; None restores."""
        node_uuid = enroll(driver)
        made_up = driver.get_inventory(node_uuid)
        scripted = base.Inventory(
            cpus=2,
            disks=(base.Disk("/dev/vda", 40, base.DiskType.SSD),),
            bios={"BootMode": base.BiosAttribute("Bios")},
        )
        driver.set_inventory(node_uuid, scripted)
        other = fake.FakeDriver(str(tmp_path))
        try:
            assert other.get_inventory(node_uuid) == scripted
        finally:
            other.close()
        driver.set_inventory(node_uuid, None)
        assert driver.get_inventory(node_uuid) == made_up

    def test_unknown_node_cannot_be_scripted(self, driver):
        """Scripting a node the fleet lacks raises NodeNotFound."""
        with pytest.raises(base.NodeNotFound):
            driver.set_inventory(str(uuid.uuid4()), base.Inventory())


class TestBmc:
    def test_a_fake_bmc_answers_with_credentials(self, driver):
        """Any fake:// address with a user and password answers; the same each time."""
        bmc = base.BmcAccess("fake://rack2-u11", "admin", "pw")
        assert driver.validate_bmc(bmc) == driver.validate_bmc(bmc)
        assert driver.validate_bmc(bmc).nics

    @pytest.mark.parametrize(
        ("bmc", "reason"),
        [
            (base.BmcAccess("redfish://10.0.0.5", "admin", "pw"), "unreachable"),
            (base.BmcAccess("fake://", "admin", "pw"), "unreachable"),
            (base.BmcAccess("fake://rack2-u11", "admin"), "credentials refused"),
            (base.BmcAccess("fake://rack2-u11", None, "pw"), "credentials refused"),
        ],
    )
    def test_refusals_say_why(self, driver, bmc, reason):
        """Not a fake address: unreachable; no user or password: refused."""
        with pytest.raises(base.BmcRefused, match=reason):
            driver.validate_bmc(bmc)

    def test_password_is_not_in_the_repr(self):
        """A BMC's password never shows in logs."""
        assert "hunter2" not in repr(base.BmcAccess("fake://x", "admin", "hunter2"))

    def test_enrolled_through_a_bmc_keeps_its_hardware(self, driver):
        """The node gets the BMC's NICs as ports and the BMC's inventory."""
        bmc = base.BmcAccess("fake://rack2-u12", "admin", "pw")
        node_uuid = str(uuid.uuid4())
        spec = base.NodeSpec(uuid=node_uuid, name="from-bmc", resource_class="gold")
        assert driver.enroll(spec, bmc) is True
        found = driver.validate_bmc(bmc)
        assert driver.get_node(node_uuid).ports == tuple(n.mac for n in found.nics)
        assert driver.get_inventory(node_uuid) == found


class TestNics:
    def test_deploy_prints_each_vif(self, driver):
        """Each NIC's VIF is plugged on its port, as the console shows."""
        ports = ("52:54:00:00:01:01", "52:54:00:00:01:02")
        node_uuid = enroll(driver, ports=ports)
        nics = tuple(
            base.Nic(mac=mac, port_id=f"port-{i}", network_id=f"net-{i}")
            for i, mac in enumerate(ports)
        )
        driver.start_deploy(
            node_uuid,
            base.DeployRequest(
                server_uuid=str(uuid.uuid4()), image_url=IMAGE, nics=nics
            ),
        )
        log = driver.console_log(node_uuid)
        assert "VIF port-0 of network net-0 plugged on 52:54:00:00:01:01" in log
        assert "VIF port-1 of network net-1 plugged on 52:54:00:00:01:02" in log

    def test_a_nic_on_no_port_is_refused(self, driver):
        """A NIC on a MAC that is no port of the node: DriverError, nothing reserved."""
        node_uuid = enroll(driver, ports=("52:54:00:00:02:01",))
        stray = base.Nic(mac="52:54:00:ff:ff:ff", port_id="p", network_id="n")
        request = base.DeployRequest(
            server_uuid=str(uuid.uuid4()), image_url=IMAGE, nics=(stray,)
        )
        with pytest.raises(base.DriverError, match="52:54:00:ff:ff:ff"):
            driver.start_deploy(node_uuid, request)
        assert driver.get_node(node_uuid).instance_uuid is None


class TestConfigured:
    def test_inventory_file_names_nodes_and_a_default(self, tmp_path):
        """``[fake] inventory_file``: by name, by uuid, ``*`` for the rest."""
        small = base.Inventory(disks=(base.Disk("/dev/sda", 100, base.DiskType.HDD),))
        big = base.Inventory(
            disks=(base.Disk("/dev/nvme0n1", 3000, base.DiskType.NVME),)
        )
        path = tmp_path / "inventories.json"
        path.write_text(json.dumps({"n-named": small.to_dict(), "*": big.to_dict()}))
        conf = cfg.ConfigOpts()
        conf.register_opts([cfg.StrOpt("state_path", default=str(tmp_path))])
        conf([])
        fake.FakeDriver.register_opts(conf)
        conf.set_override("inventory_file", str(path), "fake")
        drv = fake.FakeDriver.from_conf(conf)
        try:
            named = str(uuid.uuid4())
            drv.enroll(base.NodeSpec(uuid=named, name="n-named", resource_class="g"))
            other = enroll(drv)
            assert small == drv.get_inventory(named)
            assert big == drv.get_inventory(other)
        finally:
            drv.close()

    def test_a_file_that_is_not_an_object_is_refused(self, tmp_path):
        """A list instead of an object of inventories: a ValueError naming the file."""
        path = tmp_path / "bad.json"
        path.write_text("[]")
        with pytest.raises(ValueError, match=r"bad\.json"):
            fake_inventory.load(str(path))
