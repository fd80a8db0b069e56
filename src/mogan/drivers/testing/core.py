"""Conformance tests of the required interfaces and of the SDK's rules.

Inventory, deploy, rebuild, teardown and power as the engine drives them,
failures as polls report them, and the rules of ``mogan.drivers.base``:
unknown nodes raise ``NodeNotFound``, calls may be repeated, another
instance of the driver (another engine) continues the work of the first,
and several threads may call one instance at once.

What must not live here: hooks and fixtures (``harness``), tests of the
optional interfaces (``extra``).
"""

import threading
import time
import uuid
from collections.abc import Callable

import pytest

from mogan.drivers import base
from mogan.drivers.testing import harness

DONE = harness.DONE


def _request(node_uuid: str) -> base.DeployRequest:
    del node_uuid
    return base.DeployRequest(server_uuid=str(uuid.uuid4()), image_url="http://x/i")


# Every per-node method of the required interfaces, on a node the driver
# does not know.
UNKNOWN_NODE_CALLS: dict[str, Callable[[base.Driver, str], object]] = {
    "get_node": lambda d, n: d.get_node(n),
    "get_inventory": lambda d, n: d.get_inventory(n),
    "get_power_state": lambda d, n: d.get_power_state(n),
    "start_power": lambda d, n: d.start_power(n, "on"),
    "poll_power": lambda d, n: d.poll_power(n),
    "start_deploy": lambda d, n: d.start_deploy(n, _request(n)),
    "poll_deploy": lambda d, n: d.poll_deploy(n),
    "start_rebuild": lambda d, n: d.start_rebuild(n, _request(n)),
    "start_teardown": lambda d, n: d.start_teardown(n),
    "poll_teardown": lambda d, n: d.poll_teardown(n),
}
RACERS = 6


