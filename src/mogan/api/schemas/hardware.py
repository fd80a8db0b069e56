"""Hardware request bodies (microversion 1.5) and hardware profiles.

The wire names are fixed by issue 11 (``server.hardware`` and
``networks[].bond``): RAID fields follow Ironic's ``target_raid_config``,
bond fields the kernel's bonding vocabulary. Every field is bounded here;
what depends on several fields at once (two ``MAX`` volumes on one disk
set, a layout larger than the disk) is ``services.hardware_request``'s.
"""

from typing import Annotated, Any, Literal
from urllib import parse

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema
from mogan.drivers import hardware

MAX = "MAX"
MAX_LOGICAL_DISKS = 16
MAX_PHYSICAL_DISKS = 64
MAX_LAYOUT = 32
MAX_BIOS_SETTINGS = 256
MAX_FIRMWARE_UPDATES = 32
MAX_URL = 2048
MAX_BOND_LINKS = 16
MAX_MTU = 9216
MIN_MTU = 68
MAX_MIIMON_MS = 100000


def _size(value: object) -> int | str:
    if value == MAX:
        return MAX
    if isinstance(value, bool) or not isinstance(value, int):
        msg = "must be a size in GiB or MAX"
        raise ValueError(msg)  # noqa: TRY004 - pydantic wants ValueError
    if not 1 <= value <= common.MAX_DISK_GB:
        msg = f"must be between 1 and {common.MAX_DISK_GB} GiB, or MAX"
        raise ValueError(msg)
    return value


Size = Annotated[
    int | str,
    pydantic.PlainValidator(_size),
    pydantic.WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": common.MAX_DISK_GB},
                {"type": "string", "enum": [MAX]},
            ]
        }
    ),
]
"""A size in GiB (at least 1) or ``MAX``: all the space left."""
Short = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]
BiosName = Annotated[
    str,
    pydantic.StringConstraints(
        max_length=common.MAX_NAME, pattern=r"^[A-Za-z0-9_.:-]{1,255}$"
    ),
]
MAX_BIOS_INT = 2**63 - 1


def _bios_value(value: object) -> str | int | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > common.MAX_NAME:
            msg = f"longer than {common.MAX_NAME} characters"
            raise ValueError(msg)
        return value
    if isinstance(value, int):
        if not -MAX_BIOS_INT - 1 <= value <= MAX_BIOS_INT:
            msg = "out of the 64-bit integer range"
            raise ValueError(msg)
        return value
    msg = "must be text, a whole number or a boolean"
    raise ValueError(msg)


BiosValue = Annotated[
    str | int | bool,
    pydantic.PlainValidator(_bios_value),
    pydantic.WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": common.MAX_NAME},
                {
                    "type": "integer",
                    "minimum": -MAX_BIOS_INT - 1,
                    "maximum": MAX_BIOS_INT,
                },
                {"type": "boolean"},
            ]
        }
    ),
]
"""A BIOS value: text (``Enabled``), an integer or a boolean."""


def _raid_level(value: str) -> str:
    if value not in hardware.RAID_LEVELS:
        levels = ", ".join(hardware.RAID_LEVELS)
        msg = f"unknown RAID level {value[:16]!r}; one of {levels}"
        raise ValueError(msg)
    return value


def _bond_mode(value: str) -> str:
    if value not in hardware.BOND_MODES:
        modes = ", ".join(sorted(hardware.BOND_MODES))
        msg = f"unknown bond mode {value[:32]!r}; one of {modes}"
        raise ValueError(msg)
    return value


def _http_url(value: str) -> str:
    scheme = parse.urlsplit(value).scheme.lower()
    if scheme not in {"http", "https"} or not parse.urlsplit(value).netloc:
        msg = "must be an http:// or https:// URL"
        raise ValueError(msg)
    return value


