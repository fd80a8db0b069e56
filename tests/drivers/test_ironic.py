"""The Ironic driver against a real Ironic: the conformance suite, then what it sends.

Every test here drives a real standalone Ironic (``tests/ironic``, fake
hardware). Failures are injected with Ironic's own features (see
``tests.ironic.support``): a deploy template that disables the deploy step,
a cleaning runbook with a failing step, a child node that refuses power off.
"""

import json
import socket
import threading
import time
import uuid

import pytest

from mogan.drivers import base, ironic_configdrive, ironic_parts, loader, testing
from mogan.drivers import ironic as ironic_module
from tests.ironic import configurable, support
from tests.ironic.fixtures import (  # noqa: F401 - fixtures
    ironic_conf_fixture,
    ironic_driver_fixture,
    ironic_fixture,
    make_conf,
    running,
)

pytestmark = pytest.mark.services

DONE = base.Status(base.Progress.DONE)
IMAGE = "http://images.example.org/ubuntu.raw"
SHA256 = "a" * 64


def mac(index: int = 1) -> str:
    """A MAC address unique to the test run (Ironic refuses duplicates)."""
    raw = uuid.uuid4().hex[:8]
    return f"52:54:{raw[0:2]}:{raw[2:4]}:{raw[4:6]}:{index:02x}"


def wait(poll, node_uuid: str, timeout: float = 30.0) -> base.Status:
    """Poll until the operation is no longer in progress; its status."""
    deadline = time.monotonic() + timeout
    while (status := poll(node_uuid)).progress is base.Progress.IN_PROGRESS:
        assert time.monotonic() < deadline, f"{poll.__name__} never finished"
        time.sleep(0.05)
    return status


def drive(server_uuid: str, vifs: tuple[str, ...] = ()) -> dict[str, str]:
    """A config drive as the engine builds it (two versions, a file, NICs)."""
    meta = json.dumps({"uuid": server_uuid, "hostname": "web-1", "admin_pass": "pw"})
    network = json.dumps(
        {"links": [{"id": f"tap{v[:8]}", "vif_id": v} for v in vifs], "networks": []}
    )
    files = {"openstack/content/0000": "injected file\n"}
    for version in ("2017-02-22", "latest"):
        files[f"openstack/{version}/meta_data.json"] = meta
        files[f"openstack/{version}/network_data.json"] = network
        files[f"openstack/{version}/user_data"] = "#cloud-config\n"
    return files


class TestIronicContract(testing.DriverContract):
    driver_class = ironic_module.IronicDriver
    poll_interval = 0.05
    poll_timeout = 30.0

    def make_driver(self, tmp_path):
        """An Ironic driver on the test process's Ironic (auth none, quick retries)."""
        conf = make_conf(
            tmp_path,
            auth_type="none",
            endpoint_override=running().url,
            api_retry_interval=0.05,
            api_max_retries=5,
            deploy_step_interfaces=configurable.STEP_INTERFACES,
        )
        return ironic_module.IronicDriver.from_conf(conf)

    def make_hardware_node(self, driver):  # noqa: ARG002
        """A node of the team's plugin type: disks, BIOS registry, firmware, 2 ports."""
        return configurable.enroll(running())

    def make_node(self, driver):  # noqa: ARG002
        """A node enrolled to available, powered on, with a port and a trait."""
        return running().enroll(traits=("CUSTOM_GOLD",), ports=(mac(),))

    def make_deployed_node(self, driver):  # noqa: ARG002
        """A node Ironic adopted (active, on) with no instance and two ports."""
        return running().enroll_deployed(ports=(mac(1), mac(2)))

    def make_failing(self, driver, node_uuid, operation):  # noqa: ARG002
        """Inject the failure with Ironic's own features."""
        ironic = support.shared()
        {
            "deploy": ironic.fail_next_deploy,
            "clean": ironic.fail_next_clean,
            "power": ironic.fail_power_off,
        }[operation](node_uuid)

    def test_serial_console_has_a_url(self, driver, ironic):
        """A node with a serial console (socat) gives its URL, and it answers.

        Overrides the contract's test: Ironic's fake console gives no URL, so
        the console is an ``ipmi`` node's ``ipmitool-socat`` one.
        """
        node_uuid, port = ironic.create_console_node()
        console = driver.get_console(node_uuid, "serial")
        assert console == {"type": "serial", "url": f"tcp://127.0.0.1:{port}"}
        with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
            conn.settimeout(10)
            banner = b""
            while b"login:" not in banner:
                banner += conn.recv(1024)
        assert b"SOL Session operational" in banner
        assert driver.get_console(node_uuid, "serial") == console


