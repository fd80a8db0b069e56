"""Disk images on Redfish nodes: the installer path and its instructions.

A BMC can only boot what it can mount: an ISO. An ISO image (``disk_format``
``iso``) goes on the virtual CD as it is. A whole-disk image (``raw``,
``qcow2``) needs an installer: the ISO configured as ``[redfish]
installer_iso_url`` goes on the CD, and the per-deploy medium Mogan builds
(the config drive, label ``config-2``) also carries ``mogan/install.json``,
the ``Instructions`` below. The installer reads them, writes the image and
the config drive partition to the root disk, and powers the system off;
the driver then boots the disk (``redfish_deploy``).

``plan`` decides which path a request takes, before any BMC is asked
anything, and refuses what neither path can deploy (``ImageRefused``):
partition images, formats the installer does not write, a disk image when
no installer is configured. ``Instructions.to_json`` is the one writer of
``install.json``.

What must not live here: the deploy phases (``redfish_deploy``), the media
store and the node's state (``redfish_provision``).
"""

import dataclasses
import json
import re
from typing import Literal

from mogan.drivers import configdrive_iso, errors
from mogan.drivers import hardware as hw
from mogan.drivers.models import DeployRequest

INSTRUCTIONS_PATH = "mogan/install.json"
"""Where the installer finds its instructions on the ``config-2`` medium."""
VERSION = 1
ISO = "iso"
DISK_FORMATS = ("raw", "qcow2")
"""What an installer writes to the root disk (qcow2 converted to raw)."""
ALGORITHMS = {32: "md5", 64: "sha256", 128: "sha512"}
"""A bare hex checksum's algorithm, by its length (Glance's ``os_hash``)."""
HEX = re.compile(r"^[0-9a-fA-F]+$")
Path = Literal["iso", "installer"]


@dataclasses.dataclass(frozen=True)
class Checksum:
    """How the installer checks the image it downloaded.

    Attributes:
        algorithm: ``md5``, ``sha256`` or ``sha512``.
        value: the hex digest.
    """

    algorithm: str
    value: str


@dataclasses.dataclass(frozen=True)
class RootDevice:
    """Which disk is the root: the RAID volume the deploy builds for it.

    Attributes:
        raid_level: the volume's RAID level.
        size_gb: its size in GiB, or None (all the space left).
        name: its name, when the request gives one.
    """

    raid_level: str
    size_gb: int | None = None
    name: str | None = None


@dataclasses.dataclass(frozen=True)
class Instructions:
    """``mogan/install.json``: what the installer writes, and where.

    Attributes:
        version: of this format (an installer refuses one it does not know).
        image_url: the image to download.
        disk_format: ``raw`` or ``qcow2``.
        checksum: the image's checksum, or None (none known).
        checksum_url: a file of checksums to fetch (``<hex>  <file name>``
            lines) when the image's checksum is a URL, else None.
        root_device: the root disk hint, or None (the installer's choice:
            the first disk).
        config_drive_label: the label of the medium these instructions
            are on, whose other files are the instance's config drive.
    """

    image_url: str
    disk_format: str
    checksum: Checksum | None = None
    checksum_url: str | None = None
    root_device: RootDevice | None = None
    config_drive_label: str = configdrive_iso.LABEL
    version: int = VERSION

    def to_json(self) -> str:
        """The file's text."""
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True) + "\n"


def _refused(node: str, request: DeployRequest, reason: str) -> errors.ImageRefused:
    return errors.ImageRefused(node=node, image=request.image_url, reason=reason)


def plan(node: str, request: DeployRequest, installer_url: str | None) -> Path:
    """``iso`` (the image on the CD) or ``installer`` (a disk image).

    Raises:
        ImageRefused: a partition image, a format neither path deploys, a
            disk image without ``[redfish] installer_iso_url``, or a
            checksum the installer cannot check.
    """
    fmt = request.disk_format
    if request.kernel_url or request.ramdisk_url:
        raise _refused(
            node,
            request,
            "partition images (with a kernel and ramdisk) are not deployed "
            "by virtual media: use a whole-disk image",
        )
    if fmt == ISO:
        return "iso"
    if fmt not in DISK_FORMATS:
        raise _refused(
            node,
            request,
            f"disk_format {fmt} is deployed neither from the virtual CD (iso) "
            f"nor by the installer ({', '.join(DISK_FORMATS)})",
        )
    if not installer_url:
        raise _refused(
            node,
            request,
            f"disk_format {fmt} needs an installer ISO: set [redfish] "
            "installer_iso_url, or use an iso image",
        )
    checksum(node, request)
    return "installer"


def checksum(node: str, request: DeployRequest) -> tuple[Checksum | None, str | None]:
    """(the checksum, the checksum file's URL) of the request's image.

    ``algo:hex`` and bare hex (by its length) give a ``Checksum``; an
    ``http(s)://`` checksum is a file of checksums.

    Raises:
        ImageRefused: a checksum in none of these forms.
    """
    text = (request.image_checksum or "").strip()
    if not text:
        return None, None
    if text.startswith(("http://", "https://")):
        return None, text
    algo, sep, value = text.partition(":")
    if not sep:
        algo, value = ALGORITHMS.get(len(text), ""), text
    algo = algo.lower()
    if algo not in ALGORITHMS.values() or not HEX.match(value):
        raise _refused(
            node,
            request,
            f"checksum {text[:80]} is not <md5|sha256|sha512>:<hex>, a bare "
            "hex digest or a URL",
        )
    return Checksum(algorithm=algo, value=value.lower()), None


def root_device(request: hw.HardwareRequest) -> RootDevice | None:
    """The hint for the RAID volume asked to be the root one, if any."""
    for disk in request.raid:
        if disk.is_root_volume:
            return RootDevice(
                raid_level=disk.raid_level, size_gb=disk.size_gb, name=disk.name
            )
    return None


def instructions(node: str, request: DeployRequest) -> Instructions:
    """The installer's instructions for ``request`` (a disk image).

    Raises:
        ImageRefused: a checksum the installer cannot check.
    """
    digest, digest_url = checksum(node, request)
    return Instructions(
        image_url=request.image_url,
        disk_format=request.disk_format,
        checksum=digest,
        checksum_url=digest_url,
        root_device=root_device(request.hardware),
    )


def medium(node: str, request: DeployRequest, path: Path) -> dict[str, str] | None:
    """The files of the per-deploy medium (None: the deploy needs none).

    The config drive as it is; on the installer path with the installer's
    instructions added (a medium with only those when there is no config
    drive).
    """
    if path == "iso":
        return None if request.config_drive is None else dict(request.config_drive)
    files = dict(request.config_drive or {})
    files[INSTRUCTIONS_PATH] = instructions(node, request).to_json()
    return files
