"""Ironic nodes whose RAID, BIOS and firmware Mogan can configure, for tests.

A node of the team's plugin hardware type (``mogan-fake-hardware``, its
``mogan-fake`` RAID, BIOS and firmware interfaces have real deploy and
clean steps: tests/ironic/plugin), enrolled to ``available`` with what a
real inspection and BMC would have left in Ironic: disks (inspection data),
a BIOS registry, firmware components, and ports on one physical network.

What must not live here: the Ironic process (``support``), seeding Ironic's
tables (``hardware``).
"""

import uuid
from typing import Any

from tests.ironic import support

DRIVER = "mogan-fake-hardware"
INTERFACE = "mogan-fake"
# NOTE: ``[ironic] deploy_step_interfaces`` for Mogan on these nodes.
STEP_INTERFACES = f"raid:{INTERFACE},bios:{INTERFACE},firmware:{INTERFACE}"
GIB = 1024**3
PHYSNET = "physnet1"
BIOS_REGISTRY = (
    {
        "name": "SriovGlobalEnable",
        "value": "Disabled",
        "attribute_type": "Enumeration",
        "allowable_values": ["Enabled", "Disabled"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "ProcTurboMode",
        "value": "Enabled",
        "attribute_type": "Enumeration",
        "allowable_values": ["Enabled", "Disabled"],
        "read_only": False,
        "reset_required": True,
    },
    {
        "name": "BootRetryCount",
        "value": "3",
        "attribute_type": "Integer",
        "lower_bound": 0,
        "upper_bound": 10,
        "read_only": False,
    },
    {
        "name": "SerialNumber",
        "value": "CZ1234",
        "attribute_type": "String",
        "read_only": True,
    },
)
FIRMWARE = (
    {"component": "bios", "initial_version": "2.10.1", "current_version": "2.10.1"},
    {"component": "bmc", "initial_version": "7.00.30.00"},
)


def mac() -> str:
    """A MAC address of this run's own (Ironic refuses duplicates)."""
    return "52:54:" + ":".join(f"{b:02x}" for b in uuid.uuid4().bytes[:4])


def enroll(
    ironic: support.Ironic,
    ssds: int = 2,
    hdds: int = 0,
    ports: int = 2,
    raid_levels: str = "0,1,5,1+0",
    **spec: Any,
) -> str:
    """An ``available`` node with disks, a BIOS registry, firmware and ports.

    Args:
        ironic: the Ironic.
        ssds: SSDs of 894 GiB the inspection found.
        hdds: HDDs of 3726 GiB the inspection found.
        ports: ports on ``PHYSNET`` (a bond needs two).
        raid_levels: the node's ``properties.raid_levels``.
        spec: more fields for ``support.Ironic.create`` (``resource_class``
            ...).
    """
    properties = {"cpus": 32, "memory_mb": 131072, "raid_levels": raid_levels}
    # NOTE: everything is in place before the node becomes available:
    # Mogan may read it (ports, inventory) as soon as it is.
    node = ironic.create(
        driver=DRIVER,
        raid_interface=INTERFACE,
        bios_interface=INTERFACE,
        firmware_interface=INTERFACE,
        properties=properties,
        **spec,
    )
    macs = [mac() for _ in range(ports)]
    for address in macs:
        ironic.call(
            "POST",
            "/v1/ports",
            {"node_uuid": node, "address": address, "physical_network": PHYSNET},
            ok=support.CREATED,
        )
    disks = [
        {"name": f"/dev/sd{chr(ord('a') + i)}", "size": 894 * GIB, "rotational": False}
        for i in range(ssds)
    ] + [
        {
            "name": f"/dev/sd{chr(ord('a') + ssds + i)}",
            "size": 3726 * GIB,
            "rotational": True,
        }
        for i in range(hdds)
    ]
    interfaces = [
        {"name": f"eno{i + 1}", "mac_address": address, "speed_mbps": 25000}
        for i, address in enumerate(macs)
    ]
    ironic.seed_inspection(node, {"disks": disks, "interfaces": interfaces}, {})
    ironic.seed_bios_registry(node, [dict(item) for item in BIOS_REGISTRY])
    ironic.seed_firmware(node, [dict(item) for item in FIRMWARE])
    ironic.provision(node, "manage", "manageable")
    ironic.provision(node, "provide", "available")
    ironic.power(node, "power on")
    return node
