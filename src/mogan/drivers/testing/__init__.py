"""The driver conformance suite, for any driver, in Mogan's tree or not.

A driver's test module subclasses ``DriverContract`` in a class pytest
collects (named ``Test...``) and implements ``make_driver``; that is all
for a driver with the enrolment interface. Others also implement
``make_node``, and may implement ``make_deployed_node`` (adoption),
``make_failing`` (failure tests) and ``bmc_access`` (enrolment through a
BMC); tests whose hook is missing, or whose optional interface the driver
lacks, are skipped with the reason::

    import pathlib

    from mogan.drivers import testing

    from my_site.driver import MyDriver


    class TestMyDriver(testing.DriverContract):
        def make_driver(self, tmp_path: pathlib.Path) -> MyDriver:
            return MyDriver(lab_url="http://lab.example.org:8000")

        def make_node(self, driver: MyDriver) -> str:
            return driver.lab.add_machine(ports=("52:54:00:12:34:56",))

It needs pytest (not a dependency of Mogan itself), and uses only
``mogan.drivers.base``, never a driver's own API. ``docs/drivers.md`` shows
the rules the tests check.
"""

from mogan.drivers.testing import core, extra, harness

DONE = harness.DONE
random_mac = harness.random_mac

__all__ = ["DONE", "DriverContract", "random_mac"]


class DriverContract(core.CoreTests, extra.ExtraTests):
    """Every conformance test; subclass it and fill the hooks of ``harness.Harness``."""
