"""Made-up but realistic hardware for the fake driver's nodes.

``generate`` derives an ``Inventory`` from a seed (the node's uuid, or a
fake BMC's address): the same seed always gives the same hardware, and a
fleet gets a realistic mix: 2, 4 or 8 disks of one kind (HDDs and SSDs
behind a RAID controller, or NVMe drives on none), software RAID, 2 or 4
NICs on one or two physical networks with their switch ports, a BIOS
registry with typed attributes, and BIOS, BMC and NIC firmware versions.
The node's own facts win where it has them: its ports are its NICs, and
``cpus``, ``memory_mb`` and ``cpu_arch`` come from its properties.
``load`` reads an operator's ``[fake] inventory_file`` (hardware by node
name or uuid) and ``configured`` picks a node's from it.

What must not live here: storage (``fake_fleet`` keeps an inventory a test
or an operator set) and the driver's rules (``fake``).
"""

import hashlib
import json
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

from mogan.drivers import inventory as inv

CONTROLLER = "RAID.Integrated.1-1"
SOFTWARE = "software"
SOFTWARE_LEVELS = ("0", "1", "1+0")
# NOTE: (disk count, kind, size in GiB) a node may have.
DISK_LAYOUTS = (
    (2, inv.DiskType.SSD, 894),
    (2, inv.DiskType.NVME, 1490),
    (4, inv.DiskType.HDD, 3726),
    (4, inv.DiskType.SSD, 1788),
    (8, inv.DiskType.HDD, 7452),
    (8, inv.DiskType.NVME, 2980),
)
NIC_SPEEDS = (10_000, 25_000, 100_000)
ENABLED = ("Enabled", "Disabled")


class _Dice:
    """Deterministic choices from a seed (sha256 bytes, in turn)."""

    def __init__(self, seed: str) -> None:
        self._bytes = hashlib.sha256(seed.encode()).digest()
        self._next = 0
        self.hex = self._bytes.hex()

    def pick(self, choices: Sequence[Any]) -> Any:
        value = self._bytes[self._next % len(self._bytes)]
        self._next += 1
        return choices[value % len(choices)]


def _disks(dice: _Dice) -> tuple[tuple[inv.Disk, ...], tuple[inv.RaidController, ...]]:
    count, kind, size = dice.pick(DISK_LAYOUTS)
    nvme = kind is inv.DiskType.NVME
    disks = tuple(
        inv.Disk(
            name=f"/dev/nvme{i}n1" if nvme else f"/dev/sd{chr(ord('a') + i)}",
            size_gb=size,
            type=kind,
            rotational=kind is inv.DiskType.HDD,
            controller=None if nvme else CONTROLLER,
            model=f"FAKE-{kind.value.upper()}-{size}G",
            serial=f"FK{dice.hex[:8].upper()}{i:02d}",
            wwn=f"0x5000c500{dice.hex[8:14]}{i:02x}",
        )
        for i in range(count)
    )
    controllers = [inv.RaidController(SOFTWARE, SOFTWARE_LEVELS, software=True)]
    if not nvme:
        levels = ("0", "1", "5", "6", "1+0", "5+0") if count >= 4 else ("0", "1")  # noqa: PLR2004 - RAID 5 needs 3+
        controllers.insert(0, inv.RaidController(CONTROLLER, levels))
    return disks, tuple(controllers)


def _macs(dice: _Dice, count: int) -> tuple[str, ...]:
    return tuple(
        f"52:54:{dice.hex[:2]}:{dice.hex[2:4]}:{dice.hex[4:6]}:{i:02x}"
        for i in range(count)
    )


