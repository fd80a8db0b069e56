"""The config drive's vendor data: the partition layout as cloud-config.

A server's ``hardware.partitions.layout`` lists partitions to add on the
root disk after the image's own (root, swap, ephemeral). cloud-init lays
them out at first boot from ``openstack/<ver>/vendor_data.json``, whose
``cloud-init`` key holds a ``#cloud-config`` document (JSON, which is
YAML):

- ``bootcmd``: one command per partition, run once (``cloud-init-per
  once``), that finds the disk holding ``/`` (``findmnt`` and ``lsblk``:
  never assumed to be ``/dev/sda``), refuses a disk without a GPT
  (``sgdisk`` would convert an MBR disk and may leave it unbootable), and
  appends the partition in the largest free block with ``sgdisk``, named
  ``mogan-<N>`` (N its place in the layout, from 1) so it can be found by
  ``/dev/disk/by-partlabel``, and wipes old signatures off it. Fixed
  sizes come first, ``MAX`` (the rest) last. A partition already there (a
  rebuild that kept the table) is left alone;
- ``fs_setup``: a filesystem per partition, ``partition: auto`` with
  ``overwrite: false``: a new (wiped) partition is formatted, a kept one
  with a filesystem of the same type and label keeps it, and anything else
  is never formatted over;
- ``mounts``: ``LABEL=<label>`` (or ``PARTLABEL=mogan-<N>`` without a
  label, or when two entries share one) on the mount point,
  ``defaults,nofail``.

No ``disk_setup``: cloud-init's ``disk_setup`` writes a whole new
partition table and, without ``overwrite``, skips a disk that has one,
which the root disk always has (the image's).

What must not live here: the other files of the drive
(``engine.configdrive``) and the layout's checks (the API and
``services.hardware_request``).
"""

import json
from collections.abc import Sequence
from typing import Any

from mogan.drivers import hardware as hw

CLOUD_CONFIG = "#cloud-config\n"
MOUNT_OPTIONS = "defaults,nofail"
# NOTE: GPT type "Linux filesystem" (sgdisk's short code for it).
LINUX_FS_TYPE = "8300"


def partition_name(index: int) -> str:
    """The GPT name of the layout's ``index``-th partition (from 0)."""
    return f"mogan-{index + 1}"


# NOTE: sgdisk -e first: a whole-disk image written to a larger disk leaves
# the backup GPT header mid-disk, hiding the free space behind it. partx -u
# tells the kernel about the new partition while the disk is in use (a
# plain re-read fails with / mounted). wipefs: cleaning may leave an
# earlier server's filesystem on these blocks, which fs_setup (partition
# auto) would otherwise keep and mount. Braces are doubled for str.format.
SCRIPT = """\
set -eu
name={name}
fail() {{ echo "mogan: $*: partition $name not created" >&2; exit 1; }}
[ -e "/dev/disk/by-partlabel/$name" ] && exit 0
root=$(findmnt -nvo SOURCE /)
set -- $(lsblk -snlpo NAME,TYPE "$root" | awk '$2 == "disk" {{print $1}}' | sort -u)
[ "$#" -eq 1 ] || fail "/ ($root) is not on exactly one disk"
disk=$1
[ "$(blkid -p -o value -s PTTYPE "$disk")" = gpt ] || fail "$disk has no GPT"
command -v sgdisk >/dev/null || fail "sgdisk (gdisk) is not installed"
sgdisk -e "$disk"
sgdisk -n 0:0:{end} -c "0:$name" -t 0:{type} "$disk"
partx -u "$disk" || true
udevadm settle || true
wipefs -a "/dev/disk/by-partlabel/$name"
"""


def _script(name: str, size_gb: int | None) -> str:
    """The shell that appends one partition named ``name`` to the root disk."""
    end = "0" if size_gb is None else f"+{size_gb}G"
    return SCRIPT.format(name=name, end=end, type=LINUX_FS_TYPE)


def cloud_config(layout: Sequence[hw.PartitionLayout]) -> dict[str, Any]:
    """The cloud-config that lays out ``layout`` on the root disk.

    Args:
        layout: the partitions to add, in the request's order.

    Returns:
        ``bootcmd``, ``fs_setup`` and ``mounts`` (empty mapping for an
        empty layout).
    """
    if not layout:
        return {}
    labels = [entry.label for entry in layout if entry.label]
    # NOTE: MAX takes all the space left: it is made after the fixed sizes.
    order = sorted(range(len(layout)), key=lambda i: layout[i].size_gb is None)
    bootcmd = [
        [
            "cloud-init-per",
            "once",
            partition_name(index),
            "sh",
            "-c",
            _script(partition_name(index), layout[index].size_gb),
        ]
        for index in order
    ]
    fs_setup: list[dict[str, Any]] = []
    mounts: list[list[str]] = []
    for index, entry in enumerate(layout):
        name = partition_name(index)
        fs: dict[str, Any] = {
            "device": f"/dev/disk/by-partlabel/{name}",
            "partition": "auto",
            "filesystem": entry.fs,
            "overwrite": False,
        }
        if entry.label:
            fs["label"] = entry.label
        fs_setup.append(fs)
        spec = (
            f"LABEL={entry.label}"
            if entry.label and labels.count(entry.label) == 1
            else f"PARTLABEL={name}"
        )
        mounts.append([spec, entry.mount, entry.fs, MOUNT_OPTIONS, "0", "2"])
    return {"bootcmd": bootcmd, "fs_setup": fs_setup, "mounts": mounts}


def vendor_data(layout: Sequence[hw.PartitionLayout]) -> dict[str, Any] | None:
    """The ``vendor_data.json`` document for ``layout``; None without one."""
    config = cloud_config(layout)
    if not config:
        return None
    # NOTE: JSON is YAML; cloud-init parses the document as YAML.
    # ensure_ascii=False: YAML has no UTF-16 surrogate escapes, which JSON
    # uses for characters beyond the BMP.
    text = json.dumps(config, sort_keys=True, ensure_ascii=False)
    return {"cloud-init": CLOUD_CONFIG + text}
