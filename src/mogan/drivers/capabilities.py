"""Which interfaces a driver has, and a 409 when it lacks the one asked for.

The engine and the services never call an optional interface blindly: they
ask ``require(driver, base.ConsoleInterface, "open a serial console")``,
which gives the driver back typed as that interface or raises
``DriverCannot`` (409, ``mogan.driver.unsupported``, "driver X cannot
..."). ``capabilities`` lists what a driver has, for operators and the
conformance suite.

What must not live here: the interfaces themselves (``base``).
"""

import abc
import enum
from collections.abc import Callable
from typing import Any, TypeVar, cast

from mogan import exception
from mogan.drivers import base


class Capability(enum.StrEnum):
    """What a driver can do; one interface each."""

    INVENTORY = "inventory"
    POWER = "power"
    DEPLOY = "deploy"
    CONSOLE = "console"
    ADOPTION = "adoption"
    ENROLMENT = "enrolment"
    HARDWARE = "hardware"
    COMPOSITION = "composition"
    VIFS = "vifs"


INTERFACES: dict[Capability, type[abc.ABC]] = {
    Capability.INVENTORY: base.InventoryInterface,
    Capability.POWER: base.PowerInterface,
    Capability.DEPLOY: base.DeployInterface,
    Capability.CONSOLE: base.ConsoleInterface,
    Capability.ADOPTION: base.ManageInterface,
    Capability.ENROLMENT: base.EnrollInterface,
    Capability.HARDWARE: base.HardwareInterface,
    Capability.COMPOSITION: base.CompositionInterface,
    Capability.VIFS: base.VifInterface,
}
REQUIRED = frozenset({Capability.INVENTORY, Capability.POWER, Capability.DEPLOY})

_I = TypeVar("_I")


def capabilities(driver: Any) -> frozenset[Capability]:
    """The interfaces ``driver`` implements."""
    return frozenset(c for c, iface in INTERFACES.items() if isinstance(driver, iface))


def require(driver: base.Driver, interface: Callable[..., _I], what: str) -> _I:
    """``driver`` as ``interface``, or a 409 saying it cannot do ``what``.

    Args:
        driver: the engine's driver.
        interface: the optional interface needed (``ConsoleInterface`` ...).
        what: the action, completing "driver X cannot ..." (``show a
            console``).

    Raises:
        DriverCannot: the driver does not implement ``interface``.
    """
    # NOTE: typed as a callable, not ``type[_I]``: mypy refuses abstract
    # classes where a ``type`` is expected, and every interface is abstract.
    if not isinstance(driver, cast("type", interface)):
        raise exception.DriverCannot(driver=driver.name, what=what)
    return cast("_I", driver)