class CoreTests(harness.Harness):
    """Required interfaces and the SDK's rules."""

    # ------------------------------------------------------------ inventory

    def test_node_is_listed_and_consumable(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """A free node is listed and reported consumable with no instance."""
        node = driver.get_node(node_uuid)
        assert node_uuid == node.uuid
        assert node.consumable is True
        assert node.why_not is None
        assert node.instance_uuid is None
        assert node_uuid in [n.uuid for n in driver.list_nodes()]

    @pytest.mark.usefixtures("node_uuid")
    def test_nodes_are_listed_by_name(self, driver: base.Driver) -> None:
        """list_nodes returns the nodes sorted by name."""
        names = [n.name for n in driver.list_nodes()]
        assert sorted(names) == names

    @pytest.mark.usefixtures("node_uuid")
    @pytest.mark.parametrize("method", sorted(UNKNOWN_NODE_CALLS))
    def test_unknown_node_is_not_found(self, driver: base.Driver, method: str) -> None:
        """Every per-node method raises NodeNotFound (a DriverError) if unknown."""
        with pytest.raises(base.NodeNotFound) as caught:
            UNKNOWN_NODE_CALLS[method](driver, str(uuid.uuid4()))
        assert isinstance(caught.value, base.DriverError)

    def test_inventory_is_typed_and_has_the_ports(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """get_inventory gives an Inventory whose NICs include every port."""
        inventory = driver.get_inventory(node_uuid)
        assert isinstance(inventory, base.Inventory)
        macs = {nic.mac.lower() for nic in inventory.nics}
        assert {mac.lower() for mac in driver.get_node(node_uuid).ports} <= macs
        for disk in inventory.disks:
            assert disk.size_gb >= 0
            assert isinstance(disk.type, base.DiskType)
        assert base.Inventory.from_dict(inventory.to_dict()) == inventory

    # ------------------------------------------------------------ deploy

    def test_lifecycle(
        self, driver: base.Driver, node_uuid: str, server_uuid: str
    ) -> None:
        """Deploy, power off and on, reboot, rebuild, teardown: the node is free."""
        driver.start_deploy(node_uuid, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        assert driver.get_power_state(node_uuid) == "power on"
        for target, power_state in (
            ("off", "power off"),
            ("on", "power on"),
            ("reboot", "power on"),
        ):
            driver.start_power(node_uuid, target)
            assert self.wait(driver.poll_power, node_uuid) == DONE
            assert power_state == driver.get_power_state(node_uuid)
        driver.start_rebuild(node_uuid, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        assert server_uuid == driver.get_node(node_uuid).instance_uuid
        driver.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    def test_deploy_with_nics_on_the_node_ports(
        self, driver: base.Driver, node_uuid: str, server_uuid: str
    ) -> None:
        """A deploy plugging a network on each of the node's ports succeeds."""
        nics = tuple(
            base.Nic(
                mac=mac,
                port_id=str(uuid.uuid4()),
                network_id=str(uuid.uuid4()),
                fixed_ips=(base.FixedIp(f"10.0.0.{i + 10}", cidr="10.0.0.0/24"),),
            )
            for i, mac in enumerate(driver.get_node(node_uuid).ports)
        )
        assert nics, "make_node must give the node a port"
        driver.start_deploy(node_uuid, self.request(server_uuid, nics=nics))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        assert server_uuid == driver.get_node(node_uuid).instance_uuid

    def test_deploy_reserves_the_node_and_powers_it_on(
        self, driver: base.Driver, deployed: str, server_uuid: str
    ) -> None:
        """A finished deploy leaves the node reserved, unconsumable and on."""
        node = driver.get_node(deployed)
        assert server_uuid == node.instance_uuid
        assert node.consumable is False
        assert node.why_not
        assert driver.get_power_state(deployed) == "power on"

    def test_deploy_is_idempotent_for_the_same_server(
        self, driver: base.Driver, deployed: str, server_uuid: str
    ) -> None:
        """Deploying again for the same server changes nothing."""
        driver.start_deploy(deployed, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert server_uuid == driver.get_node(deployed).instance_uuid

    def test_deploy_for_another_server_is_refused(
        self, driver: base.Driver, deployed: str, server_uuid: str
    ) -> None:
        """A node reserved for one server refuses a deploy for another."""
        with pytest.raises(base.DriverError):
            driver.start_deploy(deployed, self.request(str(uuid.uuid4())))
        assert server_uuid == driver.get_node(deployed).instance_uuid

    def test_rebuild_keeps_the_reservation(
        self, driver: base.Driver, deployed: str, server_uuid: str
    ) -> None:
        """A rebuild redeploys the node for the same server and leaves it on."""
        request = self.request(server_uuid, self.rebuild_image_url)
        driver.start_rebuild(deployed, request)
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert server_uuid == driver.get_node(deployed).instance_uuid
        assert driver.get_power_state(deployed) == "power on"

    def test_rebuild_for_another_server_is_refused(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """A rebuild for a server the node is not deployed for is refused."""
        with pytest.raises(base.DriverError):
            driver.start_rebuild(deployed, self.request(str(uuid.uuid4())))

    def test_rebuild_of_a_free_node_is_refused(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """A node that is not deployed cannot be rebuilt."""
        with pytest.raises(base.DriverError):
            driver.start_rebuild(node_uuid, self.request(str(uuid.uuid4())))

    def test_teardown_frees_the_node(self, driver: base.Driver, deployed: str) -> None:
        """A finished teardown leaves the node consumable with no instance."""
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        node = driver.get_node(deployed)
        assert node.instance_uuid is None
        assert node.consumable is True

    def test_torn_down_node_takes_a_new_server(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """After a teardown the node can be deployed for another server."""
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        other = str(uuid.uuid4())
        driver.start_deploy(deployed, self.request(other))
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert other == driver.get_node(deployed).instance_uuid

    def test_teardown_of_a_free_node_is_a_no_op(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """Tearing down a free node succeeds and leaves it consumable."""
        driver.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    def test_teardown_is_idempotent(self, driver: base.Driver, deployed: str) -> None:
        """A teardown started twice (a resumed workflow) ends as one."""
        driver.start_teardown(deployed)
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        assert driver.get_node(deployed).consumable is True

    # ------------------------------------------------------------ power

    def test_power_off_then_on(self, driver: base.Driver, deployed: str) -> None:
        """Power off then on are each started, polled to DONE and reported."""
        driver.start_power(deployed, "off")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power off"
        driver.start_power(deployed, "on")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power on"

    def test_power_action_is_idempotent(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """The same power action started twice (a resumed workflow) ends as one."""
        driver.start_power(deployed, "off")
        driver.start_power(deployed, "off")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power off"

    def test_soft_off_ends_powered_off(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """A soft power off ends with the node off."""
        driver.start_power(deployed, "soft_off")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power off"

    @pytest.mark.parametrize("target", ["reboot", "soft_reboot"])
    def test_reboots_end_powered_on(
        self, driver: base.Driver, deployed: str, target: str
    ) -> None:
        """A reboot, hard or soft, ends with the node on."""
        driver.start_power(deployed, "off")
        assert self.wait(driver.poll_power, deployed) == DONE
        driver.start_power(deployed, target)
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power on"

    # ------------------------------------------------------------ failures

    def test_failed_deploy_is_reported_and_can_be_torn_down(
        self, driver: base.Driver, node_uuid: str, server_uuid: str
    ) -> None:
        """A failed deploy polls FAILED with a reason; teardown frees the node."""
        self.make_failing(driver, node_uuid, "deploy")
        driver.start_deploy(node_uuid, self.request(server_uuid))
        status = self.wait(driver.poll_deploy, node_uuid)
        assert status.progress is base.Progress.FAILED
        assert status.error
        assert driver.get_node(node_uuid).consumable is False
        driver.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    def test_failed_power_action_is_reported(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """A failed power action polls FAILED with a reason, power unchanged."""
        self.make_failing(driver, deployed, "power")
        driver.start_power(deployed, "off")
        status = self.wait(driver.poll_power, deployed)
        assert status.progress is base.Progress.FAILED
        assert status.error
        assert driver.get_power_state(deployed) == "power on"

    def test_failed_cleaning_is_reported(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """A failed cleaning polls FAILED and leaves the node unconsumable."""
        self.make_failing(driver, deployed, "clean")
        driver.start_teardown(deployed)
        status = self.wait(driver.poll_teardown, deployed)
        assert status.progress is base.Progress.FAILED
        assert status.error
        node = driver.get_node(deployed)
        assert node.consumable is False
        assert node.why_not

    # ------------------------------------------------------------ rules

    def test_another_instance_continues_the_work(
        self,
        driver: base.Driver,
        another_driver: Callable[[], base.Driver],
        node_uuid: str,
        server_uuid: str,
    ) -> None:
        """No state in memory: a new instance (a restarted engine) carries on."""
        driver.start_deploy(node_uuid, self.request(server_uuid))
        second = another_driver()
        assert self.wait(second.poll_deploy, node_uuid) == DONE
        assert server_uuid == second.get_node(node_uuid).instance_uuid
        second.start_power(node_uuid, "off")
        third = another_driver()
        assert self.wait(third.poll_power, node_uuid) == DONE
        assert driver.get_power_state(node_uuid) == "power off"
        third.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    def test_threads_racing_for_a_node_reserve_it_once(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """Threads of one instance deploying one node for many servers: one wins."""
        servers = [str(uuid.uuid4()) for _ in range(RACERS)]
        barrier = threading.Barrier(len(servers))
        winners: list[str] = []
        errors: list[BaseException] = []

        def attempt(server: str) -> None:
            deadline = time.monotonic() + self.poll_timeout
            barrier.wait()
            while time.monotonic() < deadline:
                try:
                    driver.start_deploy(node_uuid, self.request(server))
                except base.NodeLocked:
                    time.sleep(self.poll_interval)
                    continue
                except base.DriverError:
                    return
                except BaseException as err:  # noqa: BLE001 - reported below
                    errors.append(err)
                    return
                winners.append(server)
                return

        threads = [threading.Thread(target=attempt, args=(s,)) for s in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.poll_timeout + 10)
        assert not errors, f"not driver errors: {errors!r}"
        assert len(winners) == 1
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        assert winners[0] == driver.get_node(node_uuid).instance_uuid
