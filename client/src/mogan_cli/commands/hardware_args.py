"""Hardware options shared by ``hardware profile create|set`` and ``server create``.

Each option takes ``key=value`` pairs separated by commas and becomes one
item of the API's ``hardware`` wire format (microversion 1.5):

- ``--raid level=1,size=MAX,disks=2,type=ssd[,root=true][,controller=C]``
  → ``raid.logical_disks[]``;
- ``--partition mount=/data,size=MAX,fs=xfs[,label=L]`` →
  ``partitions.layout[]`` (``--root-gb``, ``--swap-mb`` and
  ``--ephemeral-gb`` set the sizes; root defaults to 10 GiB, as the API's);
- ``--bios NAME=VALUE`` → ``bios.settings``;
- ``--firmware component=bios,url=URL,checksum=sha256:HEX`` →
  ``firmware.updates[]``.

The API checks the values; here only the shape is parsed.
"""

import argparse
from typing import Any

DEFAULT_ROOT_GB = 10
RAID_KEYS = {
    "level": "raid_level",
    "size": "size_gb",
    "disks": "number_of_physical_disks",
    "type": "disk_type",
    "root": "is_root_volume",
    "controller": "controller",
    "name": "volume_name",
}
PARTITION_KEYS = {"mount": "mount", "size": "size_gb", "fs": "fs", "label": "label"}
FIRMWARE_KEYS = {"component": "component", "url": "url", "checksum": "checksum"}
TRUE = frozenset({"1", "true", "yes", "on"})


def pairs(text: str, keys: dict[str, str], required: tuple[str, ...]) -> dict[str, str]:
    """``k=v,k=v`` with only ``keys``, mapped to their wire names.

    Raises:
        ArgumentTypeError: a pair without ``=``, an unknown or missing key.
    """
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key.strip() not in keys:
            known = ", ".join(keys)
            msg = f"{item!r}: expected key=value with a key among {known}"
            raise argparse.ArgumentTypeError(msg)
        out[keys[key.strip()]] = value.strip()
    missing = [k for k in required if keys[k] not in out]
    if missing:
        msg = f"{text!r}: missing {', '.join(missing)}"
        raise argparse.ArgumentTypeError(msg)
    return out


def _size(value: str) -> int | str:
    return "MAX" if value.upper() == "MAX" else _number(value)


def _number(value: str) -> int:
    try:
        return int(value)
    except ValueError as err:
        msg = f"{value!r} is not a whole number"
        raise argparse.ArgumentTypeError(msg) from err


def raid(text: str) -> dict[str, Any]:
    """One ``--raid`` value as a logical disk."""
    disk: dict[str, Any] = dict(pairs(text, RAID_KEYS, ("level", "size")))
    disk["size_gb"] = _size(disk["size_gb"])
    if "number_of_physical_disks" in disk:
        disk["number_of_physical_disks"] = _number(disk["number_of_physical_disks"])
    if "is_root_volume" in disk:
        disk["is_root_volume"] = disk["is_root_volume"].lower() in TRUE
    return disk


def partition(text: str) -> dict[str, Any]:
    """One ``--partition`` value as a layout entry."""
    entry: dict[str, Any] = dict(pairs(text, PARTITION_KEYS, ("mount", "size", "fs")))
    entry["size_gb"] = _size(entry["size_gb"])
    return entry


def firmware(text: str) -> dict[str, Any]:
    """One ``--firmware`` value as a firmware update."""
    return dict(pairs(text, FIRMWARE_KEYS, ("component", "url", "checksum")))


def bios(text: str) -> tuple[str, Any]:
    """One ``--bios NAME=VALUE``; whole numbers are sent as numbers."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        msg = f"{text!r} is not NAME=VALUE"
        raise argparse.ArgumentTypeError(msg)
    value = value.strip()
    return name.strip(), int(value) if value.lstrip("-").isdigit() else value


def add_options(parser: argparse.ArgumentParser) -> None:
    """``--raid``, ``--partition`` (with the sizes), ``--bios``, ``--firmware``."""
    parser.add_argument(
        "--raid",
        metavar="level=<l>,size=<gb>|MAX[,disks=<n>][,type=<t>][,root=true]",
        dest="raid",
        action="append",
        type=raid,
        default=[],
        help="RAID volume to build (repeatable; API 1.5)",
    )
    parser.add_argument(
        "--partition",
        metavar="mount=<path>,size=<gb>|MAX,fs=<fs>[,label=<l>]",
        dest="layout",
        action="append",
        type=partition,
        default=[],
        help="Further partition of the layout (repeatable; API 1.5)",
    )
    parser.add_argument(
        "--root-gb", metavar="<gb>", type=int, help="Root partition size in GiB"
    )
    parser.add_argument(
        "--swap-mb", metavar="<mb>", type=int, help="Swap partition size in MiB"
    )
    parser.add_argument(
        "--ephemeral-gb",
        metavar="<gb>",
        type=int,
        help="Ephemeral partition size in GiB",
    )
    parser.add_argument(
        "--bios",
        metavar="<name>=<value>",
        dest="bios",
        action="append",
        type=bios,
        default=[],
        help="BIOS setting (repeatable; raw settings may need admin rights)",
    )
    parser.add_argument(
        "--firmware",
        metavar="component=<c>,url=<url>,checksum=<algo:hex>",
        dest="firmware",
        action="append",
        type=firmware,
        default=[],
        help="Firmware image to flash (repeatable; may need admin rights)",
    )


def sections(parsed_args: argparse.Namespace) -> dict[str, Any]:
    """The hardware sections the options give (absent ones left out)."""
    out: dict[str, Any] = {}
    if parsed_args.raid:
        out["raid"] = {"logical_disks": list(parsed_args.raid)}
    sizes = {
        "root_gb": parsed_args.root_gb,
        "swap_mb": parsed_args.swap_mb,
        "ephemeral_gb": parsed_args.ephemeral_gb,
    }
    if parsed_args.layout or any(v is not None for v in sizes.values()):
        partitions: dict[str, Any] = {k: v for k, v in sizes.items() if v is not None}
        partitions.setdefault("root_gb", DEFAULT_ROOT_GB)
        if parsed_args.layout:
            partitions["layout"] = list(parsed_args.layout)
        out["partitions"] = partitions
    if parsed_args.bios:
        out["bios"] = {"settings": dict(parsed_args.bios)}
    if parsed_args.firmware:
        out["firmware"] = {"updates": list(parsed_args.firmware)}
    return out
