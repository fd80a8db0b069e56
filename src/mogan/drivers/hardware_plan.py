"""What a node can take: a hardware request checked against its inventory.

``plan`` checks a ``HardwareRequest`` the way a BMC (or a deploy agent)
would before it starts: RAID levels its controllers support and enough
free disks of the type and size for each volume, BIOS attributes present,
writable and the value valid for the attribute's type and bounds, firmware
components present and fetchable, bond links among the node's ports on one
physical network. It says what each section would make of the node: which
disks each RAID volume is built on, the BIOS values, the firmware versions
flashed, the bonds. Drivers call it from ``validate_hardware``: the fake
driver applies the plan to its simulated node, the Ironic driver checks
with it what Ironic itself would skip or discover mid-deploy.

What must not live here: applying a plan (each driver's own), the API's
checks of a request on its own (``services.hardware_request``).
"""

import hashlib
import re
from typing import Any

from mogan.drivers import errors
from mogan.drivers import hardware as hw
from mogan.drivers import inventory as inv

# NOTE: members a level needs at least, and how many members' worth of
# space it gives (mirrors give one, parity costs one or two per span).
MIN_DISKS = {"0": 1, "1": 2, "5": 3, "6": 4, "1+0": 4, "5+0": 6, "6+0": 8}
EVEN_LEVELS = frozenset({"1+0", "5+0", "6+0"})
LACP_RATES = frozenset({"slow", "fast"})
BOOLEANS = frozenset({"true", "false"})
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")

Plan = dict[str, Any]


def _data_disks(level: str, count: int) -> int:
    return {
        "0": count,
        "1": 1,
        "5": count - 1,
        "6": count - 2,
        "1+0": count // 2,
        "5+0": count - 2,
        "6+0": count - 4,
    }[level]


def _reject(
    node: str, section: hw.HardwareSection, reason: str
) -> errors.HardwareRejected:
    return errors.HardwareRejected(node=node, section=section.value, reason=reason)


def _controllers(
    node: str, disk: hw.LogicalDisk, inventory: inv.Inventory
) -> list[inv.RaidController]:
    raid = hw.HardwareSection.RAID
    if disk.raid_level not in MIN_DISKS:
        raise _reject(node, raid, f"unknown RAID level {disk.raid_level}")
    if disk.controller is not None:
        found = [
            c
            for c in inventory.raid_controllers
            if c.name == disk.controller
            or (disk.controller == "software" and c.software)
        ]
        if not found:
            raise _reject(node, raid, f"no RAID controller {disk.controller}")
    else:
        found = sorted(inventory.raid_controllers, key=lambda c: c.software)
    able = [c for c in found if disk.raid_level in c.raid_levels]
    if not able:
        names = ", ".join(c.name for c in found) or "none"
        raise _reject(
            node,
            raid,
            f"RAID {disk.raid_level} is not supported (controllers: {names})",
        )
    return able


def _volume(
    node: str, disk: hw.LogicalDisk, inventory: inv.Inventory, used: set[str]
) -> dict[str, Any]:
    raid = hw.HardwareSection.RAID
    level = disk.raid_level
    count = (
        disk.number_of_physical_disks or len(disk.physical_disks) or MIN_DISKS[level]
    )
    if count < MIN_DISKS[level] or (level in EVEN_LEVELS and count % 2):
        raise _reject(node, raid, f"RAID {level} cannot be built on {count} disks")
    reason = ""
    for controller in _controllers(node, disk, inventory):
        eligible = [
            d
            for d in inventory.disks
            if d.name not in used
            and (controller.software or d.controller == controller.name)
            and (disk.disk_type is None or d.type.value == disk.disk_type)
            and (not disk.physical_disks or d.name in disk.physical_disks)
        ]
        kind = f"{disk.disk_type} " if disk.disk_type else ""
        if len(eligible) < count:
            reason = (
                f"too few {kind}disks for RAID {level} ({count} needed, "
                f"{len(eligible)} free on {controller.name})"
            )
            continue
        members = eligible[:count]
        capacity = min(d.size_gb for d in members) * _data_disks(level, count)
        if disk.size_gb is not None and disk.size_gb > capacity:
            reason = (
                f"RAID {level} of {disk.size_gb} GiB does not fit on {count} "
                f"{kind}disks ({capacity} GiB at most)"
            )
            continue
        used.update(d.name for d in members)
        return {
            "raid_level": level,
            "size_gb": capacity if disk.size_gb is None else disk.size_gb,
            "name": disk.name,
            "is_root_volume": disk.is_root_volume,
            "controller": controller.name,
            "physical_disks": [d.name for d in members],
        }
    raise _reject(node, raid, reason)


