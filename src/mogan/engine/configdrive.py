"""Config drive content (v1 section 5.7, plus ``network_data.json``).

The driver receives the drive as a mapping of path to text; writing it to an
ISO or a partition is the driver's business. Layout, for the metadata
versions ``2017-02-22`` and ``latest``:

- ``openstack/<ver>/meta_data.json``: uuid, name, hostname,
  availability_zone, public_keys/keys (with a keypair), admin_pass, files,
  meta (the server's metadata)
- ``openstack/<ver>/user_data``: the decoded user data, when given
- ``openstack/<ver>/network_data.json``: links/networks/services of the
  server's bound NICs, bonds included (``engine.configdrive_network``)
- ``openstack/<ver>/vendor_data.json``: the partition layout as cloud-config
  (``engine.configdrive_vendor``), only when the server asks for one
- ``openstack/content/NNNN``: injected (personality) files
"""

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from typing import Any

from mogan.db import models
from mogan.drivers import hardware as hw
from mogan.engine import configdrive_network, configdrive_vendor

VERSIONS = ("2017-02-22", "latest")


def _decode(value: str) -> str:
    """Decode base64 text; undecodable bytes become U+FFFD."""
    try:
        raw = base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return value
    return raw.decode("utf-8", errors="replace")


def build(
    server: models.Server,
    nics: Iterable[models.ServerNic],
    *,
    admin_pass: str | None = None,
    key_name: str | None = None,
    public_key: str | None = None,
    user_data: str | None = None,
    personality: Iterable[dict[str, Any]] = (),
    bonds: Sequence[hw.Bond] = (),
    layout: Sequence[hw.PartitionLayout] = (),
) -> dict[str, str]:
    """The config drive for ``server`` as ``{path: text}``.

    Args:
        server: the server (uuid, name, availability zone, metadata).
        nics: its bound NICs.
        admin_pass: the administrator password handed to the guest.
        key_name: the keypair's name.
        public_key: the keypair's public key.
        user_data: base64 user data.
        personality: injected files, ``{"path": ..., "contents": base64}``.
        bonds: the bonds the NICs are on, resolved to node ports.
        layout: the partitions to add on the root disk at first boot.
    """
    drive: dict[str, str] = {}
    files = []
    for index, item in enumerate(personality):
        content_path = f"/content/{index:04d}"
        files.append({"path": item["path"], "content_path": content_path})
        drive[f"openstack{content_path}"] = _decode(str(item.get("contents", "")))
    meta: dict[str, Any] = {
        "uuid": server.uuid,
        "name": server.name,
        "hostname": server.name,
        "availability_zone": server.availability_zone,
        "admin_pass": admin_pass,
        "meta": dict(server.extra or {}),
        "public_keys": {},
    }
    if public_key:
        name = key_name or "default"
        meta["public_keys"] = {name: public_key}
        meta["keys"] = [{"name": name, "type": "ssh", "data": public_key}]
    if files:
        meta["files"] = files
    network = json.dumps(configdrive_network.network_data(nics, bonds), sort_keys=True)
    vendor = configdrive_vendor.vendor_data(layout)
    for version in VERSIONS:
        drive[f"openstack/{version}/meta_data.json"] = json.dumps(meta, sort_keys=True)
        drive[f"openstack/{version}/network_data.json"] = network
        if vendor is not None:
            drive[f"openstack/{version}/vendor_data.json"] = json.dumps(
                vendor, sort_keys=True
            )
        if user_data:
            drive[f"openstack/{version}/user_data"] = _decode(user_data)
    return drive
