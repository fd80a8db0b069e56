"""A server's networks, floating IPs and interfaces (v1 section 1.6).

v1's bodies, with its bugs fixed: ``fixed_address: null`` means "not
given" (python-moganclient sends it, v1 refused it, section 10 #28), and an
address is IPv4 or IPv6 everywhere, including the path of a disassociation
(v1 could not remove an IPv6 floating IP, section 10 #10). Addresses are
compared in canonical form (``ipaddress``), so ``2001:DB8::0:5`` is
``2001:db8::5``.
"""

import ipaddress
from typing import Annotated

import pydantic

from mogan.api.schemas import common

# NOTE: the longest textual IPv6 address (IPv4-mapped, uncompressed) is 45.
MAX_ADDRESS = 64


def _canonical_ip(value: str) -> str:
    if "%" in value:
        msg = f"{value!r} is not an IPv4 or IPv6 address (no zone ids)"
        raise ValueError(msg)
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError as err:
        msg = f"{value!r} is not an IPv4 or IPv6 address"
        raise ValueError(msg) from err


IpAddress = Annotated[
    str,
    pydantic.StringConstraints(min_length=1, max_length=MAX_ADDRESS),
    pydantic.AfterValidator(_canonical_ip),
    pydantic.WithJsonSchema(
        {
            "maxLength": MAX_ADDRESS,
            "anyOf": [
                {"type": "string", "format": "ipv4", "maxLength": MAX_ADDRESS},
                {"type": "string", "format": "ipv6", "maxLength": MAX_ADDRESS},
            ],
        }
    ),
]
"""An IPv4 or IPv6 address, normalized to its canonical form."""


class FloatingIpAssociate(common.Request):
    """``POST /v1/servers/{uuid}/networks/floatingips``."""

    address: IpAddress = pydantic.Field(description="The floating IP to associate.")
    fixed_address: IpAddress | None = pydantic.Field(
        default=None,
        description=(
            "The server's fixed address to map it onto; omitted or null: the "
            "first NIC without a floating IP that has an address of the "
            "floating IP's version."
        ),
    )


class InterfaceAttach(common.Request):
    """``POST /v1/servers/{uuid}/networks/interfaces``: exactly one of the two."""

    net_id: common.UUID | None = pydantic.Field(
        default=None, description="A network: a new port is made on it."
    )
    port_id: common.UUID | None = pydantic.Field(
        default=None,
        description=(
            "The caller's own unbound port (Neutron); it stays theirs when detached."
        ),
    )


class FixedIp(common.Response):
    """One address of a NIC (v1 keys)."""

    subnet_id: str | None = pydantic.Field(
        description="The subnet it is on (Neutron); null on embedded networks."
    )
    ip_address: str


class ServerNic(common.Response):
    """One NIC of the server (v1's keys)."""

    port_id: str
    network_id: str
    mac_address: str
    fixed_ips: list[FixedIp]
    floating_ip: str | None


class ServerNetworks(common.Response):
    """``GET /v1/servers/{uuid}/networks``."""

    nics: list[ServerNic]
