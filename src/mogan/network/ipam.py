"""Address arithmetic of the embedded flat networks: pure functions, no DB.

Parsing and checking a network's CIDR and gateway, choosing the default
gateway, and walking the addresses a port may get in the order they are
handed out (lowest first). Which addresses are taken is the caller's
business (``mogan.network.embedded`` reads it from the ``ports`` table).
"""

import ipaddress
from collections.abc import Container, Iterator

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NOTE: a flat network needs a gateway and at least one address for a
# server besides the network (and IPv4 broadcast) addresses.
MAX_PREFIXLEN = {4: 30, 6: 126}


def parse_cidr(cidr: str) -> IPNetwork:
    """The network ``cidr`` names, checked for use as a flat network.

    Raises:
        ValueError: not an IPv4/IPv6 network in CIDR notation, host bits set,
            or too small to hold a gateway and a server.
    """
    if "/" not in cidr:
        msg = f"{cidr!r} is not in CIDR notation (address/prefix length)"
        raise ValueError(msg)
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError as err:
        msg = f"{cidr!r} is not a valid IPv4 or IPv6 CIDR: {err}"
        raise ValueError(msg) from err
    limit = MAX_PREFIXLEN[network.version]
    if network.prefixlen > limit:
        msg = (
            f"{network} is too small: the prefix length must be at most "
            f"/{limit} to hold a gateway and a server"
        )
        raise ValueError(msg)
    return network


def check_gateway(network: IPNetwork, gateway: str) -> IPAddress:
    """``gateway`` as an address usable as ``network``'s gateway.

    Raises:
        ValueError: not an address, another IP version, outside the network,
            or its network or broadcast address.
    """
    try:
        address = ipaddress.ip_address(gateway.strip())
    except ValueError as err:
        msg = f"{gateway!r} is not a valid IP address"
        raise ValueError(msg) from err
    if address.version != network.version or address not in network:
        msg = f"{address} is not inside {network}"
        raise ValueError(msg)
    if address == network.network_address or (
        network.version == 4 and address == network.broadcast_address  # noqa: PLR2004 - IP version
    ):
        msg = f"{address} is the network or broadcast address of {network}"
        raise ValueError(msg)
    return address


def default_gateway(network: IPNetwork) -> IPAddress:
    """The first host address of ``network``."""
    first: IPAddress = next(iter(network.hosts()))  # type: ignore[assignment]
    return first


def candidates(
    network: IPNetwork, gateway: str | None, taken: Container[str]
) -> Iterator[IPAddress]:
    """Free addresses of ``network``, lowest first.

    ``hosts()`` already leaves out the network address (and IPv4's
    broadcast); the gateway and every address in ``taken`` (as strings in
    canonical form) are skipped too. Lazy, so a /64 costs only as many
    steps as addresses are taken.
    """
    for address in network.hosts():
        text = str(address)
        if text == gateway or text in taken:
            continue
        yield address


def describe(
    network: IPNetwork, address: IPAddress, gateway: str | None
) -> dict[str, object]:
    """One ``fixed_ips`` entry: what the guest's network config needs."""
    return {
        "ip_address": str(address),
        "version": network.version,
        "cidr": str(network),
        "prefixlen": network.prefixlen,
        "netmask": str(network.netmask),
        "gateway": gateway,
    }
