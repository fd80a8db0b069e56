"""Requests to shape a node's hardware, and composition of nodes from blocks.

A ``HardwareRequest`` rides in ``DeployRequest.hardware``: RAID volumes,
BIOS settings, firmware updates, NIC bonds and the partition layout a
driver with the hardware interface applies while it deploys, reporting one
``SectionResult`` per section (partitions ride along with the deploy and
have no section of their own). Composition describes Redfish-style
resource blocks and the request to compose a node from some of them.

Contracts only: the engine fills these from a server's hardware request and
the fleet's inventories (later issues); the interfaces that take them are
``HardwareInterface`` and ``CompositionInterface`` in ``base``.

What must not live here: validation against a node's inventory (the
driver's ``validate_hardware``), and the API's request schema.
"""

import dataclasses
import enum
from typing import Any

# NOTE: the Linux bonding driver's modes (kernel docs, bonding.rst); Ironic
# takes any text, so Mogan checks against this list itself.
BOND_MODES = frozenset(
    {
        "balance-rr",
        "active-backup",
        "balance-xor",
        "broadcast",
        "802.3ad",
        "balance-tlb",
        "balance-alb",
    }
)
RAID_LEVELS = ("0", "1", "5", "6", "1+0", "5+0", "6+0")


class HardwareSection(enum.StrEnum):
    """The parts of a hardware request, in the order drivers apply them."""

    FIRMWARE = "firmware"
    RAID = "raid"
    BIOS = "bios"
    BONDS = "bonds"


@dataclasses.dataclass(frozen=True)
class LogicalDisk:
    """A RAID volume to build (Ironic's ``target_raid_config`` logical disk).

    Attributes:
        raid_level: one of ``RAID_LEVELS``.
        size_gb: the volume's size in GiB, or None for all the space left.
        name: the volume's name, when the controller takes one.
        is_root_volume: the image is written to this volume.
        controller: the ``RaidController.name`` to build it on, or None for
            the driver's choice; ``software`` for software RAID.
        physical_disks: ``Disk.name`` of the members, or empty for the
            driver's choice.
        disk_type: only disks of this type (``hdd``, ``ssd``, ``nvme``).
        number_of_physical_disks: how many members, when not listed.
    """

    raid_level: str
    size_gb: int | None = None
    name: str | None = None
    is_root_volume: bool = False
    controller: str | None = None
    physical_disks: tuple[str, ...] = ()
    disk_type: str | None = None
    number_of_physical_disks: int | None = None


@dataclasses.dataclass(frozen=True)
class BiosSetting:
    """A BIOS attribute to set (a name of the node's BIOS registry)."""

    name: str
    value: str


@dataclasses.dataclass(frozen=True)
class FirmwareUpdate:
    """A firmware image to flash on one component.

    Attributes:
        component: ``bios``, ``bmc`` or ``nic:<id>`` (Ironic's names).
        url: where the image is fetched from.
        checksum: ``sha256:<hex>`` of the image, when known.
    """

    component: str
    url: str
    checksum: str | None = None


@dataclasses.dataclass(frozen=True)
class Bond:
    """NICs bonded together (a port group in Ironic).

    Attributes:
        name: the bond's name (``bond0``); ``Nic.bond`` names it.
        mode: one of ``BOND_MODES``.
        links: the members' MAC addresses (node ports).
        miimon: link monitoring interval in ms, when set.
        xmit_hash_policy: ``layer2``, ``layer3+4`` ..., when set.
        lacp_rate: ``slow`` or ``fast`` (``802.3ad`` only), when set.
        mtu: the bond's MTU, when set.
    """

    name: str
    mode: str
    links: tuple[str, ...]
    miimon: int | None = None
    xmit_hash_policy: str | None = None
    lacp_rate: str | None = None
    mtu: int | None = None
    # NOTE: a request names how many links it wants on which network; the
    # engine picks the node's ports (``links``) once the node is known.
    links_count: int | None = None
    network_id: str | None = None


@dataclasses.dataclass(frozen=True)
class PartitionLayout:
    """One extra partition of the layout (cloud-init ``disk_setup``/``mounts``).

    Attributes:
        mount: where it is mounted (``/var/lib/data``).
        size_gb: its size in GiB, or None for all the space left.
        fs: its filesystem (``xfs``, ``ext4`` ...).
        label: its filesystem label, when set.
    """

    mount: str
    fs: str
    size_gb: int | None = None
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class Partitions:
    """Partition sizes and the layout of the disk the image goes to.

    Attributes:
        root_gb: the root partition in GiB.
        swap_mb: the swap partition in MiB (0: none).
        ephemeral_gb: the ephemeral partition in GiB (0: none).
        layout: further partitions, in order.
    """

    root_gb: int
    swap_mb: int = 0
    ephemeral_gb: int = 0
    layout: tuple[PartitionLayout, ...] = ()


