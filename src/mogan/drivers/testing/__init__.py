"""The driver conformance suite, for any driver, in Mogan's tree or not.

A driver's test module subclasses ``DriverContract`` in a class pytest
collects (named ``Test...``), names the ``driver_class`` and implements
``make_driver``; that is all for a driver with the enrolment interface.
Others also implement ``make_node``, and may implement
``make_deployed_node`` (adoption), ``make_failing`` (failure tests),
``bmc_access`` (enrolment through a BMC) and ``make_hardware_node`` (a node
with disks, a BIOS registry, firmware and two ports on one physical
network, for the hardware interface) and ``make_composition_service``
(a composition service holding a ``composition.Pool`` of free blocks, for
the composition interface). Tests of optional interfaces the
driver class lacks are not collected; tests whose hook is missing are
skipped with the reason::

    import pathlib

    from mogan.drivers import testing

    from my_site.driver import MyDriver


    class TestMyDriver(testing.DriverContract):
        driver_class = MyDriver

        def make_driver(self, tmp_path: pathlib.Path) -> MyDriver:
            return MyDriver(lab_url="http://lab.example.org:8000")

        def make_node(self, driver: MyDriver) -> str:
            return driver.lab.add_machine(ports=("52:54:00:12:34:56",))

It needs pytest (not a dependency of Mogan itself), and uses only
``mogan.drivers.base`` and ``capabilities``, never a driver's own API.
``docs/drivers.md`` shows the rules the tests check.
"""

from typing import Any, ClassVar

from mogan.drivers import base
from mogan.drivers.testing import composition, core, extra, hardware, harness

DONE = harness.DONE
Pool = composition.Pool
random_mac = harness.random_mac

__all__ = ["DONE", "DriverContract", "Pool", "random_mac"]


class DriverContract(
    core.CoreTests,
    extra.ExtraTests,
    hardware.HardwareTests,
    composition.CompositionTests,
):
    """Every conformance test; subclass it and fill the hooks of ``harness.Harness``.

    Set ``driver_class`` to the driver's class and the tests of optional
    interfaces it lacks are not collected at all (otherwise they skip when
    they find the interface missing, which a CI that forbids skips reports).
    """

    driver_class: ClassVar[type[base.Driver] | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Drop the tests of interfaces ``driver_class`` does not implement."""
        super().__init_subclass__(**kwargs)
        if cls.driver_class is None:
            return
        for name in dir(cls):
            interface = getattr(getattr(cls, name, None), harness.NEEDS, None)
            if interface is not None and not issubclass(cls.driver_class, interface):
                setattr(cls, name, None)
