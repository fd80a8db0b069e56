"""Config drive content (v1 section 5.7, plus ``network_data.json``).

The driver receives the drive as a mapping of path to text; writing it to an
ISO or a partition is the driver's business. Layout, for the metadata
versions ``2017-02-22`` and ``latest``:

- ``openstack/<ver>/meta_data.json``: uuid, name, hostname,
  availability_zone, public_keys/keys (with a keypair), admin_pass, files,
  meta (the server's metadata)
- ``openstack/<ver>/user_data``: the decoded user data, when given
- ``openstack/<ver>/network_data.json``: links/networks/services of the
  server's bound NICs
- ``openstack/content/NNNN``: injected (personality) files
"""

import base64
import binascii
import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from mogan.db import models

VERSIONS = ("2017-02-22", "latest")
IPV4 = 4


def _decode(value: str) -> str:
    """Decode base64 text; undecodable bytes become U+FFFD."""
    try:
        raw = base64.b64decode(value, validate=False)
    except (binascii.Error, ValueError):
        return value
    return raw.decode("utf-8", errors="replace")


def network_data(nics: Iterable[models.ServerNic]) -> dict[str, Any]:
    """The OpenStack ``network_data.json`` document for the bound NICs."""
    links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    for nic in nics:
        link_id = f"tap{nic.port_id[:11]}"
        links.append(
            {
                "id": link_id,
                "type": "phy",
                "ethernet_mac_address": nic.mac_address,
                "vif_id": nic.port_id,
                "mtu": None,
            }
        )
        for fixed in nic.fixed_ips or []:
            networks.append(_network(len(networks), link_id, nic, fixed))
    return {"links": links, "networks": networks, "services": []}


def _network(
    index: int, link_id: str, nic: models.ServerNic, fixed: dict[str, Any]
) -> dict[str, Any]:
    address = str(fixed.get("ip_address", ""))
    version = int(fixed.get("version") or ipaddress.ip_address(address).version)
    gateway = fixed.get("gateway")
    default = "0.0.0.0" if version == IPV4 else "::"  # noqa: S104 - a route, not a bind
    routes = (
        [{"network": default, "netmask": default, "gateway": gateway}]
        if gateway
        else []
    )
    return {
        "id": f"network{index}",
        "type": "ipv4" if version == IPV4 else "ipv6",
        "link": link_id,
        "ip_address": address,
        "netmask": fixed.get("netmask"),
        "routes": routes,
        "network_id": nic.network_id,
    }


def build(
    server: models.Server,
    nics: Iterable[models.ServerNic],
    *,
    admin_pass: str | None = None,
    key_name: str | None = None,
    public_key: str | None = None,
    user_data: str | None = None,
    personality: Iterable[dict[str, Any]] = (),
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
    network = json.dumps(network_data(nics), sort_keys=True)
    for version in VERSIONS:
        drive[f"openstack/{version}/meta_data.json"] = json.dumps(meta, sort_keys=True)
        drive[f"openstack/{version}/network_data.json"] = network
        if user_data:
            drive[f"openstack/{version}/user_data"] = _decode(user_data)
    return drive
