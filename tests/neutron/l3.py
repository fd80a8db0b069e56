"""Floating IPs in the test Neutron: an external network, routers, addresses.

A floating IP maps onto a port only when a router connects the port's
subnet to the floating IP's external network (Neutron checks it, agents or
not), so a tenant's cloud here is: the admin's external VLAN network on
``physnet2`` (one per test process: VLANs are few and every test shares
Neutron), and per tenant a router with its gateway there and an interface
on the tenant's subnet, made with the member's token as a tenant would.

What must not live here: pytest fixtures (``fixtures``) and anything of
Mogan.
"""

import threading
import uuid
from typing import Any

from tests.neutron import support

_EXTERNAL: dict[str, str] = {}
_LOCK = threading.Lock()
CIDR = "172.31.0.0/20"


def external_network(neutron: support.Neutron) -> str:
    """The process's external network (made on first use, as the admin)."""
    with _LOCK:
        if "id" not in _EXTERNAL:
            network = neutron.call(
                "POST",
                "/networks",
                {
                    "network": {
                        "name": f"public-{uuid.uuid4().hex[:6]}",
                        "router:external": True,
                        "provider:network_type": "vlan",
                        "provider:physical_network": "physnet2",
                    }
                },
                ok=support.CREATED,
            )["network"]
            neutron.call(
                "POST",
                "/subnets",
                {
                    "subnet": {
                        "network_id": network["id"],
                        "ip_version": 4,
                        "cidr": CIDR,
                    }
                },
                ok=support.CREATED,
            )
            _EXTERNAL["id"] = str(network["id"])
        return _EXTERNAL["id"]


def route(neutron: support.Neutron, token: str, subnet_id: str) -> str:
    """A router of the token's project from ``subnet_id`` to the external network."""
    router = neutron.call(
        "POST",
        "/routers",
        {
            "router": {
                "name": f"r-{uuid.uuid4().hex[:6]}",
                "external_gateway_info": {"network_id": external_network(neutron)},
            }
        },
        ok=support.CREATED,
        token=token,
    )["router"]
    neutron.call(
        "PUT",
        f"/routers/{router['id']}/add_router_interface",
        {"subnet_id": subnet_id},
        token=token,
    )
    return str(router["id"])


def floating_ip(neutron: support.Neutron, token: str) -> dict[str, Any]:
    """A new floating IP of the token's project on the external network."""
    return dict(
        neutron.call(
            "POST",
            "/floatingips",
            {"floatingip": {"floating_network_id": external_network(neutron)}},
            ok=support.CREATED,
            token=token,
        )["floatingip"]
    )


def show(neutron: support.Neutron, fip_id: str) -> dict[str, Any]:
    """A floating IP as Neutron holds it (read as the admin)."""
    return dict(neutron.call("GET", f"/floatingips/{fip_id}")["floatingip"])


def project_floating_ips(neutron: support.Neutron, token: str) -> list[dict[str, Any]]:
    """The floating IPs the token's project sees."""
    return list(neutron.call("GET", "/floatingips", token=token)["floatingips"])