def _bios_value(node: str, setting: hw.BiosSetting, inventory: inv.Inventory) -> None:
    bios = hw.HardwareSection.BIOS
    attr = inventory.bios.get(setting.name)
    if attr is None:
        raise _reject(node, bios, f"BIOS attribute {setting.name} unknown")
    if attr.read_only:
        raise _reject(node, bios, f"BIOS attribute {setting.name} is read-only")
    value, kind = setting.value, attr.attribute_type
    bad = f"{value!r} is not a valid value of {setting.name}"
    if kind is inv.BiosAttributeType.ENUMERATION and value not in attr.allowable_values:
        raise _reject(node, bios, f"{bad} (one of {', '.join(attr.allowable_values)})")
    if kind is inv.BiosAttributeType.INTEGER:
        try:
            number = int(value)
        except ValueError:
            raise _reject(node, bios, f"{bad} (an integer)") from None
        low, high = attr.lower_bound, attr.upper_bound
        if (low is not None and number < low) or (high is not None and number > high):
            raise _reject(node, bios, f"{bad} (from {low} to {high})")
    if kind is inv.BiosAttributeType.BOOLEAN and value.lower() not in BOOLEANS:
        raise _reject(node, bios, f"{bad} (true or false)")
    if kind is inv.BiosAttributeType.STRING:
        low, high = attr.min_length, attr.max_length
        if (low is not None and len(value) < low) or (
            high is not None and len(value) > high
        ):
            raise _reject(node, bios, f"{bad} (length {low} to {high})")


def flashed_version(update: hw.FirmwareUpdate) -> str:
    """The version an image installs: from its file name, else its checksum."""
    found = _VERSION.search(update.url.rsplit("/", 1)[-1])
    if found:
        return found.group(1)
    digest = update.checksum or hashlib.sha256(update.url.encode()).hexdigest()
    return f"flashed-{digest.rsplit(':', 1)[-1][:8]}"


def _bonds(
    node: str, request: hw.HardwareRequest, inventory: inv.Inventory
) -> list[dict[str, Any]]:
    section = hw.HardwareSection.BONDS
    nics = {nic.mac.lower(): nic for nic in inventory.nics}
    taken: set[str] = set()
    bonds = []
    for bond in request.bonds:
        if bond.mode not in hw.BOND_MODES:
            raise _reject(node, section, f"bond mode {bond.mode} is not a kernel mode")
        if not bond.links:
            raise _reject(node, section, f"bond {bond.name} has no links")
        if bond.lacp_rate is not None and (
            bond.mode != "802.3ad" or bond.lacp_rate not in LACP_RATES
        ):
            raise _reject(node, section, f"lacp_rate {bond.lacp_rate} needs 802.3ad")
        links = [mac.lower() for mac in bond.links]
        strays = [mac for mac in links if mac not in nics]
        if strays:
            raise _reject(node, section, f"no port {', '.join(strays)} for {bond.name}")
        twice = [mac for mac in links if mac in taken]
        if twice or len(set(links)) != len(links):
            raise _reject(node, section, f"a port of {bond.name} is in two bonds")
        physnets = {nics[mac].physical_network for mac in links}
        if len(physnets) > 1:
            raise _reject(
                node, section, f"links of {bond.name} are on several physical networks"
            )
        taken.update(links)
        bonds.append(
            {
                "name": bond.name,
                "mode": bond.mode,
                "links": list(bond.links),
                "miimon": bond.miimon,
                "xmit_hash_policy": bond.xmit_hash_policy,
                "lacp_rate": bond.lacp_rate,
                "mtu": bond.mtu,
                "physical_network": physnets.pop(),
            }
        )
    return bonds


def plan(node: str, inventory: inv.Inventory, request: hw.HardwareRequest) -> Plan:
    """What each asked section makes of the node (only the sections asked).

    Raises:
        HardwareRejected: a section cannot be applied to this node.
    """
    result: Plan = {}
    if request.firmware:
        present = {c.component for c in inventory.firmware}
        flashed = {}
        for update in request.firmware:
            if update.component not in present:
                raise _reject(
                    node,
                    hw.HardwareSection.FIRMWARE,
                    f"no firmware component {update.component}",
                )
            if not update.url.startswith(("http://", "https://")):
                raise _reject(
                    node, hw.HardwareSection.FIRMWARE, f"cannot fetch {update.url}"
                )
            flashed[update.component] = flashed_version(update)
        result["firmware"] = flashed
    if request.raid:
        used: set[str] = set()
        roots = [d for d in request.raid if d.is_root_volume]
        if len(roots) > 1:
            raise _reject(node, hw.HardwareSection.RAID, "more than one root volume")
        result["raid"] = [_volume(node, d, inventory, used) for d in request.raid]
    if request.bios:
        for setting in request.bios:
            _bios_value(node, setting, inventory)
        result["bios"] = {s.name: s.value for s in request.bios}
    if request.bonds:
        result["bonds"] = _bonds(node, request, inventory)
    return result
