"""What the conformance tests stand on: hooks a driver's test fills, fixtures.

A driver's test class (a subclass of ``DriverContract``) implements
``make_driver`` and, unless its driver can enroll nodes, ``make_node``; the
other hooks are optional and the tests that need them skip without them.
Fixtures (``driver``, ``another_driver``, ``node_uuid``, ``deployed``,
``manageable_node``) call the hooks, so a test class may also override a
fixture when it needs other fixtures of its own.

What must not live here: the tests themselves (``core``, ``extra``), and
any driver's own API (only ``mogan.drivers.base`` is used).
"""

import pathlib
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import pytest

from mogan.drivers import base

DONE = base.Status(base.Progress.DONE)
OPERATIONS = ("deploy", "power", "clean")

_I = TypeVar("_I")
_F = TypeVar("_F", bound=Callable[..., Any])
NEEDS = "_mogan_needs"


def needs(interface: type) -> Callable[[_F], _F]:
    """Mark a test as one of an optional interface's (see ``DriverContract``)."""

    def mark(test: _F) -> _F:
        setattr(test, NEEDS, interface)
        return test

    return mark


def random_mac() -> str:
    """A locally administered MAC address unique to the test run."""
    raw = uuid.uuid4().hex
    return f"52:54:{raw[0:2]}:{raw[2:4]}:{raw[4:6]}:{raw[6:8]}"


class Harness:
    """Hooks, fixtures and helpers of the conformance suite.

    Class attributes tune it: the image URLs deployed, and how often and
    how long a poll is repeated (raise ``poll_timeout`` for slow backends).
    """

    image_url = "http://images.example.org/contract.raw"
    rebuild_image_url = "http://images.example.org/contract-2.raw"
    resource_class = "contract"
    poll_interval = 0.01
    poll_timeout = 60.0

    # ------------------------------------------------------------ hooks

    def make_driver(self, tmp_path: pathlib.Path) -> base.Driver:
        """A new instance of the driver under test, on the test's backend.

        Called more than once in some tests: every instance made for one
        ``tmp_path`` must reach the same backend (the same fleet, the same
        Ironic), as two engines would. Required.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement make_driver")

    def close_driver(self, driver: base.Driver) -> None:
        """Release what ``make_driver`` opened (default: nothing)."""

    def make_node(self, driver: base.Driver) -> str:
        """A consumable node with at least one port; its uuid.

        The default enrolls one through ``EnrollInterface``; a driver
        without it must implement this hook.
        """
        enroller = self.need(driver, base.EnrollInterface, "make_node")
        node_uuid = str(uuid.uuid4())
        enroller.enroll(
            base.NodeSpec(
                uuid=node_uuid,
                name=f"contract-{node_uuid[:8]}",
                resource_class=self.resource_class,
                ports=(random_mac(),),
            )
        )
        return node_uuid

    def make_deployed_node(self, driver: base.Driver) -> str:
        """A node deployed outside Mogan, for adoption; its uuid.

        Active, powered on, no instance, not in maintenance, with a resource
        class and at least one port. The default skips the adoption tests.
        """
        del driver
        pytest.skip(f"{type(self).__name__} cannot make a node deployed elsewhere")

    def make_failing(self, driver: base.Driver, node_uuid: str, operation: str) -> None:
        """Make the node's next ``deploy``, ``power`` or ``clean`` fail.

        The default skips the failure tests.
        """
        del driver, node_uuid
        pytest.skip(f"{type(self).__name__} cannot script {operation} failures")

    def bmc_access(self, *, good: bool) -> base.BmcAccess:
        """A BMC that answers (``good``) or one that refuses, for enrolment.

        The default skips the BMC tests.
        """
        del good
        pytest.skip(f"{type(self).__name__} gives no BMC to validate")

    # ------------------------------------------------------------ fixtures

    @pytest.fixture
    def driver(self, tmp_path: pathlib.Path) -> Iterator[base.Driver]:
        """The driver under test."""
        driver = self.make_driver(tmp_path)
        yield driver
        self.close_driver(driver)

    @pytest.fixture
    def another_driver(
        self, tmp_path: pathlib.Path
    ) -> Iterator[Callable[[], base.Driver]]:
        """Makes more instances on the same backend (another engine's)."""
        made: list[base.Driver] = []

        def make() -> base.Driver:
            made.append(self.make_driver(tmp_path))
            return made[-1]

        yield make
        for driver in made:
            self.close_driver(driver)

    @pytest.fixture
    def node_uuid(self, driver: base.Driver) -> str:
        """A consumable node of ``driver``."""
        return self.make_node(driver)

    @pytest.fixture
    def manageable_node(self, driver: base.Driver) -> str:
        """A node deployed outside Mogan."""
        return self.make_deployed_node(driver)

    @pytest.fixture
    def server_uuid(self) -> str:
        """The server the node is deployed for."""
        return str(uuid.uuid4())

    @pytest.fixture
    def deployed(self, driver: base.Driver, node_uuid: str, server_uuid: str) -> str:
        """``node_uuid``, deployed for ``server_uuid``."""
        driver.start_deploy(node_uuid, self.request(server_uuid))
        assert self.wait(driver.poll_deploy, node_uuid) == DONE
        return node_uuid

    # ------------------------------------------------------------ helpers

    def request(
        self,
        server_uuid: str,
        image_url: str | None = None,
        nics: tuple[base.Nic, ...] = (),
    ) -> base.DeployRequest:
        """A deploy request for ``server_uuid``."""
        return base.DeployRequest(
            server_uuid=server_uuid,
            image_url=image_url or self.image_url,
            config_drive={"openstack/latest/meta_data.json": '{"uuid": "x"}'},
            nics=nics,
        )

    def wait(self, poll: Callable[[str], base.Status], node_uuid: str) -> base.Status:
        """Poll until the operation is no longer in progress; its status."""
        deadline = time.monotonic() + self.poll_timeout
        while (status := poll(node_uuid)).progress is base.Progress.IN_PROGRESS:
            if time.monotonic() > deadline:
                pytest.fail(f"{poll.__name__} still in progress on {node_uuid}")
            time.sleep(self.poll_interval)
        return status

    @staticmethod
    def need(driver: base.Driver, interface: Callable[..., _I], why: str = "") -> _I:
        """``driver`` as an optional interface, or skip the test."""
        name = getattr(interface, "__name__", str(interface))
        if not isinstance(driver, cast("type", interface)):
            pytest.skip(
                f"driver {driver.name} has no {name}{f' ({why})' if why else ''}"
            )
        return cast("_I", driver)
