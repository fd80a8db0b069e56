"""The network backend interface the API and the engine use.

``PortRequest`` is what a server's NIC asks for (checked by the API with
``check_requests``), ``PortBinding`` where the engine puts it (the node and
its cabling), ``Nic`` what came of it.
"""

import abc
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from mogan import context as mogan_context


@dataclasses.dataclass(frozen=True)
class NetworkInfo:
    """A network as tenants see it."""

    uuid: str
    name: str
    cidr: str
    gateway: str | None
    shared: bool
    project_id: str | None


@dataclasses.dataclass(frozen=True)
class Nic:
    """A port bound to a server: what ``addresses`` and the config drive show.

    Each ``fixed_ips`` entry holds ``ip_address``, ``version`` (4 or 6),
    ``cidr``, ``prefixlen``, ``netmask`` and ``gateway`` (or None): enough
    to write the guest's ``network_data.json`` without asking again.
    """

    port_id: str
    network_id: str
    mac_address: str
    fixed_ips: list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class PortRequest:
    """What one NIC of a server asks for (a ``networks[]`` entry of the API).

    Attributes:
        network_id: the network; for ``port_id`` the port's own (the API
            resolves it).
        port_id: the tenant's own port to use instead of a new one.
        fixed_ips: addresses asked for (``fixed_ip``); the backend picks
            when empty.
        security_groups: security group ids for a new port (the backend's
            default when empty).
    """

    network_id: str
    port_id: str | None = None
    fixed_ips: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Link:
    """One node NIC a port is bound on, and where it is cabled.

    Attributes:
        mac: the NIC's MAC address.
        switch_id: the switch's chassis id (``local_link_information``).
        port_id: the switch port.
        switch_info: the switch's name.
        physical_network: the physical network it is cabled to.
    """

    mac: str
    switch_id: str | None = None
    port_id: str | None = None
    switch_info: str | None = None
    physical_network: str | None = None


@dataclasses.dataclass(frozen=True)
class BondGroup:
    """The bond a port is bound on (Neutron's ``local_group_information``).

    Attributes:
        name: the bond's name on the node (``bond0``).
        mode: the kernel bonding mode (``802.3ad``, ``active-backup`` ...).
        properties: the bond's other settings (``miimon``,
            ``xmit_hash_policy``, ``lacp_rate``, ``mtu``), those given only.
    """

    name: str
    mode: str
    properties: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class PortBinding:
    """Where a server's NIC is bound: the node, its NICs, their bond.

    Attributes:
        host_id: the node's uuid (Neutron's ``binding:host_id``).
        links: the node NICs the port is on, one unless bonded; the port
            takes the first one's MAC.
        bond: the bond the links form, or None.
    """

    host_id: str
    links: tuple[Link, ...]
    bond: BondGroup | None = None

    @property
    def mac(self) -> str:
        """The MAC address the port takes: its first link's."""
        return self.links[0].mac


class NetworkBackend(abc.ABC):
    """Ports and addresses for servers."""

    @abc.abstractmethod
    def get_network(
        self, ctx: mogan_context.RequestContext, network_id: str
    ) -> NetworkInfo:
        """A network the caller may use.

        Raises:
            NetworkNotFound: no such network, or not visible to the caller.
        """

    @abc.abstractmethod
    def check_requests(
        self,
        ctx: mogan_context.RequestContext,
        requests: Sequence[PortRequest],
    ) -> list[PortRequest]:
        """Check a server request's NICs as the caller; the requests resolved.

        Runs in the API before anything is written: every network is one
        the caller may use, every ``port_id`` is the caller's, unbound and
        has addresses (its ``network_id`` is filled in), every fixed IP and
        security group is one the caller may ask for.

        Raises:
            NetworkNotFound, PortNotFound: not there or not the caller's.
            PortInUse: a ``port_id`` is bound or has no address (409).
            InvalidParameter: something the backend cannot do (names the
                field).
        """

    @abc.abstractmethod
    def ports_that_fit(
        self, ctx: mogan_context.RequestContext, project_id: str
    ) -> int | None:
        """How many more ports the project may create; None for no limit.

        Read before the server create's transaction (the caller shrinks
        ``max_count`` with it); the backend enforces its quota again when
        the ports are made.
        """

    @abc.abstractmethod
    def bind(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        request: PortRequest,
        binding: PortBinding,
        project_id: str,
    ) -> Nic:
        """Give the server's NIC a port on ``binding``'s node NICs.

        A new port belongs to ``project_id`` (the server's); a requested
        ``port_id`` is bound as it is. Idempotent per (server, network,
        MAC): a resumed workflow gets the same port back.

        Raises:
            NetworkNotFound, PortNotFound: the network or port is gone.
            PortInUse: the requested port was bound elsewhere meanwhile.
            NetworkFull: no free address (not reschedulable).
            InvalidParameter: a requested fixed IP cannot be had.
        """

    @abc.abstractmethod
    def unbind_all(self, ctx: mogan_context.RequestContext, server_uuid: str) -> None:
        """Release every port and address of the server (idempotent).

        Ports the backend made for the server are deleted; a tenant's own
        port is unbound and kept.
        """
