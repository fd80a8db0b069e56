"""The config drive as Ironic takes it, from the engine's ``{path: text}`` mapping.

Two forms (``[ironic] configdrive_format``):

- ``iso`` (default): the ISO 9660 image of ``configdrive_iso`` (label
  ``config-2``, Rock Ridge and Joliet names, as Nova and v1 made it),
  gzip-compressed and base64-encoded: every file of the mapping,
  injected files included, works with any Ironic version;
- ``json``: ``{"meta_data", "network_data", "user_data", "vendor_data"}``
  from the ``openstack/latest`` files; Ironic (API 1.56+, 1.59+ with
  ``vendor_data``) builds the image itself. NOTE: Ironic (through
  openstacksdk's ``configdrive.build``) writes ``vendor_data`` to
  ``openstack/<ver>/vendor_data2.json``, not ``vendor_data.json``:
  cloud-init's ConfigDrive datasource reads that file from 22.2 on, so
  older guests see no vendor data in this form (the ISO keeps the name).

The VIFs to attach are not read from the drive: they come with the deploy
request's NICs (``DeployRequest.nics``).
"""

import base64
import gzip
import json
from typing import Any

from mogan.drivers import configdrive_iso

LABEL = configdrive_iso.LABEL
LATEST = "openstack/latest"


def build_iso(files: dict[str, str]) -> str:
    """The config drive image, gzip-compressed and base64-encoded.

    Args:
        files: drive content, path (``openstack/latest/meta_data.json`` ...)
            to text.

    Returns:
        The base64 text Ironic takes as ``configdrive``.
    """
    image = configdrive_iso.build(files)
    return base64.b64encode(gzip.compress(image)).decode("ascii")


def build_json(files: dict[str, str]) -> dict[str, Any]:
    """The config drive as Ironic's JSON form (injected files are left out).

    Args:
        files: drive content, path to text.

    Returns:
        ``{"meta_data": {...}, "network_data": {...}, "user_data": "...",
        "vendor_data": {...}}`` with only the parts present.
    """
    drive: dict[str, Any] = {}
    for key, name in (
        ("meta_data", "meta_data.json"),
        ("network_data", "network_data.json"),
        ("vendor_data", "vendor_data.json"),
    ):
        text = files.get(f"{LATEST}/{name}")
        if text is not None:
            drive[key] = json.loads(text)
    if f"{LATEST}/user_data" in files:
        drive["user_data"] = files[f"{LATEST}/user_data"]
    return drive


def read_iso(encoded: str) -> dict[str, str]:
    """The files of an image ``build_iso`` made (for tests and debugging).

    Args:
        encoded: the base64 text.

    Returns:
        Path (Rock Ridge names) to text.
    """
    return configdrive_iso.read(gzip.decompress(base64.b64decode(encoded)))


def volume_label(encoded: str) -> str:
    """The volume label of an image ``build_iso`` made."""
    return configdrive_iso.label(gzip.decompress(base64.b64decode(encoded)))
