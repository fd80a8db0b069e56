"""A node's hardware as a typed inventory: disks, RAID, NICs, BIOS, firmware.

``InventoryInterface.get_inventory`` returns an ``Inventory``; drivers fill
what their backend knows and leave the rest empty (an empty tuple, an empty
registry or None), never guessed. The names follow Ironic's where Ironic has
them (BIOS registry fields, firmware components, a port's
``local_link_connection``), so an Ironic-backed inventory needs no
translation. The engine stores it and the scheduler filters on it (hardware
requests: RAID levels a controller supports, disk counts and types, BIOS
attributes and their allowed values).

``to_dict`` / ``from_dict`` give and read the JSON form (lists for tuples,
strings for enums) used in the database and the API.

What must not live here: how a driver reads its backend (each driver's own
module), and requests to change the hardware (``hardware``).
"""

import dataclasses
import enum
import functools
from typing import Any

import pydantic


class DiskType(enum.StrEnum):
    """What a disk is made of."""

    HDD = "hdd"
    SSD = "ssd"
    NVME = "nvme"


class BiosAttributeType(enum.StrEnum):
    """Types of BIOS attributes (Ironic's and Redfish's registry names)."""

    ENUMERATION = "Enumeration"
    STRING = "String"
    INTEGER = "Integer"
    BOOLEAN = "Boolean"
    PASSWORD = "Password"  # noqa: S105 - a type name, not a secret


@dataclasses.dataclass(frozen=True)
class Disk:
    """A physical disk.

    Attributes:
        name: the device as the OS or the controller names it
            (``/dev/sda``, ``Disk.Bay.0:Enclosure.Internal.0-1``).
        size_gb: capacity in GiB, rounded down.
        type: ``hdd``, ``ssd`` or ``nvme``.
        rotational: spinning media (HDDs).
        controller: the RAID controller it hangs off
            (``RaidController.name``), or None when on none.
        model: vendor model string, when known.
        serial: serial number, when known (a root-device hint).
        wwn: World Wide Name, when known (a root-device hint).
    """

    name: str
    size_gb: int
    type: DiskType
    rotational: bool = False
    controller: str | None = None
    model: str | None = None
    serial: str | None = None
    wwn: str | None = None


@dataclasses.dataclass(frozen=True)
class RaidController:
    """Something that builds RAID volumes: a hardware controller or software RAID.

    Attributes:
        name: the controller's name (``RAID.Integrated.1-1``), or
            ``software`` for the OS's own RAID (mdadm).
        raid_levels: the levels it can build (``0``, ``1``, ``5``, ``6``,
            ``1+0``, ``5+0``, ``6+0``).
        software: software RAID (built by the deploy agent, not a card).
    """

    name: str
    raid_levels: tuple[str, ...] = ()
    software: bool = False


@dataclasses.dataclass(frozen=True)
class SwitchPort:
    """Where a NIC is cabled (LLDP; Ironic's ``local_link_connection``).

    Attributes:
        switch_id: the switch's chassis id (usually a MAC address).
        port_id: the switch port (``Ethernet1/7``).
        switch_info: the switch's name or other free text.
    """

    switch_id: str | None = None
    port_id: str | None = None
    switch_info: str | None = None


@dataclasses.dataclass(frozen=True)
class InventoryNic:
    """A network interface of the node.

    Attributes:
        mac: its MAC address (the ``NodeSpec.ports`` entry when Mogan may
            bind networks to it).
        name: the OS or BMC name (``eno1``), when known.
        speed_mbps: link speed in Mbit/s, when known.
        physical_network: the physical network it is cabled to (Neutron's
            ``physical_network``), when known.
        switch_port: where it is cabled, when known.
        port_group: the backend's bond it is a member of (an Ironic port
            group's name or uuid), when it is in one.
    """

    mac: str
    name: str | None = None
    speed_mbps: int | None = None
    physical_network: str | None = None
    switch_port: SwitchPort | None = None
    port_group: str | None = None


@dataclasses.dataclass(frozen=True)
class BiosAttribute:
    """One BIOS setting with its registry entry (Ironic's field names).

    Attributes:
        current_value: the value now, as text (``Enabled``, ``3``), or None.
        attribute_type: ``Enumeration``, ``String``, ``Integer``,
            ``Boolean`` or ``Password``; None when the backend has no
            registry.
        allowable_values: the values an ``Enumeration`` takes.
        lower_bound: an ``Integer``'s smallest value.
        upper_bound: an ``Integer``'s largest value.
        min_length: a ``String``'s shortest length.
        max_length: a ``String``'s longest length.
        read_only: cannot be changed.
        reset_required: takes effect after a reboot.
    """

    current_value: str | None = None
    attribute_type: BiosAttributeType | None = None
    allowable_values: tuple[str, ...] = ()
    lower_bound: int | None = None
    upper_bound: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    read_only: bool = False
    reset_required: bool = False


@dataclasses.dataclass(frozen=True)
class FirmwareComponent:
    """A firmware the node runs (Ironic's ``/firmware`` component names).

    Attributes:
        component: ``bios``, ``bmc`` or ``nic:<id>`` ...
        current_version: the version running now.
        initial_version: the version when first seen, when known.
        last_version_flashed: the version last written by an update, if any.
    """

    component: str
    current_version: str | None = None
    initial_version: str | None = None
    last_version_flashed: str | None = None


@dataclasses.dataclass(frozen=True)
class Inventory:
    """What a node is made of, as far as its driver knows.

    Attributes:
        cpus: logical CPUs, when known.
        cpu_arch: ``x86_64``, ``aarch64`` ..., when known.
        memory_mb: RAM in MiB, when known.
        disks: its physical disks.
        raid_controllers: what can build RAID volumes on them.
        nics: its network interfaces.
        bios: BIOS attribute name to its value and registry entry.
        firmware: firmware components and their versions.
    """

    cpus: int | None = None
    cpu_arch: str | None = None
    memory_mb: int | None = None
    disks: tuple[Disk, ...] = ()
    raid_controllers: tuple[RaidController, ...] = ()
    nics: tuple[InventoryNic, ...] = ()
    bios: dict[str, BiosAttribute] = dataclasses.field(default_factory=dict)
    firmware: tuple[FirmwareComponent, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: tuples as lists, enums as their values."""
        data: dict[str, Any] = _adapter().dump_python(self, mode="json")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Inventory":
        """Read the JSON form back (unknown keys are ignored).

        Raises:
            ValueError: a field has the wrong type or an unknown enum value.
        """
        try:
            inventory: Inventory = _adapter().validate_python(data)
        except pydantic.ValidationError as err:
            raise ValueError(f"not an inventory: {err}") from err
        return inventory


@functools.cache
def _adapter() -> pydantic.TypeAdapter[Inventory]:
    return pydantic.TypeAdapter(Inventory)