class TestInventory:
    def test_ports_in_a_port_group_show_it(self, ironic, ironic_driver):
        """A NIC whose port is in an Ironic port group names the group."""
        macs = (mac(1), mac(2), mac(3))
        node_uuid = ironic.enroll(ports=macs)
        name = f"bond-{uuid.uuid4().hex[:8]}"
        group = ironic.call(
            "POST",
            "/v1/portgroups",
            {"node_uuid": node_uuid, "name": name, "mode": "802.3ad"},
            ok=support.CREATED,
        )
        # NOTE: Ironic moves ports between groups only in maintenance.
        ironic.call(
            "PUT", f"/v1/nodes/{node_uuid}/maintenance", {}, ok=support.ACCEPTED
        )
        for port in ironic.ports(node_uuid):
            if port["address"] in macs[:2]:
                ironic.call(
                    "PATCH",
                    f"/v1/ports/{port['uuid']}",
                    [{"op": "add", "path": "/portgroup_uuid", "value": group["uuid"]}],
                )
        ironic.call("DELETE", f"/v1/nodes/{node_uuid}/maintenance", ok=support.ACCEPTED)
        nics = {
            n.mac: n.port_group for n in ironic_driver.get_inventory(node_uuid).nics
        }
        assert nics == {macs[0]: name, macs[1]: name, macs[2]: None}

    def test_node_fields_are_mapped(self, ironic, ironic_driver):
        """Class, sorted traits, properties, port MACs and power come from Ironic."""
        macs = (mac(1), mac(2))
        node_uuid = ironic.enroll(
            name=f"web-{uuid.uuid4().hex[:6]}",
            resource_class="baremetal-gold",
            traits=("CUSTOM_RAID10", "HW_CPU_X86_AVX2"),
            ports=macs,
            properties={"cpus": 64, "memory_mb": 524288, "local_gb": 900},
        )
        node = ironic_driver.get_node(node_uuid)
        assert node.name == ironic.node(node_uuid)["name"]
        assert node.resource_class == "baremetal-gold"
        assert node.traits == ("CUSTOM_RAID10", "HW_CPU_X86_AVX2")
        assert node.properties == {"cpus": 64, "memory_mb": 524288, "local_gb": 900}
        assert node.ports == macs
        assert (node.power_state, node.consumable) == ("power on", True)
        listed = {n.uuid: n for n in ironic_driver.list_nodes()}
        assert listed[node_uuid] == node

    @pytest.mark.parametrize(
        ("setup", "why"),
        [
            ("maintenance", "in maintenance: disk swap"),
            ("no_class", "no resource class"),
            ("enroll", "provision state is enroll"),
            ("manageable", "provision state is manageable"),
            ("reserved", "reserved for server"),
        ],
    )
    def test_unconsumable_nodes_say_why(self, ironic, ironic_driver, setup, why):
        """Maintenance, no class, not available or reserved: not consumable, why."""
        if setup == "maintenance":
            node_uuid = ironic.enroll()
            ironic.call(
                "PUT",
                f"/v1/nodes/{node_uuid}/maintenance",
                {"reason": "disk swap"},
                ok=202,
            )
        elif setup == "no_class":
            node_uuid = ironic.enroll(resource_class=None)
        elif setup == "enroll":
            node_uuid = ironic.create()
        elif setup == "manageable":
            node_uuid = ironic.create()
            ironic.provision(node_uuid, "manage", "manageable")
        else:
            node_uuid = ironic.enroll()
            ironic.call(
                "PATCH",
                f"/v1/nodes/{node_uuid}",
                [{"op": "add", "path": "/instance_uuid", "value": str(uuid.uuid4())}],
            )
        node = ironic_driver.get_node(node_uuid)
        assert node.consumable is False
        assert why in (node.why_not or "")

    def test_child_nodes_are_not_listed(self, ironic, ironic_driver):
        """Child nodes (API 1.83) are left out of the list, parents kept."""
        parent = ironic.enroll()
        child = ironic.fail_power_off(parent)
        listed = [n.uuid for n in ironic_driver.list_nodes()]
        assert parent in listed
        assert child not in listed

    def test_nodes_are_listed_across_pages(self, ironic, ironic_conf):
        """Lists follow Ironic's pages (a page of 2 here) to the last node."""
        nodes = {ironic.enroll(ports=(mac(),)) for _ in range(3)}
        driver = ironic_module.IronicDriver(ironic_conf)
        full = {n.uuid: n.ports for n in driver.list_nodes()}
        old = ironic_module.PAGE
        ironic_module.PAGE = 2
        try:
            paged = {n.uuid: n.ports for n in driver.list_nodes()}
        finally:
            ironic_module.PAGE = old
        assert nodes <= set(paged)
        assert paged == full

    def test_inventory_from_properties_and_ports(self, ironic, ironic_driver):
        """Never inspected: CPU and RAM from properties, NICs from ports."""
        node_uuid = ironic.enroll(
            properties={"cpus": 16, "memory_mb": 65536, "cpu_arch": "x86_64"}
        )
        macs = (mac(1), mac(2))
        for index, address in enumerate(macs):
            ironic.call(
                "POST",
                "/v1/ports",
                {
                    "node_uuid": node_uuid,
                    "address": address,
                    "physical_network": f"physnet{index + 1}",
                    "local_link_connection": {
                        "switch_id": "a0:36:9f:00:00:01",
                        "port_id": f"Ethernet1/{index + 1}",
                        "switch_info": "leaf-1",
                    },
                },
                ok=201,
            )
        inventory = ironic_driver.get_inventory(node_uuid)
        assert (inventory.cpus, inventory.memory_mb, inventory.cpu_arch) == (
            16,
            65536,
            "x86_64",
        )
        assert inventory.nics == tuple(
            base.InventoryNic(
                mac=address,
                physical_network=f"physnet{index + 1}",
                switch_port=base.SwitchPort(
                    "a0:36:9f:00:00:01", f"Ethernet1/{index + 1}", "leaf-1"
                ),
            )
            for index, address in enumerate(macs)
        )
        # NOTE: the fake RAID interface builds nothing; nothing was inspected.
        assert (inventory.disks, inventory.raid_controllers) == ((), ())
        assert (inventory.bios, inventory.firmware) == ({}, ())

    def test_inventory_from_inspection_bios_registry_and_firmware(
        self, ironic, ironic_driver
    ):
        """Inspection data, the BIOS registry (1.74) and firmware (1.86) are typed."""
        port = mac()
        node_uuid = ironic.enroll(ports=(port,))
        gib = 1024**3
        ironic.seed_inspection(
            node_uuid,
            {
                "cpu": {"count": 64, "architecture": "aarch64"},
                "memory": {"physical_mb": 262144},
                "disks": [
                    {
                        "name": "/dev/sda",
                        "size": 894 * gib,
                        "rotational": False,
                        "model": "SSD-1",
                        "serial": "S1",
                        "wwn": "0x5000c5001",
                    },
                    {"name": "/dev/sdb", "size": 3726 * gib + 5, "rotational": True},
                    {"name": "/dev/nvme0n1", "size": 1490 * gib, "rotational": False},
                ],
                "interfaces": [
                    {"name": "eno1", "mac_address": port.upper(), "speed_mbps": 25000}
                ],
            },
            {
                "parsed_lldp": {
                    "eno1": {
                        "switch_chassis_id": "a0:36:9f:00:00:02",
                        "switch_port_id": "Ethernet1/9",
                        "switch_system_name": "leaf-2",
                    }
                }
            },
        )
        ironic.seed_bios_registry(
            node_uuid,
            [
                {
                    "name": "BootMode",
                    "value": "Uefi",
                    "attribute_type": "Enumeration",
                    "allowable_values": ["Uefi", "Bios"],
                    "read_only": False,
                    "reset_required": True,
                },
                {
                    "name": "BootRetryCount",
                    "value": "3",
                    "attribute_type": "Integer",
                    "lower_bound": 0,
                    "upper_bound": 10,
                },
            ],
        )
        ironic.seed_firmware(
            node_uuid,
            [
                {
                    "component": "bios",
                    "initial_version": "2.10.1",
                    "current_version": "2.12.0",
                    "last_version_flashed": "2.12.0",
                },
                {"component": "bmc", "initial_version": "7.00.30.00"},
            ],
        )
        inventory = ironic_driver.get_inventory(node_uuid)
        assert (inventory.cpus, inventory.memory_mb, inventory.cpu_arch) == (
            64,
            262144,
            "aarch64",
        )
        assert [(d.name, d.size_gb, d.type, d.rotational) for d in inventory.disks] == [
            ("/dev/sda", 894, base.DiskType.SSD, False),
            ("/dev/sdb", 3726, base.DiskType.HDD, True),
            ("/dev/nvme0n1", 1490, base.DiskType.NVME, False),
        ]
        assert (inventory.disks[0].model, inventory.disks[0].serial) == ("SSD-1", "S1")
        assert inventory.nics == (
            base.InventoryNic(
                mac=port,
                name="eno1",
                speed_mbps=25000,
                switch_port=base.SwitchPort(
                    "a0:36:9f:00:00:02", "Ethernet1/9", "leaf-2"
                ),
            ),
        )
        assert inventory.bios == {
            "BootMode": base.BiosAttribute(
                current_value="Uefi",
                attribute_type=base.BiosAttributeType.ENUMERATION,
                allowable_values=("Uefi", "Bios"),
                reset_required=True,
            ),
            "BootRetryCount": base.BiosAttribute(
                current_value="3",
                attribute_type=base.BiosAttributeType.INTEGER,
                lower_bound=0,
                upper_bound=10,
            ),
        }
        assert inventory.firmware == (
            base.FirmwareComponent("bios", "2.12.0", "2.10.1", "2.12.0"),
            base.FirmwareComponent("bmc", None, "7.00.30.00", None),
        )
        assert base.Inventory.from_dict(inventory.to_dict()) == inventory

    def test_bios_applied_by_cleaning_is_in_the_inventory(self, ironic, ironic_driver):
        """Settings the fake BIOS interface applied (no registry) are read back."""
        node_uuid = ironic.create()
        ironic.provision(node_uuid, "manage", "manageable")
        ironic.apply_bios(node_uuid, {"ProcVirtualization": "Disabled"})
        bios = ironic_driver.get_inventory(node_uuid).bios
        assert bios == {
            "ProcVirtualization": base.BiosAttribute(current_value="Disabled")
        }

    def test_loaded_by_name(self, ironic_conf):
        """The entry point ``ironic`` builds the driver from configuration."""
        driver = loader.load("ironic", conf=ironic_conf)
        assert driver.name == "ironic"


