"""A server's hardware request: merged from its sources, checked whole, typed.

The API hands over the request's ``hardware`` and ``networks[].bond`` in
their wire form (already bounded field by field). Here the request is
merged over the hardware profile it names (or else the flavor's default
profile) — request over profile, section by section, BIOS settings key by
key — checked as a whole (what depends on several fields at once) and
converted to the typed ``drivers.hardware.HardwareRequest`` the engine,
scheduler and drivers share. A composed server takes none at all
(``refuse_composed``).

What must not live here: field bounds (the API schema's), and whether a
node, or any node of the fleet, can take the request (the scheduler's
filter and ``services.hardware_fit``).
"""

import dataclasses
import math
from typing import Any

from mogan import exception
from mogan.drivers import hardware

SECTIONS = ("raid", "partitions", "bios", "firmware")
"""The sections a request or a profile may hold (bonds are per network)."""
MAX = "MAX"


@dataclasses.dataclass(frozen=True)
class Source:
    """A profile merged under a request: its reference, sections and traits."""

    uuid: str
    sections: dict[str, Any]
    traits: tuple[str, ...] = ()


def merge(
    request: dict[str, Any] | None,
    profile: Source | None,
    bonds: dict[int, dict[str, Any]],
) -> dict[str, Any] | None:
    """The effective request in wire form, or None when nothing is asked.

    A section of the request replaces the profile's, except BIOS settings,
    which are merged by attribute name (the request's value wins).
    """
    request = request or {}
    effective: dict[str, Any] = {}
    if profile is not None:
        effective["profile"] = profile.uuid
        effective.update(
            {k: v for k, v in profile.sections.items() if k in SECTIONS and v}
        )
        if profile.traits:
            effective["traits"] = list(profile.traits)
    for section in SECTIONS:
        value = request.get(section)
        if value is None:
            continue
        if section == "bios" and "bios" in effective:
            value = {"settings": {**effective["bios"]["settings"], **value["settings"]}}
        effective[section] = value
    if bonds:
        effective["bonds"] = [
            {"network": index, **bond} for index, bond in sorted(bonds.items())
        ]
    if not effective:
        return None
    return effective


def refuse_composed(
    flavor: str,
    request: dict[str, Any] | None,
    bonds: dict[int, dict[str, Any]],
    *,
    default_profile: str | None,
) -> None:
    """A composed server takes no hardware request (RAID, BIOS, firmware, bonds...).

    NOTE: the block chooser places on amounts only and the composed system
    is deployed without hardware steps, so a request would be silently
    ignored; it is refused instead.

    Args:
        flavor: the composable flavor, as people name it.
        request: the request's ``hardware``.
        bonds: the request's bonds by network index.
        default_profile: the flavor's default hardware profile (a flavor
            stored with one before composable flavors refused it).

    Raises:
        InvalidParameter: naming ``hardware``, the bonded network, or
            ``flavor_uuid``.
    """
    why = f"not supported for composed servers (flavor {flavor} is composable)"
    if request:
        raise exception.InvalidParameter(field="hardware", reason=why)
    if bonds:
        raise exception.InvalidParameter(
            field=f"networks[{min(bonds)}].bond", reason=why
        )
    if default_profile is not None:
        raise exception.InvalidParameter(
            field="flavor_uuid",
            reason=f"its default hardware profile is {why}",
        )


