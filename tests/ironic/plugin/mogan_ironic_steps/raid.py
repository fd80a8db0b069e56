"""The ``mogan-fake`` RAID interface: RAID steps that record what they built.

- deploy step ``apply_configuration(raid_config, delete_existing=True)``:
  validates ``raid_config`` with Ironic's RAID schema (a bad ``raid_level``
  fails the step), stores it as the node's ``target_raid_config`` (as
  Ironic's generic implementation does) and builds it;
- clean step ``create_configuration(create_root_volume, create_nonroot_volumes,
  delete_existing)``: builds the node's ``target_raid_config``;
- clean step ``delete_configuration``: empties the node's ``raid_config``.

Building records the logical disks with ``ironic.common.raid.update_raid_info``
as real drivers do: ``raid_config`` gets them (plus ``last_updated``) and a
root volume sets ``properties.local_gb`` and the ``raid_level`` capability.
Each disk gets what a controller would report: ``size_gb`` "MAX" resolved
to a number (the node's disk capacity less the fixed sizes, shared among the
"MAX" disks), a ``controller`` and a ``volume_name`` when not given. The
capacity is ``properties.local_gb`` (1000 when unset) as first seen, kept in
``driver_internal_info`` so a root volume's size written back to
``local_gb`` does not shrink the next build. With ``delete_existing`` false
the new disks are added to the ones already in ``raid_config``.
"""

from typing import Any

from ironic.common import raid
from ironic.drivers import base
from ironic.drivers.modules import fake

from mogan_ironic_steps import common

DEFAULT_CAPACITY_GB = 1000
CAPACITY_KEY = "mogan_raid_capacity_gb"
CONTROLLER = "Mogan fake RAID controller"

APPLY_ARGSINFO = {
    "raid_config": {
        "description": "The RAID configuration to apply.",
        "required": True,
    },
    "delete_existing": {
        "description": ("Delete the existing RAID configuration first (default true)."),
        "required": False,
    },
}
CREATE_ARGSINFO = {
    "create_root_volume": {
        "description": "Create the root volume (default true).",
        "required": False,
    },
    "create_nonroot_volumes": {
        "description": "Create the non-root volumes (default true).",
        "required": False,
    },
    "delete_existing": {
        "description": ("Delete the existing RAID configuration first (default true)."),
        "required": False,
    },
}


class MoganFakeRAID(fake.FakeRAID):
    """Fake RAID with deploy and clean steps that record their result."""

    @base.deploy_step(priority=0, argsinfo=APPLY_ARGSINFO)
    def apply_configuration(
        self, task: Any, raid_config: dict[str, Any], delete_existing: bool = True
    ) -> None:
        """Validate, store as the target and build ``raid_config``."""
        common.check_failure(task, "raid", "apply_configuration")
        self.validate_raid_config(task, raid_config)
        task.node.target_raid_config = raid_config
        task.node.save()
        _build(task.node, raid_config["logical_disks"], delete_existing)

    @base.clean_step(priority=0, argsinfo=CREATE_ARGSINFO, requires_ramdisk=False)
    def create_configuration(
        self,
        task: Any,
        create_root_volume: bool = True,
        create_nonroot_volumes: bool = True,
        delete_existing: bool = True,
    ) -> None:
        """Build the node's ``target_raid_config``."""
        common.check_failure(task, "raid", "create_configuration")
        target = raid.filter_target_raid_config(
            task.node,
            create_root_volume=create_root_volume,
            create_nonroot_volumes=create_nonroot_volumes,
        )
        self.validate_raid_config(task, target)
        _build(task.node, target["logical_disks"], delete_existing)

    @base.clean_step(priority=0, requires_ramdisk=False)
    def delete_configuration(self, task: Any) -> None:
        """Empty the node's ``raid_config``."""
        common.check_failure(task, "raid", "delete_configuration")
        task.node.raid_config = {}
        task.node.save()


def _capacity(node: Any) -> int:
    """The node's disk capacity in GiB, as first seen (see the docstring)."""
    known = node.driver_internal_info.get(CAPACITY_KEY)
    if known is None:
        try:
            known = int(node.properties.get("local_gb") or 0) or DEFAULT_CAPACITY_GB
        except (TypeError, ValueError):
            known = DEFAULT_CAPACITY_GB
        node.set_driver_internal_info(CAPACITY_KEY, known)
    return int(known)


def _build(node: Any, disks: list[dict[str, Any]], delete_existing: bool) -> None:
    """Record ``disks`` (on top of the existing ones unless deleting them)."""
    kept: list[dict[str, Any]] = []
    if not delete_existing:
        kept = list((node.raid_config or {}).get("logical_disks", []))
    fixed = sum(int(d["size_gb"]) for d in kept + disks if d.get("size_gb") != "MAX")
    grow = sum(1 for d in disks if d.get("size_gb") == "MAX")
    share = max((_capacity(node) - fixed) // grow, 1) if grow else 0
    built = []
    for index, disk in enumerate(disks, start=len(kept)):
        done = dict(disk)
        if done.get("size_gb") == "MAX":
            done["size_gb"] = share
        done.setdefault("controller", CONTROLLER)
        done.setdefault("volume_name", f"volume{index}")
        built.append(done)
    raid.update_raid_info(node, {"logical_disks": kept + built})
