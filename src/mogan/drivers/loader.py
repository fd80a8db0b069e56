"""Load a driver by name from the ``mogan.drivers`` entry-point group.

Which drivers are enabled is configuration, decided by the composition roots
in ``mogan.cmd``; this module turns a name into a driver class or instance,
and lists every installed driver's options for the sample-config generator
(the ``mogan.drivers`` namespace of ``oslo.config.opts``), so a driver
installed from another distribution has its group in the sample too.
"""

import importlib.metadata
from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from mogan import exception
from mogan.drivers import base

GROUP = "mogan.drivers"


class DriverNotFound(exception.NotFound):
    """No installed driver has the requested name."""

    msg_fmt = "No driver named {name} is installed; available drivers: {available}."
    code = "mogan.driver.not_found"


def available() -> list[str]:
    """Names of the installed drivers, sorted."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group=GROUP)})


def driver_class(name: str) -> type[base.Driver]:
    """The driver class registered as ``name``.

    Raises:
        DriverNotFound: no installed driver has that name.
        TypeError: the entry point is not a ``base.Driver`` subclass, or
            several distributions register the name.
    """
    matches = list(importlib.metadata.entry_points(group=GROUP, name=name))
    if not matches:
        raise DriverNotFound(name=name, available=", ".join(available()) or "none")
    targets = sorted({ep.value for ep in matches})
    if len(targets) > 1:
        raise TypeError(f"driver {name} is registered several times: {targets}")
    cls = matches[0].load()
    if not (isinstance(cls, type) and issubclass(cls, base.Driver)):
        raise TypeError(f"driver {name} ({targets[0]}) is not a mogan driver class")
    return cls


def load(name: str, **kwargs: Any) -> base.Driver:
    """Instantiate the driver registered as ``name`` with ``kwargs`` (tests, tools).

    Raises:
        DriverNotFound: no installed driver has that name.
        TypeError: as ``driver_class``.
    """
    driver: base.Driver = driver_class(name)(**kwargs)
    return driver


def from_conf(conf: cfg.ConfigOpts) -> base.Driver:
    """The driver ``[engine] driver`` names, built as the SDK says.

    ``DriverClass.from_conf(conf)`` registers the driver's own options on
    ``conf`` and reads them (see ``base``).

    Raises:
        DriverNotFound: no installed driver has that name.
        TypeError: as ``driver_class``.
    """
    return driver_class(conf.engine.driver).from_conf(conf)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    """Every installed driver's option groups, by group name.

    Raises:
        TypeError: an installed entry point is not a driver class.
    """
    groups: dict[str, list[cfg.Opt]] = {}
    for name in available():
        for group, opts in driver_class(name).list_opts():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
