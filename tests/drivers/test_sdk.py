"""A driver written outside ``mogan.drivers`` passes the packaged conformance suite.

``MinimalDriver`` is what a site's own driver looks like when it needs
nothing but ``mogan.drivers.base``: the required interfaces only (no
console, adoption or enrolment), its "hardware" a lab of machines that
every instance built for the same lab shares (so a restarted engine finds
the work where the last one left it), one lock for the threads. The test
class below is the few lines ``docs/drivers.md`` shows.
"""

import dataclasses
import pathlib
import threading
import uuid

import pytest

from mogan import exception
from mogan.drivers import base, capabilities, testing

POWER = {
    "on": "power on",
    "off": "power off",
    "soft_off": "power off",
    "reboot": "power on",
    "soft_reboot": "power on",
}


@dataclasses.dataclass
class Machine:
    """A lab machine as the lab's own tool would know it."""

    uuid: str
    name: str
    ports: tuple[str, ...]
    power: str = "power off"
    state: str = "available"
    instance: str | None = None
    # NOTE: operations whose next run fails (the lab's own fault injection).
    failing: set[str] = dataclasses.field(default_factory=set)
    power_error: str | None = None


class Lab:
    """The backend: machines behind a lock, one lab per path."""

    labs: dict[str, "Lab"] = {}  # noqa: RUF012 - the shared "hardware"

    def __init__(self) -> None:
        """An empty lab."""
        self.lock = threading.Lock()
        self.machines: dict[str, Machine] = {}

    @classmethod
    def at(cls, path: pathlib.Path) -> "Lab":
        """The lab of ``path`` (made on first use)."""
        return cls.labs.setdefault(str(path), cls())

    def get(self, node_uuid: str) -> Machine:
        """A machine; NodeNotFound when the lab has none by that uuid."""
        try:
            return self.machines[node_uuid]
        except KeyError:
            raise base.NodeNotFound(node=node_uuid) from None


class MinimalDriver(base.Driver):
    """Inventory, power and deploy of a lab's machines; nothing optional."""

    name = "minimal"

    def __init__(self, lab: Lab) -> None:
        """Drive ``lab``'s machines (nothing is reached yet)."""
        self.lab = lab

    def _spec(self, m: Machine) -> base.NodeSpec:
        free = m.state == "available" and m.instance is None
        return base.NodeSpec(
            uuid=m.uuid,
            name=m.name,
            resource_class="lab",
            ports=m.ports,
            power_state=m.power,
            instance_uuid=m.instance,
            consumable=free,
            why_not=None if free else f"{m.state} for {m.instance}",
        )

    def list_nodes(self):
        """Every machine, by name."""
        with self.lab.lock:
            return sorted(
                (self._spec(m) for m in self.lab.machines.values()),
                key=lambda s: s.name,
            )

    def get_node(self, node_uuid):
        """One machine."""
        with self.lab.lock:
            return self._spec(self.lab.get(node_uuid))

    def get_inventory(self, node_uuid):
        """What the lab knows: its NICs only."""
        with self.lab.lock:
            machine = self.lab.get(node_uuid)
        return base.Inventory(nics=tuple(base.InventoryNic(p) for p in machine.ports))

    def get_power_state(self, node_uuid):
        """The machine's power."""
        with self.lab.lock:
            return self.lab.get(node_uuid).power

    def start_power(self, node_uuid, target):
        """Power a deployed machine (at once)."""
        with self.lab.lock:
            machine = self.lab.get(node_uuid)
            if machine.state != "active":
                raise base.DriverError(node=node_uuid, reason="not deployed")
            machine.power_error = None
            if "power" in machine.failing:
                machine.failing.discard("power")
                machine.power_error = "the BMC refused the power action"
                return
            machine.power = POWER[target]

    def poll_power(self, node_uuid):
        """Done at once (the lab powers at once), or failed with the BMC's word."""
        with self.lab.lock:
            error = self.lab.get(node_uuid).power_error
        if error:
            return base.Status(base.Progress.FAILED, error)
        return base.Status(base.Progress.DONE)

    def start_deploy(self, node_uuid, request):
        """Reserve and deploy at once; again for the same server is a no-op."""
        with self.lab.lock:
            machine = self.lab.get(node_uuid)
            if machine.instance not in {None, request.server_uuid}:
                raise base.DriverError(node=node_uuid, reason="reserved")
            deployed = "deploy" not in machine.failing
            machine.failing.discard("deploy")
            machine.instance, machine.state, machine.power = (
                request.server_uuid,
                "active" if deployed else "deploy failed",
                "power on" if deployed else "power off",
            )

    def poll_deploy(self, node_uuid):
        """Done when active."""
        with self.lab.lock:
            state = self.lab.get(node_uuid).state
        if state == "active":
            return base.Status(base.Progress.DONE)
        return base.Status(base.Progress.FAILED, f"node is {state}")

    def start_rebuild(self, node_uuid, request):
        """Redeploy a machine active for the server."""
        with self.lab.lock:
            machine = self.lab.get(node_uuid)
            if machine.instance != request.server_uuid or machine.state != "active":
                raise base.DriverError(node=node_uuid, reason="not deployed for it")
            machine.power = "power on"

    def start_teardown(self, node_uuid):
        """Free the machine (a free one stays free)."""
        with self.lab.lock:
            machine = self.lab.get(node_uuid)
            cleaned = "clean" not in machine.failing
            machine.failing.discard("clean")
            machine.instance, machine.state, machine.power = (
                None,
                "available" if cleaned else "clean failed",
                "power off",
            )

    def poll_teardown(self, node_uuid):
        """Done when available."""
        with self.lab.lock:
            state = self.lab.get(node_uuid).state
        if state == "available":
            return base.Status(base.Progress.DONE)
        return base.Status(base.Progress.FAILED, f"node is {state}")