def _nics(dice: _Dice, ports: Sequence[str]) -> tuple[inv.InventoryNic, ...]:
    macs = tuple(ports) or _macs(dice, dice.pick((2, 4)))
    networks = dice.pick((("physnet1",), ("physnet1", "physnet2")))
    speed = dice.pick(NIC_SPEEDS)
    nics = []
    for i, mac in enumerate(macs):
        physnet = networks[i * len(networks) // len(macs)]
        leaf = networks.index(physnet) + 1
        nics.append(
            inv.InventoryNic(
                mac=mac,
                name=f"eno{i + 1}",
                speed_mbps=speed,
                physical_network=physnet,
                switch_port=inv.SwitchPort(
                    switch_id=f"a0:36:9f:00:00:{leaf:02x}",
                    port_id=f"Ethernet1/{int(dice.hex[6:8], 16) % 40 + i + 1}",
                    switch_info=f"leaf-{leaf}",
                ),
            )
        )
    return tuple(nics)


def _bios(dice: _Dice) -> dict[str, inv.BiosAttribute]:
    enum = inv.BiosAttributeType.ENUMERATION

    def choice(current: str, allowed: tuple[str, ...]) -> inv.BiosAttribute:
        return inv.BiosAttribute(current, enum, allowed, reset_required=True)

    return {
        "BootMode": choice("Uefi", ("Uefi", "Bios")),
        "ProcVirtualization": choice("Enabled", ENABLED),
        "LogicalProc": choice(dice.pick(ENABLED), ENABLED),
        "SriovGlobalEnable": choice("Disabled", ENABLED),
        "WorkloadProfile": choice(
            dice.pick(("Balanced", "MaxPerformance")),
            ("Balanced", "MaxPerformance", "PowerSaver"),
        ),
        "BootRetryCount": inv.BiosAttribute(
            "3", inv.BiosAttributeType.INTEGER, lower_bound=0, upper_bound=10
        ),
        "SecureBoot": inv.BiosAttribute("false", inv.BiosAttributeType.BOOLEAN),
        "AssetTag": inv.BiosAttribute(
            "", inv.BiosAttributeType.STRING, min_length=0, max_length=32
        ),
        "SystemSerial": inv.BiosAttribute(
            f"FAKE{dice.hex[:6].upper()}",
            inv.BiosAttributeType.STRING,
            read_only=True,
        ),
        "SetupPassword": inv.BiosAttribute(None, inv.BiosAttributeType.PASSWORD),
    }


def _firmware(dice: _Dice) -> tuple[inv.FirmwareComponent, ...]:
    bios = f"2.{dice.pick(range(10, 20))}.{dice.pick(range(10))}"
    bmc = f"7.00.{dice.pick(range(10, 60))}.00"
    nic = f"22.{dice.pick(range(31, 36))}.6"
    return tuple(
        inv.FirmwareComponent(name, version, initial_version=version)
        for name, version in (("bios", bios), ("bmc", bmc), ("nic:NIC.1", nic))
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def generate(
    seed: str,
    ports: Sequence[str] = (),
    properties: Mapping[str, Any] | None = None,
) -> inv.Inventory:
    """The inventory of the node (or BMC) ``seed``.

    Args:
        seed: what makes the hardware: the node's uuid, a BMC's address.
        ports: the node's port MACs, which become its NICs (else 2 or 4
            made-up MACs).
        properties: the node's properties; ``cpus``, ``memory_mb`` and
            ``cpu_arch`` are taken from them when present.
    """
    props = properties or {}
    dice = _Dice(seed)
    disks, controllers = _disks(dice)
    return inv.Inventory(
        cpus=_int(props.get("cpus")) or dice.pick((32, 64, 128)),
        cpu_arch=str(props.get("cpu_arch") or "x86_64"),
        memory_mb=_int(props.get("memory_mb")) or dice.pick((131072, 262144, 524288)),
        disks=disks,
        raid_controllers=controllers,
        nics=_nics(dice, ports),
        bios=_bios(dice),
        firmware=_firmware(dice),
    )


WILDCARD = "*"


def load(path: str | None) -> dict[str, inv.Inventory]:
    """The inventories of ``[fake] inventory_file`` by node name or uuid.

    Raises:
        ValueError: the file is not a JSON object of inventories.
        OSError: the file cannot be read.
    """
    if not path:
        return {}
    data = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        msg = f"{path}: not a JSON object of node -> inventory"
        raise ValueError(msg)  # noqa: TRY004 - a bad file, reported as a value
    return {str(key): inv.Inventory.from_dict(value) for key, value in data.items()}


def configured(
    inventories: Mapping[str, inv.Inventory], node_uuid: str, name: str
) -> inv.Inventory | None:
    """The node's configured inventory (by uuid, name, then ``*``), if any."""
    for key in (node_uuid, name, WILDCARD):
        if key in inventories:
            return inventories[key]
    return None
