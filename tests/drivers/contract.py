"""The driver conformance suite: what the engine relies on from every driver.

A driver's test module subclasses ``DriverContract`` (pytest collects the
subclass, named ``Test...``) and provides three fixtures:

- ``driver``: a ready ``base.Driver``;
- ``node_uuid``: a node of that driver that is consumable (free, clean, not in
  maintenance) and may be deployed, powered and torn down;
- ``manageable_node``: a node deployed outside Mogan (active, powered on, no
  instance, not in maintenance, with a resource class and at least one
  port) that adoption may take.

The failure tests call ``make_failing(driver, node_uuid, operation)``; a
driver that cannot script failures keeps the default, which skips them.
Class attributes tune polling for slow backends. Only ``mogan.drivers.base``
is used here, never a driver's own API.
"""

import time
import uuid
from collections.abc import Callable

import pytest

from mogan.drivers import base

DONE = base.Status(base.Progress.DONE)

# Every per-node method, called on a node the driver does not know.
UNKNOWN_NODE_CALLS: dict[str, Callable[[base.Driver, str], object]] = {
    "get_node": lambda d, n: d.get_node(n),
    "get_power_state": lambda d, n: d.get_power_state(n),
    "start_power": lambda d, n: d.start_power(n, "on"),
    "poll_power": lambda d, n: d.poll_power(n),
    "start_deploy": lambda d, n: d.start_deploy(
        n, base.DeployRequest(server_uuid=str(uuid.uuid4()), image_url="http://x/i")
    ),
    "poll_deploy": lambda d, n: d.poll_deploy(n),
    "start_rebuild": lambda d, n: d.start_rebuild(
        n, base.DeployRequest(server_uuid=str(uuid.uuid4()), image_url="http://x/i")
    ),
    "start_teardown": lambda d, n: d.start_teardown(n),
    "poll_teardown": lambda d, n: d.poll_teardown(n),
    "get_console": lambda d, n: d.get_console(n, "serial"),
    "console_log": lambda d, n: d.console_log(n),
    "adopt": lambda d, n: d.adopt(n, str(uuid.uuid4())),
}