class TestMinimalDriver(testing.DriverContract):
    """The whole suite, from the package, with three hooks."""

    driver_class = MinimalDriver

    def make_driver(self, tmp_path):
        """A driver on the test's lab."""
        return MinimalDriver(Lab.at(tmp_path))

    def make_node(self, driver):
        """A free machine with one port."""
        node_uuid = str(uuid.uuid4())
        driver.lab.machines[node_uuid] = Machine(
            node_uuid, f"lab-{node_uuid[:8]}", (testing.random_mac(),)
        )
        return node_uuid

    def make_failing(self, driver, node_uuid, operation):
        """The lab fails the machine's next ``operation``."""
        driver.lab.get(node_uuid).failing.add(operation)


class TestOptionalTests:
    def test_tests_of_missing_interfaces_are_not_collected(self):
        """With ``driver_class`` set, a console or adoption test does not exist."""
        assert TestMinimalDriver.test_serial_console_has_a_url is None
        assert TestMinimalDriver.test_adopt_is_idempotent_for_the_same_server is None
        assert TestMinimalDriver.test_enroll_is_idempotent_by_uuid is None
        assert TestMinimalDriver.test_deploy_applies_and_reports_each_section is None
        assert callable(TestMinimalDriver.test_lifecycle)
        assert callable(TestMinimalDriver.test_missing_interfaces_are_refused_by_name)

    def test_without_driver_class_they_are_kept_and_skip(self):
        """Without ``driver_class`` every test is collected (and skips at run)."""

        class Undeclared(testing.DriverContract):
            pass

        assert callable(Undeclared.test_serial_console_has_a_url)

    def test_interfaces_the_driver_has_keep_their_tests(self):
        """The fake has consoles and hardware: their tests are collected."""
        from tests.drivers.test_fake import TestFakeContract  # noqa: PLC0415

        assert callable(TestFakeContract.test_console_log_is_text)
        assert callable(TestFakeContract.test_empty_hardware_request_is_valid)
        assert callable(TestFakeContract.test_deploy_applies_and_reports_each_section)


class TestCapabilities:
    def test_required_only(self, tmp_path):
        """The minimal driver has the three required capabilities and no more."""
        driver = MinimalDriver(Lab.at(tmp_path))
        assert capabilities.capabilities(driver) == capabilities.REQUIRED

    def test_missing_interface_is_a_409_naming_the_driver(self, tmp_path):
        """require() refuses with DriverCannot: a Conflict with a stable code."""
        driver = MinimalDriver(Lab.at(tmp_path))
        with pytest.raises(exception.DriverCannot) as caught:
            capabilities.require(driver, base.ConsoleInterface, "open a serial console")
        assert caught.value.message == "driver minimal cannot open a serial console"
        assert caught.value.code == "mogan.driver.unsupported"
        assert isinstance(caught.value, exception.Conflict)

    def test_present_interface_is_given_back(self, tmp_path):
        """require() gives the driver itself when it has the interface."""
        from mogan.drivers import fake  # noqa: PLC0415

        driver = fake.FakeDriver(str(tmp_path))
        try:
            assert capabilities.require(driver, base.ConsoleInterface, "x") is driver
            assert capabilities.capabilities(driver) == capabilities.REQUIRED | {
                capabilities.Capability.CONSOLE,
                capabilities.Capability.ADOPTION,
                capabilities.Capability.ENROLMENT,
                capabilities.Capability.HARDWARE,
                capabilities.Capability.VIFS,
            }
        finally:
            driver.close()