class TestDeployDetails:
    def test_deploy_sends_image_reservation_and_config_drive(
        self, ironic, ironic_driver
    ):
        """Ironic gets instance_uuid, the image, a config-2 ISO and the NICs' VIFs.

        The VIFs are the request's NICs, not the drive's: the drive here
        names another port, which must not be attached.
        """
        port = mac()
        node_uuid, server = ironic.enroll(ports=(port,)), str(uuid.uuid4())
        vif = str(uuid.uuid4())
        files = drive(server, vifs=(str(uuid.uuid4()),))
        nic = base.Nic(mac=port, port_id=vif, network_id=str(uuid.uuid4()))
        ironic_driver.start_deploy(
            node_uuid,
            base.DeployRequest(
                server_uuid=server,
                image_url=IMAGE,
                image_checksum=f"sha256:{SHA256}",
                config_drive=files,
                nics=(nic,),
            ),
        )
        assert wait(ironic_driver.poll_deploy, node_uuid) == DONE
        node = ironic.node(node_uuid)
        assert (node["provision_state"], node["instance_uuid"]) == ("active", server)
        info = ironic.stored_instance_info(node_uuid)
        assert info["image_source"] == IMAGE
        assert (info["image_os_hash_algo"], info["image_os_hash_value"]) == (
            "sha256",
            SHA256,
        )
        assert info["image_type"] == "whole-disk"
        assert info["mogan_vifs"] == [vif]
        assert "kernel" not in info
        assert ironic_configdrive.volume_label(info["configdrive"]) == "config-2"
        assert ironic_configdrive.read_iso(info["configdrive"]) == files

    def test_partition_image_and_rebuild_to_a_whole_disk_image(
        self, ironic, ironic_driver
    ):
        """Partitions go to instance_info; a rebuild replaces them and the drive."""
        node_uuid, server = ironic.enroll(), str(uuid.uuid4())
        ironic_driver.start_deploy(
            node_uuid,
            base.DeployRequest(
                server_uuid=server,
                image_url=IMAGE,
                image_checksum="d41d8cd98f00b204e9800998ecf8427e",
                kernel_url="http://images.example.org/vmlinuz",
                ramdisk_url="http://images.example.org/initrd",
                partitions={"root_gb": 20, "swap_mb": 512, "ephemeral_gb": 5},
                config_drive=drive(server),
            ),
        )
        assert wait(ironic_driver.poll_deploy, node_uuid) == DONE
        info = ironic.stored_instance_info(node_uuid)
        assert {k: info[k] for k in ("root_gb", "swap_mb", "ephemeral_gb")} == {
            "root_gb": "20",
            "swap_mb": "512",
            "ephemeral_gb": "5",
        }
        assert info["kernel"] == "http://images.example.org/vmlinuz"
        assert info["capabilities"] == {"boot_option": "local"}
        assert info["image_type"] == "partition"
        assert info["image_checksum"] == "d41d8cd98f00b204e9800998ecf8427e"
        rebuilt = drive(server) | {"openstack/latest/user_data": "#rebuilt\n"}
        ironic_driver.start_rebuild(
            node_uuid,
            base.DeployRequest(
                server_uuid=server,
                image_url="http://images.example.org/v2.raw",
                config_drive=rebuilt,
                preserve_ephemeral=True,
            ),
        )
        assert wait(ironic_driver.poll_deploy, node_uuid) == DONE
        info = ironic.stored_instance_info(node_uuid)
        assert info["image_source"] == "http://images.example.org/v2.raw"
        assert info["preserve_ephemeral"] is True
        assert info["image_type"] == "whole-disk"
        for stale in ("kernel", "ramdisk", "root_gb", "capabilities", "image_checksum"):
            assert stale not in info
        assert ironic_configdrive.read_iso(info["configdrive"]) == rebuilt

    def test_json_config_drive(self, ironic, tmp_path):
        """With configdrive_format = json Ironic gets the drive as JSON parts."""
        conf = make_conf(
            tmp_path,
            auth_type="none",
            endpoint_override=ironic.url,
            configdrive_format="json",
        )
        driver = ironic_module.IronicDriver(conf)
        node_uuid, server = ironic.enroll(), str(uuid.uuid4())
        request = base.DeployRequest(
            server_uuid=server, image_url=IMAGE, config_drive=drive(server)
        )
        driver.start_deploy(node_uuid, request)
        assert wait(driver.poll_deploy, node_uuid) == DONE
        stored = ironic.stored_instance_info(node_uuid)["configdrive"]
        assert stored["meta_data"]["uuid"] == server
        assert stored["user_data"] == "#cloud-config\n"
        assert stored["network_data"] == {"links": [], "networks": []}

    def test_only_one_of_many_racing_servers_gets_the_node(self, ironic, ironic_conf):
        """Concurrent deploys of one node for eight servers: exactly one wins."""
        node_uuid = ironic.enroll()
        servers = [str(uuid.uuid4()) for _ in range(8)]
        barrier = threading.Barrier(len(servers))
        winners: list[str] = []

        def attempt(server: str) -> None:
            driver = ironic_module.IronicDriver(ironic_conf)
            request = base.DeployRequest(server_uuid=server, image_url=IMAGE)
            barrier.wait()
            while True:
                try:
                    driver.start_deploy(node_uuid, request)
                except base.NodeLocked:
                    continue
                except base.DriverError:
                    return
                winners.append(server)
                return

        threads = [threading.Thread(target=attempt, args=(s,)) for s in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(winners) == 1
        assert winners[0] == ironic.node(node_uuid)["instance_uuid"]

    def test_teardown_of_a_reserved_but_undeployed_node_frees_it(
        self, ironic, ironic_driver
    ):
        """A reservation whose deploy never started is cleared by teardown."""
        node_uuid = ironic.enroll()
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node_uuid}",
            [{"op": "add", "path": "/instance_uuid", "value": str(uuid.uuid4())}],
        )
        ironic_driver.start_teardown(node_uuid)
        assert wait(ironic_driver.poll_teardown, node_uuid) == DONE
        assert ironic.node(node_uuid)["instance_uuid"] is None
        assert ironic_driver.get_node(node_uuid).consumable is True

    def test_failed_deploy_reports_ironics_error(self, ironic, ironic_driver):
        """A failed deploy's reason is Ironic's last_error."""
        node_uuid = ironic.enroll()
        ironic.fail_next_deploy(node_uuid)
        ironic_driver.start_deploy(
            node_uuid,
            base.DeployRequest(server_uuid=str(uuid.uuid4()), image_url=IMAGE),
        )
        status = wait(ironic_driver.poll_deploy, node_uuid)
        assert status.progress is base.Progress.FAILED
        assert status.error == ironic.node(node_uuid)["last_error"]
        assert "deploy steps" in (status.error or "")

    def test_failed_cleaning_puts_the_node_in_maintenance(self, ironic, ironic_driver):
        """After a failed cleaning Ironic's node is in maintenance, free, why given."""
        node_uuid, server = ironic.enroll(), str(uuid.uuid4())
        ironic_driver.start_deploy(
            node_uuid, base.DeployRequest(server_uuid=server, image_url=IMAGE)
        )
        assert wait(ironic_driver.poll_deploy, node_uuid) == DONE
        ironic.fail_next_clean(node_uuid)
        ironic_driver.start_teardown(node_uuid)
        status = wait(ironic_driver.poll_teardown, node_uuid)
        assert status.progress is base.Progress.FAILED
        assert "apply_configuration" in (status.error or "")
        node = ironic_driver.get_node(node_uuid)
        assert (node.maintenance, node.instance_uuid, node.consumable) == (
            True,
            None,
            False,
        )
        ironic_driver.start_teardown(node_uuid)
        assert ironic_driver.poll_teardown(node_uuid).progress is base.Progress.FAILED