def _disk_set(disk: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """The disks a volume is carved from, as far as the request tells."""
    return (
        disk.get("controller") or "",
        disk.get("disk_type") or "",
        tuple(sorted(disk.get("physical_disks") or ())),
    )


def _check_raid(raid: dict[str, Any]) -> int | None:
    """Two ``MAX`` volumes on one disk set, or two root volumes, are refused.

    Returns:
        The root volume's size in GiB, when the request fixes it.
    """
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    root: int | None = None
    roots = 0
    for index, disk in enumerate(raid["logical_disks"]):
        field = f"hardware.raid.logical_disks[{index}]"
        if disk.get("is_root_volume"):
            roots += 1
            if roots > 1:
                raise exception.InvalidParameter(
                    field=f"{field}.is_root_volume",
                    reason="only one logical disk may be the root volume",
                )
            if disk["size_gb"] != MAX:
                root = int(disk["size_gb"])
        if disk["size_gb"] != MAX:
            continue
        key = _disk_set(disk)
        if key in seen:
            raise exception.InvalidParameter(
                field=f"{field}.size_gb",
                reason=(
                    f"logical disk {seen[key]} already takes the space left (MAX) "
                    "on the same disk set; give one of them a size"
                ),
            )
        seen[key] = index
    return root


# NOTE: the longest label each filesystem's mkfs takes (xfs 12, vfat 11).
LABEL_LIMITS = {"ext2": 16, "ext3": 16, "ext4": 16, "xfs": 12, "btrfs": 255, "vfat": 11}
# NOTE: where the image's own system lives: a layout partition mounted there
# would hide it.
SYSTEM_MOUNTS = frozenset(
    {
        "/",
        "/boot",
        "/boot/efi",
        "/bin",
        "/dev",
        "/etc",
        "/lib",
        "/lib64",
        "/proc",
        "/run",
        "/sbin",
        "/sys",
        "/usr",
        "/var",
        "/tmp",  # noqa: S108 - a mount point refused, not a file used
    }
)


def _check_layout_entry(field: str, entry: dict[str, Any]) -> None:
    """A mount point off the system's directories; a label its mkfs takes."""
    mount = str(entry["mount"]).rstrip("/") or "/"
    if mount in SYSTEM_MOUNTS or "/../" in f"{mount}/" or "/./" in f"{mount}/":
        raise exception.InvalidParameter(
            field=f"{field}.mount",
            reason=f"{entry['mount']} is a system directory or not a plain path",
        )
    label, fs = entry.get("label"), str(entry["fs"])
    limit = LABEL_LIMITS.get(fs)
    if label and limit is not None and len(label) > limit:
        raise exception.InvalidParameter(
            field=f"{field}.label",
            reason=f"{fs} takes labels of {limit} characters at most",
        )


def _check_partitions(partitions: dict[str, Any], disk_gb: int | None) -> None:
    """One ``MAX`` partition at most, mounts unique, the layout within the disk."""
    mounts: set[str] = set()
    grows: int | None = None
    fixed = (
        int(partitions["root_gb"])
        + math.ceil(int(partitions.get("swap_mb") or 0) / 1024)
        + int(partitions.get("ephemeral_gb") or 0)
    )
    for index, entry in enumerate(partitions.get("layout") or ()):
        field = f"hardware.partitions.layout[{index}]"
        _check_layout_entry(field, entry)
        if entry["mount"] in mounts:
            raise exception.InvalidParameter(
                field=f"{field}.mount", reason=f"{entry['mount']} is mounted twice"
            )
        mounts.add(entry["mount"])
        if entry["size_gb"] == MAX:
            if grows is not None:
                raise exception.InvalidParameter(
                    field=f"{field}.size_gb",
                    reason=f"layout[{grows}] already takes the space left (MAX)",
                )
            grows = index
        else:
            fixed += int(entry["size_gb"])
    if disk_gb is not None and fixed > disk_gb:
        raise exception.InvalidParameter(
            field="hardware.partitions.layout",
            reason=(
                f"root, swap, ephemeral and layout take {fixed} GiB; the root "
                f"volume has {disk_gb} GiB"
            ),
        )


def check(effective: dict[str, Any] | None) -> None:
    """Refuse what no single field shows wrong: 400 naming the field.

    Raises:
        InvalidParameter: two ``MAX`` volumes on one disk set, two root
            volumes, two ``MAX`` partitions, a mount point twice, or a
            layout larger than the root volume.
    """
    if not effective:
        return
    root_gb = _check_raid(effective["raid"]) if effective.get("raid") else None
    if effective.get("partitions"):
        _check_partitions(effective["partitions"], root_gb)


def _size(value: Any) -> int | None:
    return None if value == MAX else int(value)


def _bios_value(value: Any) -> str:
    # NOTE: Ironic and Redfish take BIOS values as text; booleans as
    # Redfish spells them.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def typed(
    effective: dict[str, Any] | None, networks: list[dict[str, Any]]
) -> hardware.HardwareRequest | None:
    """The typed request drivers take, from the effective wire form.

    Bonds keep the requested link count and network; the engine picks the
    node's ports once the node is known.
    """
    if not effective:
        return None
    raid = tuple(
        hardware.LogicalDisk(
            raid_level=disk["raid_level"],
            size_gb=_size(disk["size_gb"]),
            name=disk.get("volume_name"),
            is_root_volume=bool(disk.get("is_root_volume")),
            controller=disk.get("controller"),
            physical_disks=tuple(disk.get("physical_disks") or ()),
            disk_type=disk.get("disk_type"),
            number_of_physical_disks=disk.get("number_of_physical_disks"),
        )
        for disk in (effective.get("raid") or {}).get("logical_disks", ())
    )
    bios = tuple(
        hardware.BiosSetting(name=name, value=_bios_value(value))
        for name, value in (effective.get("bios") or {}).get("settings", {}).items()
    )
    firmware = tuple(
        hardware.FirmwareUpdate(
            component=update["component"],
            url=update["url"],
            checksum=update.get("checksum"),
        )
        for update in (effective.get("firmware") or {}).get("updates", ())
    )
    bonds = tuple(
        hardware.Bond(
            name=f"bond{number}",
            mode=bond["mode"],
            links=(),
            miimon=bond.get("miimon"),
            xmit_hash_policy=bond.get("xmit_hash_policy"),
            lacp_rate=bond.get("lacp_rate"),
            mtu=bond.get("mtu"),
            links_count=bond.get("links"),
            network_id=networks[bond["network"]].get("net_id"),
        )
        for number, bond in enumerate(effective.get("bonds") or ())
    )
    partitions = None
    if effective.get("partitions"):
        wire = effective["partitions"]
        partitions = hardware.Partitions(
            root_gb=int(wire["root_gb"]),
            swap_mb=int(wire.get("swap_mb") or 0),
            ephemeral_gb=int(wire.get("ephemeral_gb") or 0),
            layout=tuple(
                hardware.PartitionLayout(
                    mount=entry["mount"],
                    fs=entry["fs"],
                    size_gb=_size(entry["size_gb"]),
                    label=entry.get("label"),
                )
                for entry in wire.get("layout") or ()
            ),
        )
    return hardware.HardwareRequest(
        raid=raid,
        bios=bios,
        firmware=firmware,
        bonds=bonds,
        partitions=partitions,
        traits=tuple(effective.get("traits") or ()),
    )
