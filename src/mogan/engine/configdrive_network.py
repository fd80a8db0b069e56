"""The config drive's ``network_data.json``: links, networks, services.

One ``phy`` link per plain NIC (its VIF on one node port). A bonded NIC
(the engine resolved its bond to node ports, ``hardware.Bond``) becomes,
as Nova writes it from Ironic port groups: one ``phy`` link per member port
and a ``bond`` link carrying the VIF, the bond's mode and options (each
option ``<name>`` as ``bond_<name>``), the member link ids in
``bond_links``, and the first member's MAC; the NIC's networks sit on the
bond link. cloud-init turns this into the guest's bond.

What must not live here: which ports a bond takes (``engine.hardware``),
and the rest of the drive (``engine.configdrive``).
"""

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

from mogan.db import models
from mogan.drivers import hardware as hw

IPV4 = 4


def member_link_id(mac: str) -> str:
    """The id of a bond member's link: from its MAC, so stable and unique.

    A node port's MAC is unique on the node and the bond keeps its members
    across a rebuild, so the id names the same port every time.
    """
    return "port-" + mac.lower().replace(":", "")


def network_data(
    nics: Iterable[models.ServerNic], bonds: Sequence[hw.Bond] = ()
) -> dict[str, Any]:
    """The OpenStack ``network_data.json`` document for the bound NICs.

    Args:
        nics: the server's NICs.
        bonds: the bonds resolved to node ports; a NIC whose MAC is a
            bond's first member is that bond (its VIF is bound there).
    """
    by_first = {bond.links[0].lower(): bond for bond in bonds if bond.links}
    links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    for nic in nics:
        bond = by_first.get(str(nic.mac_address).lower())
        if bond is None:
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
        else:
            link_id = bond.name
            links.extend(_member(mac, bond) for mac in bond.links)
            links.append(_bond_link(bond, nic))
        for fixed in nic.fixed_ips or []:
            networks.append(_network(len(networks), link_id, nic, fixed))
    return {"links": links, "networks": networks, "services": []}


def _member(mac: str, bond: hw.Bond) -> dict[str, Any]:
    return {
        "id": member_link_id(mac),
        "type": "phy",
        "ethernet_mac_address": mac,
        "mtu": bond.mtu,
    }


def _bond_link(bond: hw.Bond, nic: models.ServerNic) -> dict[str, Any]:
    link: dict[str, Any] = {
        "id": bond.name,
        "type": "bond",
        "ethernet_mac_address": nic.mac_address,
        "vif_id": nic.port_id,
        "bond_mode": bond.mode,
        "bond_links": [member_link_id(mac) for mac in bond.links],
        "mtu": bond.mtu,
    }
    # NOTE: options left unset are left out, not null: cloud-init copies
    # every ``bond_*`` key into the guest's bond parameters, and a null
    # there is written out as a value.
    options = {
        "bond_miimon": bond.miimon,
        "bond_xmit_hash_policy": bond.xmit_hash_policy,
        "bond_lacp_rate": bond.lacp_rate,
    }
    link.update({key: value for key, value in options.items() if value is not None})
    return link


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