class DriverContract:
    """Conformance tests; subclasses provide ``driver`` and ``node_uuid``."""

    image_url = "http://images.example.org/contract.raw"
    rebuild_image_url = "http://images.example.org/contract-2.raw"
    poll_interval = 0.01
    poll_timeout = 60.0

    # ------------------------------------------------------------ hooks

    @pytest.fixture
    def driver(self) -> base.Driver:
        """The driver under test (subclasses override this fixture)."""
        raise NotImplementedError(f"{type(self).__name__} must provide `driver`")

    @pytest.fixture
    def node_uuid(self, driver) -> str:
        """A consumable node of ``driver`` (subclasses override this fixture)."""
        raise NotImplementedError(f"{type(self).__name__} must provide `node_uuid`")

    @pytest.fixture
    def manageable_node(self, driver) -> str:
        """A node deployed outside Mogan (subclasses override this fixture)."""
        raise NotImplementedError(
            f"{type(self).__name__} must provide `manageable_node`"
        )

    def make_failing(self, driver, node_uuid: str, operation: str) -> None:  # noqa: ARG002
        """Make the node's next ``deploy``, ``power`` or ``clean`` fail."""
        pytest.skip(f"{type(self).__name__} cannot script {operation} failures")

    # ------------------------------------------------------------ helpers

    @pytest.fixture
    def server_uuid(self) -> str:
        """The server the node is deployed for."""
        return str(uuid.uuid4())

    @pytest.fixture
    def deployed(self, driver, node_uuid, server_uuid) -> str:
        """``node_uuid``, deployed for ``server_uuid``."""
        driver.start_deploy(node_uuid, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        return node_uuid

    def request(self, server_uuid: str, image_url: str | None = None):
        """A deploy request for ``server_uuid``."""
        return base.DeployRequest(
            server_uuid=server_uuid,
            image_url=image_url or self.image_url,
            config_drive={"openstack/latest/meta_data.json": '{"uuid": "x"}'},
        )

    def wait(self, poll: Callable[[str], base.Status], node_uuid: str):
        """Poll until the operation is no longer in progress; its status."""
        deadline = time.monotonic() + self.poll_timeout
        while (status := poll(node_uuid)).progress is base.Progress.IN_PROGRESS:
            if time.monotonic() > deadline:
                pytest.fail(f"{poll.__name__} still in progress on {node_uuid}")
            time.sleep(self.poll_interval)
        return status

    # ------------------------------------------------------------ inventory

    def test_node_is_listed_and_consumable(self, driver, node_uuid):
        """A free node is listed and reported consumable with no instance."""
        node = driver.get_node(node_uuid)
        assert node_uuid == node.uuid
        assert node.consumable is True
        assert node.why_not is None
        assert node.instance_uuid is None
        assert node_uuid in [n.uuid for n in driver.list_nodes()]

    @pytest.mark.usefixtures("node_uuid")
    def test_nodes_are_listed_by_name(self, driver):
        """list_nodes returns the nodes sorted by name."""
        names = [n.name for n in driver.list_nodes()]
        assert sorted(names) == names

    @pytest.mark.usefixtures("node_uuid")
    @pytest.mark.parametrize("method", sorted(UNKNOWN_NODE_CALLS))
    def test_unknown_node_is_not_found(self, driver, method):
        """Every per-node method raises NodeNotFound for an unknown node."""
        with pytest.raises(base.NodeNotFound):
            UNKNOWN_NODE_CALLS[method](driver, str(uuid.uuid4()))

    # ------------------------------------------------------------ deploy

    def test_lifecycle(self, driver, node_uuid, server_uuid):
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

    def test_deploy_reserves_the_node_and_powers_it_on(
        self, driver, deployed, server_uuid
    ):
        """A finished deploy leaves the node reserved, unconsumable and on."""
        node = driver.get_node(deployed)
        assert server_uuid == node.instance_uuid
        assert node.consumable is False
        assert node.why_not
        assert driver.get_power_state(deployed) == "power on"

    def test_deploy_is_idempotent_for_the_same_server(
        self, driver, deployed, server_uuid
    ):
        """Deploying again for the same server changes nothing."""
        driver.start_deploy(deployed, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert server_uuid == driver.get_node(deployed).instance_uuid

    def test_deploy_for_another_server_is_refused(self, driver, deployed, server_uuid):
        """A node reserved for one server refuses a deploy for another."""
        with pytest.raises(base.DriverError):
            driver.start_deploy(deployed, self.request(str(uuid.uuid4())))
        assert server_uuid == driver.get_node(deployed).instance_uuid

    def test_rebuild_keeps_the_reservation(self, driver, deployed, server_uuid):
        """A rebuild redeploys the node for the same server and leaves it on."""
        request = self.request(server_uuid, self.rebuild_image_url)
        driver.start_rebuild(deployed, request)
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert server_uuid == driver.get_node(deployed).instance_uuid
        assert driver.get_power_state(deployed) == "power on"

    def test_rebuild_for_another_server_is_refused(self, driver, deployed):
        """A rebuild for a server the node is not deployed for is refused."""
        with pytest.raises(base.DriverError):
            driver.start_rebuild(deployed, self.request(str(uuid.uuid4())))

    def test_rebuild_of_a_free_node_is_refused(self, driver, node_uuid):
        """A node that is not deployed cannot be rebuilt."""
        with pytest.raises(base.DriverError):
            driver.start_rebuild(node_uuid, self.request(str(uuid.uuid4())))

    def test_teardown_frees_the_node(self, driver, deployed):
        """A finished teardown leaves the node consumable with no instance."""
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        node = driver.get_node(deployed)
        assert node.instance_uuid is None
        assert node.consumable is True

    def test_torn_down_node_takes_a_new_server(self, driver, deployed):
        """After a teardown the node can be deployed for another server."""
        driver.start_teardown(deployed)
        assert self.wait(driver.poll_teardown, deployed) == DONE
        other = str(uuid.uuid4())
        driver.start_deploy(deployed, self.request(other))
        assert self.wait(driver.poll_deploy, deployed) == DONE
        assert other == driver.get_node(deployed).instance_uuid

    def test_teardown_of_a_free_node_is_a_no_op(self, driver, node_uuid):
        """Tearing down a free node succeeds and leaves it consumable."""
        driver.start_teardown(node_uuid)
        assert self.wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    # ------------------------------------------------------------ power

    def test_power_off_then_on(self, driver, deployed):
        """Power off then on are each started, polled to DONE and reported."""
        driver.start_power(deployed, "off")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power off"
        driver.start_power(deployed, "on")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power on"

    def test_soft_off_ends_powered_off(self, driver, deployed):
        """A soft power off ends with the node off."""
        driver.start_power(deployed, "soft_off")
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power off"

    @pytest.mark.parametrize("target", ["reboot", "soft_reboot"])
    def test_reboots_end_powered_on(self, driver, deployed, target):
        """A reboot, hard or soft, ends with the node on."""
        driver.start_power(deployed, "off")
        assert self.wait(driver.poll_power, deployed) == DONE
        driver.start_power(deployed, target)
        assert self.wait(driver.poll_power, deployed) == DONE
        assert driver.get_power_state(deployed) == "power on"

    # ------------------------------------------------------------ console

    def test_serial_console_has_a_url(self, driver, node_uuid):
        """The serial console is described by its type and a URL."""
        console = driver.get_console(node_uuid, "serial")
        assert console["type"] == "serial"
        assert console["url"]

    def test_unknown_console_kind_is_unavailable(self, driver, node_uuid):
        """A console kind the node lacks raises ConsoleUnavailable."""
        with pytest.raises(base.ConsoleUnavailable):
            driver.get_console(node_uuid, "no-such-console")

    def test_console_log_is_text(self, driver, deployed):
        """The console log of a deployed node is text."""
        assert isinstance(driver.console_log(deployed), str)

    # ------------------------------------------------------------ failures

    def test_failed_deploy_is_reported_and_can_be_torn_down(
        self, driver, node_uuid, server_uuid
    ):
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

    def test_failed_power_action_is_reported(self, driver, deployed):
        """A failed power action polls FAILED with a reason, power unchanged."""
        self.make_failing(driver, deployed, "power")
        driver.start_power(deployed, "off")
        status = self.wait(driver.poll_power, deployed)
        assert status.progress is base.Progress.FAILED
        assert status.error
        assert driver.get_power_state(deployed) == "power on"

    def test_failed_cleaning_is_reported(self, driver, deployed):
        """A failed cleaning polls FAILED and leaves the node unconsumable."""
        self.make_failing(driver, deployed, "clean")
        driver.start_teardown(deployed)
        status = self.wait(driver.poll_teardown, deployed)
        assert status.progress is base.Progress.FAILED
        assert status.error
        node = driver.get_node(deployed)
        assert node.consumable is False
        assert node.why_not

    # ------------------------------------------------------------ adoption

    def test_deployed_node_is_manageable(self, driver, manageable_node):
        """A node deployed outside Mogan is listed as manageable, on, with ports."""
        listed = {m.uuid: m for m in driver.list_manageable()}
        node = listed[manageable_node]
        assert node.provision_state == "active"
        assert node.power_state == "power on"
        assert node.resource_class
        assert node.ports
        assert node.ports == driver.get_node(manageable_node).ports

    def test_free_node_is_not_manageable(self, driver, node_uuid):
        """A free (undeployed) node is not offered for adoption."""
        assert node_uuid not in [m.uuid for m in driver.list_manageable()]

    def test_adopt_records_the_server_and_keeps_the_node_running(
        self, driver, manageable_node, server_uuid
    ):
        """Adoption reserves the node for the server; it stays on, unlisted."""
        driver.adopt(manageable_node, server_uuid)
        node = driver.get_node(manageable_node)
        assert server_uuid == node.instance_uuid
        assert node.consumable is False
        assert driver.get_power_state(manageable_node) == "power on"
        assert manageable_node not in [m.uuid for m in driver.list_manageable()]

    def test_adopt_is_idempotent_for_the_same_server(
        self, driver, manageable_node, server_uuid
    ):
        """Adopting again for the same server changes nothing."""
        driver.adopt(manageable_node, server_uuid)
        driver.adopt(manageable_node, server_uuid)
        assert server_uuid == driver.get_node(manageable_node).instance_uuid

    def test_adopt_for_another_server_is_refused(
        self, driver, manageable_node, server_uuid
    ):
        """An adopted node refuses adoption by another server."""
        driver.adopt(manageable_node, server_uuid)
        with pytest.raises(base.DriverError):
            driver.adopt(manageable_node, str(uuid.uuid4()))
        assert server_uuid == driver.get_node(manageable_node).instance_uuid

    def test_adopt_of_a_free_node_is_refused(self, driver, node_uuid):
        """A node that is not deployed cannot be adopted."""
        with pytest.raises(base.DriverError):
            driver.adopt(node_uuid, str(uuid.uuid4()))
        assert driver.get_node(node_uuid).instance_uuid is None

    def test_adopted_node_powers_and_tears_down_like_a_deployed_one(
        self, driver, manageable_node, server_uuid
    ):
        """An adopted server's node powers off and on, then tears down free."""
        driver.adopt(manageable_node, server_uuid)
        driver.start_power(manageable_node, "off")
        assert self.wait(driver.poll_power, manageable_node) == DONE
        assert driver.get_power_state(manageable_node) == "power off"
        driver.start_power(manageable_node, "on")
        assert self.wait(driver.poll_power, manageable_node) == DONE
        driver.start_teardown(manageable_node)
        assert self.wait(driver.poll_teardown, manageable_node) == DONE
        node = driver.get_node(manageable_node)
        assert node.instance_uuid is None
        assert node.consumable is True
