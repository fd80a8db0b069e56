"""The network backend interface the API and the engine use.

``PortRequest`` is what a server's NIC asks for (checked by the API with
``check_requests``), ``PortBinding`` where the engine puts it (the node and
its cabling), ``Nic`` what came of it. A backend binds ports
(``bind``) and releases them (``unbind_port``, ``unbind_all``), and maps
floating IPs onto them (``find_floating_ip``, ``associate_floating_ip``,
``disassociate_floating_ip``, as ``FloatingIp``). The embedded backend
keeps all of it in Mogan's database (``mogan.network.embedded``); the
Neutron backend makes the calls with the caller's token. Callers never
open a transaction around a backend call: each call is its own unit (a
database transaction, or Neutron requests), and Mogan's own rows
(``server_nics``) are written by the caller afterwards.
"""

import abc
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from mogan import context as mogan_context
from mogan import exception


@dataclasses.dataclass(frozen=True)
class NetworkInfo:
    """A network as tenants see it."""

    uuid: str
    name: str
    cidr: str
    gateway: str | None
    shared: bool
    project_id: str | None
    # NOTE: an external network holds floating IPs (Neutron's
    # ``router:external``); the embedded backend binds no server to one.
    external: bool = False


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    """A floating IP as the caller sees it (v1 section 5.6).

    Attributes:
        id: the backend's id (a Neutron floating IP id, or the embedded
            ``floating_ips.uuid``); what the other calls act on.
        address: the floating address, in canonical form (``ipaddress``).
        network_id: the external network it was allocated from.
        project_id: the project that owns it (None when the backend does
            not say).
        port_id: the port it is mapped onto, or None when free.
        fixed_address: the port's address it maps to, or None when free.
        revision: the backend's revision of it when read (Neutron's
            ``revision_number``), so a change only applies to what was
            read; None when the backend keeps none.
    """

    id: str
    address: str
    network_id: str
    project_id: str | None
    port_id: str | None
    fixed_address: str | None
    revision: int | None = None


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
        port is unbound and kept. Floating IPs mapped onto a deleted port
        are unmapped (they stay their project's).
        """

    # NOTE: the calls below came with interface attach/detach and floating
    # IPs (v1 section 1.6). Both backends implement them; they are not
    # abstract so that a backend that does not offer them still loads: it
    # answers 409 "the <name> network backend cannot ..." (``NetworkCannot``).

    def cannot(self, what: str) -> exception.NetworkCannot:
        """The 409 saying this backend cannot do ``what`` (yet)."""
        backend = type(self).__module__.rsplit(".", 1)[-1]
        return exception.NetworkCannot(backend=backend, what=what)

    def can_unbind_port(self) -> bool:
        """Whether the backend releases one port (interfaces need it).

        An interface attach that fails must be able to release its port, so
        a backend without ``unbind_port`` attaches none either.
        """
        return type(self).unbind_port is not NetworkBackend.unbind_port

    def unbind_port(
        self, ctx: mogan_context.RequestContext, server_uuid: str, port_id: str
    ) -> None:
        """Release one port of the server (interface detach, a failed attach).

        A port the backend created for the server (``bind`` without
        ``port_id``) is deleted; a tenant's own port is unbound and left to
        the tenant. Floating IPs on a deleted port are unmapped with it (as
        Neutron does). Idempotent: a port already gone, or no longer the
        server's, is left alone. Neutron: as ``unbind_all`` for one port.

        Raises:
            NetworkCannot: the backend cannot release one port (yet).
        """
        del ctx, server_uuid, port_id
        raise self.cannot("detach one interface")

    def find_floating_ip(
        self, ctx: mogan_context.RequestContext, address: str
    ) -> FloatingIp:
        """The floating IP with ``address`` visible to the caller.

        ``address`` is canonical (the caller parsed it). Neutron:
        ``GET /v2.0/floatingips?floating_ip_address=<address>`` with the
        caller's token (a tenant sees its project's, an admin all).

        Raises:
            FloatingIpNotFound: none is visible (404).
            FloatingIpAmbiguous: several are (on different external
                networks, 409).
            NetworkCannot: the backend has no floating IPs (yet).
        """
        del ctx, address
        raise self.cannot("map floating IPs")

    def associate_floating_ip(
        self,
        ctx: mogan_context.RequestContext,
        fip: FloatingIp,
        port_id: str,
        fixed_address: str,
    ) -> FloatingIp:
        """Map ``fip`` onto the port's ``fixed_address``; the floating IP now.

        Race-safe: of two callers mapping one floating IP, or two floating
        IPs onto one port, one wins and the other gets ``FloatingIpInUse``.
        Mapping it again onto the same port and address is a no-op.
        Neutron: ``PUT /v2.0/floatingips/<id>`` with ``port_id`` and
        ``fixed_ip_address`` (with ``If-Match: revision_number=<n>`` from the
        lookup, so a mapping made meanwhile is not silently moved).

        Raises:
            FloatingIpNotFound: it was released meanwhile.
            FloatingIpInUse: it is mapped onto another port, or the port
                already has a floating IP.
            PortNotFound: the port is gone.
            NetworkCannot: the backend has no floating IPs (yet).
        """
        del ctx, fip, port_id, fixed_address
        raise self.cannot("map floating IPs")

    def disassociate_floating_ip(
        self, ctx: mogan_context.RequestContext, fip: FloatingIp
    ) -> None:
        """Unmap ``fip`` from its port (idempotent: a free one stays free).

        Only from the port it was found on (``fip.port_id``): mapped onto
        another port since, it is left there. Neutron: ``PUT
        /v2.0/floatingips/<id>`` with ``port_id: null`` (``If-Match`` on the
        revision it was found at).

        Raises:
            FloatingIpNotFound: it was released meanwhile.
            NetworkCannot: the backend has no floating IPs (yet).
        """
        del ctx, fip
        raise self.cannot("map floating IPs")