@dataclasses.dataclass(frozen=True)
class HardwareRequest:
    """Hardware to configure while deploying; every section may be empty."""

    raid: tuple[LogicalDisk, ...] = ()
    bios: tuple[BiosSetting, ...] = ()
    firmware: tuple[FirmwareUpdate, ...] = ()
    bonds: tuple[Bond, ...] = ()
    partitions: Partitions | None = None
    # NOTE: traits a node must have (from the hardware profile); the
    # scheduler requires them as it does a flavor's.
    traits: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        """Whether anything at all is asked for."""
        return bool(
            self.raid
            or self.bios
            or self.firmware
            or self.bonds
            or self.partitions
            or self.traits
        )

    def sections(self) -> tuple[HardwareSection, ...]:
        """The sections asked for, in the order drivers apply them."""
        return tuple(s for s in HardwareSection if getattr(self, s.value))


@dataclasses.dataclass(frozen=True)
class SectionResult:
    """What a deploy did with one section of its hardware request.

    Attributes:
        section: which section.
        applied: the node now has what was asked.
        error: why not (the backend's message), when not applied.
        details: what the node ended with for this section, as JSON (the
            RAID volumes built, the BIOS values set, the firmware
            versions, the bonds), for operators; empty when unknown.
    """

    section: HardwareSection
    applied: bool
    error: str | None = None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class HardwareResult:
    """What the last deploy of a node applied, one result per section asked."""

    sections: tuple[SectionResult, ...] = ()


# ---------------------------------------------------------------- composition


@dataclasses.dataclass(frozen=True)
class ResourceZone:
    """A Redfish resource zone: blocks that may be composed together.

    Attributes:
        id: the zone's id in the composition service.
        name: its display name.
        blocks: ``ResourceBlock.id`` of the blocks in it.
        limits: how many blocks of each type one composition takes
            (``@Redfish.ResourceBlockLimits``: ``MinCompute``,
            ``MaxStorage`` ...), empty when the service advertises none.
    """

    id: str
    name: str
    blocks: tuple[str, ...] = ()
    limits: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class ResourceBlock:
    """A Redfish resource block that compositions draw from.

    Attributes:
        id: the block's id in the composition service.
        block_types: ``Compute``, ``Processor``, ``Memory``, ``Storage``,
            ``Network`` ... (Redfish ``ResourceBlockType``).
        zones: the resource zones it belongs to (a block may be in several).
        composition_state: ``Unused``, ``Composing``, ``Composed``,
            ``ComposedAndAvailable``, ``Failed``, ``Unavailable``.
        reserved: the service's advisory ``Reserved`` flag.
        system: the path of the system it is composed into, when any.
        chassis: the ids of the chassis it is in (Redfish ``Links.Chassis``,
            in the service's order); empty when the service names none.
        cpus: logical CPUs (threads) of its general-purpose processors.
        cores: cores of its general-purpose processors.
        memory_mb: RAM it brings in MiB.
        storage_gb: drive capacity it brings in GiB.
        accelerators: GPUs, FPGAs ... it brings, by model: how many.
        macs: MAC addresses of its network interfaces.
    """

    id: str
    block_types: tuple[str, ...]
    zones: tuple[str, ...] = ()
    composition_state: str = "Unused"
    reserved: bool = False
    system: str | None = None
    chassis: tuple[str, ...] = ()
    cpus: int = 0
    cores: int = 0
    memory_mb: int = 0
    storage_gb: int = 0
    accelerators: dict[str, int] = dataclasses.field(default_factory=dict)
    macs: tuple[str, ...] = ()

    @property
    def free(self) -> bool:
        """Whether a composition may take it now (Unused, not in a system)."""
        return self.composition_state == "Unused" and self.system is None


@dataclasses.dataclass(frozen=True)
class ComposeRequest:
    """A system to compose from named blocks (Redfish "specific composition").

    Attributes:
        name: the new system's name (unique in the service).
        resource_class: the resource class the node is enrolled with.
        blocks: ``ResourceBlock.id`` of every block to compose it from, all
            of one zone.
    """

    name: str
    resource_class: str
    blocks: tuple[str, ...]