class TestConsoleAndAdoption:
    def test_fake_console_without_url_is_unavailable(self, ironic, ironic_driver):
        """Ironic's fake console is enabled but gives no URL: unavailable."""
        node_uuid = ironic.enroll()
        with pytest.raises(base.ConsoleUnavailable):
            ironic_driver.get_console(node_uuid, "serial")
        assert ironic.node(node_uuid)["console_enabled"] is True

    def test_console_log_is_unavailable(self, ironic, ironic_driver):
        """Ironic keeps no console output: ConsoleUnavailable of kind log."""
        node_uuid = ironic.enroll()
        with pytest.raises(base.ConsoleUnavailable) as err:
            ironic_driver.console_log(node_uuid)
        assert f"Node {node_uuid} has no log console." == err.value.message

    def test_manageable_lists_image_and_skips_unadoptable_nodes(
        self, ironic, ironic_driver
    ):
        """Listed with its image; nodes without class or in maintenance are not."""
        good = ironic.enroll_deployed(image="http://images.example.org/old.raw")
        classless = ironic.enroll_deployed(resource_class=None)
        resting = ironic.enroll_deployed()
        ironic.call("PUT", f"/v1/nodes/{resting}/maintenance", {}, ok=202)
        listed = {m.uuid: m for m in ironic_driver.list_manageable()}
        assert listed[good].image_source == "http://images.example.org/old.raw"
        assert classless not in listed
        assert resting not in listed
        with pytest.raises(base.DriverError, match="maintenance"):
            ironic_driver.adopt(resting, str(uuid.uuid4()))
        with pytest.raises(base.DriverError, match="no resource class"):
            ironic_driver.adopt(classless, str(uuid.uuid4()))


