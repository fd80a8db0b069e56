"""What a Neutron port of Mogan's looks like: its name, binding profile, addresses.

Pure functions of Mogan's typed bindings and Neutron's JSON, shared by the
backend's bind and attach paths (``mogan.network.neutron``); no requests.
"""

import ipaddress
import uuid
from typing import Any

from mogan.network import base

DEVICE_OWNER = "baremetal:none"
VNIC_TYPE = "baremetal"
NAME_PREFIX = "mogan-"
# NOTE: a deterministic id for a bond's ``local_group_information`` (Ironic
# sends its port group's uuid; Mogan's bond has none until the driver
# makes one).
BOND_NAMESPACE = uuid.UUID("5b0e4c55-7a35-4f43-9b3e-1d8e0c2b4a61")


def port_name(server_uuid: str) -> str:
    """The name of every port Mogan creates for the server."""
    return f"{NAME_PREFIX}{server_uuid}"


def binding_profile(binding: base.PortBinding) -> dict[str, Any]:
    """``binding:profile`` for a bare-metal port on ``binding``'s node NICs."""
    links = []
    for link in binding.links:
        entry = {
            "switch_id": link.switch_id,
            "port_id": link.port_id,
            "switch_info": link.switch_info,
        }
        links.append({k: v for k, v in entry.items() if v})
    profile: dict[str, Any] = {"local_link_information": links}
    physnets = {link.physical_network for link in binding.links}
    if len(physnets) == 1 and None not in physnets:
        profile["physical_network"] = physnets.pop()
    if binding.bond is not None:
        bond = binding.bond
        profile["local_group_information"] = {
            "id": str(uuid.uuid5(BOND_NAMESPACE, f"{binding.host_id}/{bond.name}")),
            "name": bond.name,
            "bond_mode": bond.mode,
            "bond_properties": {
                (k if k.startswith("bond_") else f"bond_{k}"): v
                for k, v in bond.properties.items()
            },
        }
    return profile


def fixed_ip(subnet: dict[str, Any] | None, address: str) -> dict[str, Any]:
    """One ``Nic.fixed_ips`` entry from a port's address and its subnet."""
    if subnet is None:
        parsed = ipaddress.ip_address(address)
        return {"ip_address": address, "version": parsed.version}
    network = ipaddress.ip_network(subnet["cidr"], strict=False)
    return {
        "ip_address": address,
        "version": network.version,
        "cidr": str(network),
        "prefixlen": network.prefixlen,
        "netmask": str(network.netmask),
        "gateway": subnet.get("gateway_ip"),
        "subnet_id": subnet["id"],
    }
