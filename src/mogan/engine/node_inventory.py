"""When node sync reads a node's hardware inventory, and what it stores of it.

An inventory is read when a node is new or has none yet, when its ports
(their addresses, or the driver's ``NodeSpec.ports_version`` of them: a
port cabled, moved or bonded) or properties changed, and once it is older
than ``[engine] inventory_refresh_interval``; each node row then names its
hardware class (the facts the scheduler filters on, stored once per
shape). The ports version is stored with a successful read only, so a read
that failed is tried again at the next run.
"""

import datetime
import logging
from typing import Any

from mogan.db import models
from mogan.drivers import base
from mogan.scheduler import hardware as hardware_fit

LOG = logging.getLogger(__name__)


def due(
    spec: base.NodeSpec,
    row: models.Node | None,
    now: datetime.datetime,
    max_age: float,
) -> bool:
    """Whether the node's inventory must be read (again) this run."""
    if row is None or row.inventory_at is None:
        return True
    if list(spec.ports) != list(row.ports) or dict(spec.properties) != dict(
        row.properties
    ):
        return True
    if spec.ports_version is not None and spec.ports_version != row.ports_version:
        return True
    return bool(max_age) and (now - row.inventory_at).total_seconds() >= max_age


def read(
    driver: base.Driver,
    spec: base.NodeSpec,
    host: str,
    classes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The row's inventory columns, read from the driver now ({} on failure).

    The node's hardware class is added to ``classes`` (stored with the rows).
    """
    try:
        inventory = driver.get_inventory(spec.uuid)
    except (base.DriverError, ValueError) as err:
        LOG.warning("%s: inventory of node %s not read: %s", host, spec.uuid, err)
        return {}
    facts = hardware_fit.Facts.of(inventory)
    fingerprint = facts.fingerprint()
    classes.setdefault(fingerprint, facts.to_dict())
    return {
        "inventory": inventory.to_dict(),
        "inventory_at": models.utcnow(),
        "hardware_class": fingerprint,
        "ports_version": spec.ports_version,
    }