class TestHardwareRestore:
    def test_a_clean_request_that_failed_is_asked_again(self, ironic, ironic_driver):
        """The restore's clean refused once (maintenance): the next poll cleans.

        Its phase is written before the clean is asked for; a node still
        manageable since then was never cleaned, so the BIOS is restored
        all the same instead of the node going back to the pool as it was.
        """
        node = configurable.enroll(ironic)
        ironic.provision(node, "manage", "manageable")
        record = {
            "sections": ["bios"],
            "bios": {"SriovGlobalEnable": "Disabled"},
            "bios_before": {"SriovGlobalEnable": "Enabled"},
            "restore_bios": "previous",
        }
        ironic.call(
            "PATCH",
            f"/v1/nodes/{node}",
            [{"op": "add", "path": "/extra/mogan_hardware", "value": record}],
        )
        ironic.call(
            "PUT", f"/v1/nodes/{node}/maintenance", {"reason": "x"}, ok=support.ACCEPTED
        )
        with pytest.raises(base.DriverError):
            ironic_driver.restorer.poll(ironic.node(node))
        ironic.call("DELETE", f"/v1/nodes/{node}/maintenance", ok=support.ACCEPTED)
        deadline = time.monotonic() + 30
        while (status := ironic_driver.restorer.poll(ironic.node(node))) != base.Status(
            base.Progress.DONE
        ):
            assert status.progress is base.Progress.IN_PROGRESS, status
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert ironic.bios(node)["SriovGlobalEnable"] == "Enabled"
        seen = ironic.node(node)
        assert seen["provision_state"] == "available"
        assert "mogan_hardware" not in (seen.get("extra") or {})

    def test_a_window_left_open_by_a_crash_is_closed(self, ironic, ironic_driver):
        """Ports joined, maintenance still on (the engine stopped): deploy goes on."""
        node = configurable.enroll(ironic)
        server = str(uuid.uuid4())
        macs = [p["address"] for p in ironic.ports(node)]
        group = ironic.call(
            "POST",
            "/v1/portgroups",
            {"node_uuid": node, "name": f"{node}-bond0", "mode": "802.3ad"},
            ok=support.CREATED,
        )
        reason = f"{ironic_parts.WINDOW_REASON} for server {server}"
        ironic.call(
            "PUT",
            f"/v1/nodes/{node}/maintenance",
            {"reason": reason},
            ok=support.ACCEPTED,
        )
        for port in ironic.ports(node):
            ironic.call(
                "PATCH",
                f"/v1/ports/{port['uuid']}",
                [{"op": "add", "path": "/portgroup_uuid", "value": group["uuid"]}],
            )
        request = base.DeployRequest(
            server_uuid=server,
            image_url="http://images.example.org/x.raw",
            hardware=base.HardwareRequest(
                bonds=(base.Bond("bond0", "802.3ad", tuple(macs)),)
            ),
        )
        ironic_driver.start_deploy(node, request)
        deadline = time.monotonic() + 30
        while (status := ironic_driver.poll_deploy(node)).progress is (
            base.Progress.IN_PROGRESS
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert status.progress is base.Progress.DONE, status
        assert ironic.node(node)["maintenance"] is False
