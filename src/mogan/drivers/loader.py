"""Load a driver by name from the ``mogan.drivers`` entry-point group.

Which drivers are enabled is configuration, decided by the composition roots
in ``mogan.cmd``; this module only turns a name into a driver instance.
"""

import importlib.metadata
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


def load(name: str, **kwargs: Any) -> base.Driver:
    """Instantiate the driver registered as ``name`` with ``kwargs``.

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
    driver: base.Driver = cls(**kwargs)
    return driver


def from_conf(conf: cfg.ConfigOpts) -> base.Driver:
    """The driver ``[engine] driver`` names.

    The fake one keeps its fleet in ``state_path``; every other driver reads
    its own options (``[ironic]`` ...) from ``conf``.
    """
    name = conf.engine.driver
    if name == "fake":
        return load(name, state_path=conf.state_path)
    return load(name, conf=conf)