RaidLevel = Annotated[
    str,
    pydantic.StringConstraints(max_length=16),
    pydantic.AfterValidator(_raid_level),
    pydantic.WithJsonSchema({"type": "string", "enum": list(hardware.RAID_LEVELS)}),
]
BondMode = Annotated[
    str,
    pydantic.StringConstraints(max_length=32),
    pydantic.AfterValidator(_bond_mode),
    pydantic.WithJsonSchema({"type": "string", "enum": sorted(hardware.BOND_MODES)}),
]
HttpUrl = Annotated[
    str,
    pydantic.StringConstraints(min_length=1, max_length=MAX_URL),
    pydantic.AfterValidator(_http_url),
]
Checksum = Annotated[
    str,
    pydantic.StringConstraints(
        max_length=255, pattern=r"^(md5|sha1|sha256|sha512):[0-9a-fA-F]{32,128}$"
    ),
]
"""``<algorithm>:<hex digest>`` (``sha256:...``)."""


class LogicalDisk(common.Request):
    """One RAID volume (Ironic's ``target_raid_config`` logical disk)."""

    size_gb: Size
    raid_level: RaidLevel
    is_root_volume: bool = False
    disk_type: Literal["hdd", "ssd", "nvme"] | None = None
    number_of_physical_disks: (
        Annotated[int, pydantic.Field(ge=1, le=MAX_PHYSICAL_DISKS)] | None
    ) = None
    controller: Short | None = None
    physical_disks: Annotated[
        list[Short], pydantic.Field(max_length=MAX_PHYSICAL_DISKS)
    ] = pydantic.Field(default_factory=list)
    volume_name: Short | None = None


class Raid(common.Request):
    """``hardware.raid``: the volumes to build."""

    logical_disks: Annotated[
        list[LogicalDisk], pydantic.Field(min_length=1, max_length=MAX_LOGICAL_DISKS)
    ]


class LayoutEntry(common.Request):
    """One extra partition of ``hardware.partitions.layout``."""

    mount: Annotated[
        str,
        # NOTE: no spaces or control characters: the path goes into fstab
        # and cloud-config as it is.
        pydantic.StringConstraints(
            max_length=255, pattern=r"^/[^\s\x00-\x1f\x7f]{0,254}$"
        ),
    ]
    size_gb: Size
    fs: Literal["ext2", "ext3", "ext4", "xfs", "btrfs", "vfat"]
    label: (
        Annotated[
            str,
            pydantic.StringConstraints(
                max_length=16, pattern=r"^[A-Za-z0-9_.-]{1,16}$"
            ),
        ]
        | None
    ) = None


class HardwarePartitions(common.Request):
    """``hardware.partitions``: v1's sizes and a layout of further partitions."""

    root_gb: Annotated[int, pydantic.Field(ge=1, le=common.MAX_DISK_GB)]
    swap_mb: Annotated[int, pydantic.Field(ge=0, le=common.MAX_DISK_GB * 1024)] = 0
    ephemeral_gb: Annotated[int, pydantic.Field(ge=0, le=common.MAX_DISK_GB)] = 0
    layout: Annotated[list[LayoutEntry], pydantic.Field(max_length=MAX_LAYOUT)] = (
        pydantic.Field(default_factory=list)
    )


class Bios(common.Request):
    """``hardware.bios``: attribute name → value (the node's BIOS registry)."""

    settings: Annotated[
        dict[BiosName, BiosValue],
        pydantic.Field(min_length=1, max_length=MAX_BIOS_SETTINGS),
    ]


class FirmwareUpdate(common.Request):
    """One firmware image to flash."""

    component: Annotated[
        str,
        pydantic.StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_.:-]{1,64}$"),
    ]
    url: HttpUrl
    checksum: Checksum


class Firmware(common.Request):
    """``hardware.firmware``: the images to flash."""

    updates: Annotated[
        list[FirmwareUpdate],
        pydantic.Field(min_length=1, max_length=MAX_FIRMWARE_UPDATES),
    ]


ProfileRef = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]
"""A hardware profile's name or uuid."""


class HardwareRequest(common.Request):
    """``server.hardware`` (microversion 1.5)."""

    profile: ProfileRef | None = None
    raid: Raid | None = None
    partitions: HardwarePartitions | None = None
    bios: Bios | None = None
    firmware: Firmware | None = None


