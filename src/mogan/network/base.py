"""The network backend interface the API and the engine use.

A backend gives servers ports and addresses (``bind``, ``bind_port``,
``unbind_port``, ``unbind_all``) and maps floating IPs onto them
(``find_floating_ip``, ``associate_floating_ip``,
``disassociate_floating_ip``). The embedded backend keeps all of it in
Mogan's database (``mogan.network.embedded``); a Neutron backend makes the
same calls with the caller's token. Callers never open a transaction around
a backend call: each call is its own unit (a database transaction, or
Neutron requests), and Mogan's own rows (``server_nics``) are written by
the caller afterwards.
"""

import abc
import dataclasses
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
    """

    id: str
    address: str
    network_id: str
    project_id: str | None
    port_id: str | None
    fixed_address: str | None


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
    def bind(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        network_id: str,
        mac_address: str,
    ) -> Nic:
        """Give the server's NIC ``mac_address`` a port and an address on the network.

        Idempotent per (server, network, mac): a resumed workflow gets the
        same port back.

        Raises:
            NetworkNotFound: no such network.
            NetworkFull: the network has no free address (not reschedulable).
        """

    @abc.abstractmethod
    def unbind_all(self, ctx: mogan_context.RequestContext, server_uuid: str) -> None:
        """Release every port and address of the server (idempotent).

        As ``unbind_port`` for each: floating IPs mapped onto them are
        unmapped (they stay their project's).
        """

    @abc.abstractmethod
    def bind_port(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        port_id: str,
        mac_address: str,
    ) -> Nic:
        """Bind the caller's existing port ``port_id`` to the server's NIC.

        For interface attach by ``port_id`` (v1 section 5.3). The port
        stays the tenant's: ``unbind_port`` releases it instead of deleting
        it. Idempotent for the same server (a resumed workflow gets the same
        NIC back). Neutron: show the port with the caller's token, require
        it unbound (no ``device_id``) and with fixed IPs, then set
        ``device_id`` (and the binding) for the server.

        Raises:
            PortNotFound: no such port, or not visible to the caller.
            PortInUse: the port is bound to another server or device.
            InvalidParameter: the port has no fixed IP (field ``port_id``).
        """

    @abc.abstractmethod
    def unbind_port(
        self, ctx: mogan_context.RequestContext, server_uuid: str, port_id: str
    ) -> None:
        """Release one port of the server (interface detach, a failed attach).

        A port the backend created for the server (``bind``) is deleted; a
        tenant's own port (``bind_port``) is unbound and left to the
        tenant. Floating IPs on a deleted port are disassociated with it
        (as Neutron does). Idempotent: a port already gone, or no longer
        the server's, is left alone.
        """

    @abc.abstractmethod
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
        """

    @abc.abstractmethod
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
        """

    @abc.abstractmethod
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
        """