class Bond(common.Request):
    """``networks[].bond``: bond ``links`` NICs of the node on this network."""

    mode: BondMode
    links: Annotated[int, pydantic.Field(ge=2, le=MAX_BOND_LINKS)] = 2
    miimon: Annotated[int, pydantic.Field(ge=0, le=MAX_MIIMON_MS)] | None = None
    xmit_hash_policy: (
        Literal["layer2", "layer2+3", "layer3+4", "encap2+3", "encap3+4", "vlan+srcmac"]
        | None
    ) = None
    lacp_rate: Literal["slow", "fast"] | None = None
    mtu: Annotated[int, pydantic.Field(ge=MIN_MTU, le=MAX_MTU)] | None = None

    @pydantic.model_validator(mode="after")
    def _lacp_only_for_802_3ad(self) -> "Bond":
        if self.lacp_rate is not None and self.mode != "802.3ad":
            msg = "lacp_rate applies only to mode 802.3ad"
            raise ValueError(msg)
        return self


# ------------------------------------------------------------------ profiles

Traits = Annotated[
    list[common.Trait], pydantic.Field(max_length=flavor_schema.MAX_TRAITS)
]


class HardwareProfileCreate(common.Request):
    """``POST /v1/hardware_profiles``."""

    name: Annotated[
        str,
        pydantic.StringConstraints(max_length=255, pattern=r"^[A-Za-z0-9_.:-]{1,255}$"),
    ]
    description: common.Description | None = None
    is_public: flavor_schema.Boolean = True
    raid: Raid | None = None
    partitions: HardwarePartitions | None = None
    bios: Bios | None = None
    firmware: Firmware | None = None
    traits: Traits = pydantic.Field(
        default_factory=list, description="Traits a node must have for the profile."
    )

    def stored(self) -> dict[str, Any]:
        """The values to store: sections as sent, defaults left out."""
        values: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "is_public": self.is_public,
            "traits": list(self.traits),
        }
        for section in ("raid", "partitions", "bios", "firmware"):
            values[section] = wire(getattr(self, section))
        return values


def wire(model: pydantic.BaseModel | None) -> dict[str, Any] | None:
    """A request section as stored and shown: what was given, no defaults."""
    if model is None:
        return None
    return model.model_dump(exclude_none=True, exclude_defaults=True)


class HardwareProfileUpdate(HardwareProfileCreate):
    """The patchable part of a profile, re-validated after a JSON patch."""


class HardwareProfile(common.Response):
    """A hardware profile."""

    uuid: str
    name: str
    description: str | None = None
    is_public: bool
    raid: dict[str, object] | None = None
    partitions: dict[str, object] | None = None
    bios: dict[str, object] | None = None
    firmware: dict[str, object] | None = None
    traits: list[str] = pydantic.Field(default_factory=list)
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class HardwareProfileList(common.Response):
    """``GET /v1/hardware_profiles``."""

    hardware_profiles: list[HardwareProfile]


class HardwareProfileListQuery(common.PageQuery):
    """Sorting and paging of the profile list."""

    sort_key: Literal["name", "created_at", "updated_at", "uuid"] = "name"
    sort_dir: Literal["asc", "desc"] = "asc"


class HardwareProfileAccess(common.Response):
    """``GET /v1/hardware_profiles/{profile}/access``."""

    hardware_profile_access: list[str]


class HardwareProfileAccessAdd(common.Request):
    """``POST /v1/hardware_profiles/{profile}/access``."""

    tenant_id: common.ProjectId


# ------------------------------------------------------------------ results


class SectionResult(common.Response):
    """What the deploy did with one section: pending, applied or failed."""

    status: Literal["pending", "applied", "failed"]
    message: str | None = None


class ServerHardware(common.Response):
    """``server.hardware`` as shown: the effective request and its results."""

    profile: str | None = None
    raid: dict[str, object] | None = None
    partitions: dict[str, object] | None = None
    bios: dict[str, object] | None = None
    firmware: dict[str, object] | None = None
    bonds: list[dict[str, object]] | None = None
    traits: list[str] | None = None
    result: dict[str, SectionResult] = pydantic.Field(default_factory=dict)
    node: dict[str, object] | None = pydantic.Field(
        default=None,
        description="Admins: what the node ended up with, when known.",
    )
