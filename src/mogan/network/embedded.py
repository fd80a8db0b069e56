"""The built-in flat-network backend: networks and addresses in Mogan's DB.

Used when there is no Neutron. A port is a row in ``ports`` holding one
address (the lowest free one, or the fixed IP the request names); the
unique (network, address) constraint is what keeps two concurrent binds
from handing out one address twice, whatever the database's isolation
level. Every port is Mogan's own (there are no tenant ports to bring), so
``unbind_port`` always deletes. An external network holds floating IPs
(``floating_ips``, allocated by ``mogan.services.floating_ip``) and takes no
server port; a floating IP is mapped onto a port with one conditional
UPDATE, and a port carries one at most (unique constraint), so racing
associations cannot both win. Each call opens its own transaction on the
context's database. No HTTP or policy here.
"""

import ipaddress
from collections.abc import Sequence
from typing import Any

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import floating_ip as fip_db
from mogan.db.api import network as network_db
from mogan.network import base, ipam


def info(network: models.Network) -> base.NetworkInfo:
    """The backend-neutral view of a network row."""
    return base.NetworkInfo(
        uuid=network.uuid,
        name=network.name,
        cidr=network.cidr,
        gateway=network.gateway,
        shared=network.shared,
        project_id=network.project_id,
        external=network.external,
    )


def floating_ip(row: models.FloatingIp) -> base.FloatingIp:
    """The backend-neutral view of a floating IP row."""
    return base.FloatingIp(
        id=row.uuid,
        address=row.address,
        network_id=row.network_uuid,
        project_id=row.project_id,
        port_id=row.port_uuid,
        fixed_address=row.fixed_address,
    )


def _not_external(network: models.Network) -> None:
    """Refuse an external network for server ports.

    Raises:
        NetworkNotUsable: the network is external.
    """
    if network.external:
        raise exception.NetworkNotUsable(
            network=exception.labelled(network.name, network.uuid),
            reason="it is external and holds floating IPs only",
        )


def _nic(network: models.Network, port: models.Port) -> base.Nic:
    parsed = ipam.parse_cidr(network.cidr)
    address = ipaddress.ip_address(port.fixed_ip)
    return base.Nic(
        port_id=port.uuid,
        network_id=network.uuid,
        mac_address=port.mac_address or "",
        fixed_ips=[ipam.describe(parsed, address, network.gateway)],
    )


def _usable(network: ipam.IPNetwork, address: str, gateway: str | None) -> bool:
    """Whether ``address`` may be a server's on ``network``."""
    try:
        # NOTE: the checks a gateway passes are a host's: inside the network,
        # neither its network nor its broadcast address.
        parsed = ipam.check_gateway(network, address)
    except ValueError:
        return False
    return str(parsed) != gateway


class EmbeddedNetworkBackend(base.NetworkBackend):
    """Flat networks with lowest-free-address IPAM."""

    def get_network(
        self, ctx: mogan_context.RequestContext, network_id: str
    ) -> base.NetworkInfo:
        """A network the caller may bind servers to (shared, their project's, or admin).

        Raises:
            NetworkNotFound: no such network, or not visible to the caller.
            NetworkNotUsable: it is external (floating IPs only).
        """
        with ctx.database.transaction() as session:
            network = network_db.get(
                session,
                network_id,
                visible_to=ctx.project_id,
                all_visible=ctx.is_admin,
            )
            _not_external(network)
            return info(network)

    def check_requests(
        self,
        ctx: mogan_context.RequestContext,
        requests: Sequence[base.PortRequest],
    ) -> list[base.PortRequest]:
        """Every network visible, every fixed IP inside it; no ``port_id``.

        Raises:
            NetworkNotFound: a network the caller may not use.
            InvalidParameter: a ``port_id`` or security groups (the embedded
                networks have neither), or a fixed IP outside the network.
        """
        for index, request in enumerate(requests):
            if request.port_id is not None:
                raise exception.InvalidParameter(
                    field=f"networks[{index}].port_id",
                    reason=(
                        "the embedded network backend has no ports of its own to "
                        "use: give net_id (ports need [network] backend = neutron)"
                    ),
                )
            if request.security_groups:
                raise exception.InvalidParameter(
                    field=f"networks[{index}].security_groups",
                    reason="the embedded network backend has no security groups",
                )
            network = self.get_network(ctx, request.network_id)
            parsed = ipam.parse_cidr(network.cidr)
            for address in request.fixed_ips:
                if not _usable(parsed, address, network.gateway):
                    raise exception.InvalidParameter(
                        field=f"networks[{index}].fixed_ip",
                        reason=(
                            f"{address} is not a host address of network "
                            f"{exception.labelled(network.name, network.uuid)} "
                            f"({network.cidr}) other than its gateway"
                        ),
                    )
        return list(requests)

    def ports_that_fit(
        self, ctx: mogan_context.RequestContext, project_id: str
    ) -> int | None:
        """No port quota here: the network's size is the only limit."""
        del ctx, project_id
        return None

    def bind(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        request: base.PortRequest,
        binding: base.PortBinding,
        project_id: str,
    ) -> base.Nic:
        """Give the NIC the requested address, or the lowest free one.

        Idempotent per (server, network, mac): the existing port comes back.

        Raises:
            NetworkNotFound: no such network.
            NetworkNotUsable: it is external (floating IPs only).
            NetworkFull: the network has no free address.
            InvalidParameter: a ``port_id`` (no ports to use here).
            NetworkRefused: the requested fixed IP is taken.
        """
        del project_id
        if request.port_id is not None:
            raise exception.InvalidParameter(
                field="networks.port_id",
                reason="the embedded network backend cannot use existing ports",
            )
        mac = binding.mac.lower()
        with ctx.database.transaction() as session:
            network = network_db.get(session, request.network_id)
            _not_external(network)
            existing = network_db.get_port(session, server_uuid, network.uuid, mac)
            if existing is not None:
                return _nic(network, existing)
            parsed = ipam.parse_cidr(network.cidr)
            if request.fixed_ips:
                wanted = ipaddress.ip_address(request.fixed_ips[0])
                port = self._add(session, network, server_uuid, mac, wanted)
                if port is None:
                    raise exception.NetworkRefused(
                        action=f"give {wanted} on network {network.uuid}",
                        reason="the address is taken",
                    )
                return _nic(network, port)
            taken = network_db.taken_addresses(session, network.uuid)
            for address in ipam.candidates(parsed, network.gateway, taken):
                port = self._add(session, network, server_uuid, mac, address)
                if port is not None:
                    return _nic(network, port)
                # NOTE: another transaction took this address first; make
                # sure the network itself was not deleted under us, then go
                # on to the next address.
                network_db.get(session, network.uuid)
            raise exception.NetworkFull(
                network=exception.labelled(network.name, network.uuid),
                cidr=network.cidr,
            )

    @staticmethod
    def _add(
        session: Any,
        network: models.Network,
        server_uuid: str,
        mac: str,
        address: ipam.IPAddress,
    ) -> models.Port | None:
        """A port holding ``address``; None when another port has it."""
        return network_db.add_port(
            session,
            {
                "uuid": uuidutils.generate_uuid(),
                "network_uuid": network.uuid,
                "mac_address": mac,
                "fixed_ip": str(address),
                "server_uuid": server_uuid,
            },
        )

    def unbind_all(self, ctx: mogan_context.RequestContext, server_uuid: str) -> None:
        """Free every port and address of the server, unmapping floating IPs."""
        with ctx.database.transaction() as session:
            network_db.delete_ports(session, server_uuid)

    def unbind_port(
        self, ctx: mogan_context.RequestContext, server_uuid: str, port_id: str
    ) -> None:
        """Delete the server's port, unmapping its floating IP (idempotent)."""
        with ctx.database.transaction() as session:
            network_db.delete_port(session, server_uuid, port_id)

    def find_floating_ip(
        self, ctx: mogan_context.RequestContext, address: str
    ) -> base.FloatingIp:
        """The caller's floating IP with ``address`` (any project's for admins).

        Raises:
            FloatingIpNotFound: none is visible.
            FloatingIpAmbiguous: several external networks hold it.
        """
        owner = None if ctx.can_read_all else ctx.project_id or ""
        with ctx.database.transaction(readonly=True) as session:
            rows = fip_db.find(session, address, project_id=owner)
            found = [floating_ip(row) for row in rows]
        if not found:
            raise exception.FloatingIpNotFound(address=address)
        if len(found) > 1:
            raise exception.FloatingIpAmbiguous(address=address, count=len(found))
        return found[0]

    def associate_floating_ip(
        self,
        ctx: mogan_context.RequestContext,
        fip: base.FloatingIp,
        port_id: str,
        fixed_address: str,
    ) -> base.FloatingIp:
        """Map ``fip`` onto the port with one conditional UPDATE.

        Raises:
            PortNotFound: the port is gone.
            FloatingIpNotFound: it was released meanwhile.
            FloatingIpInUse: it is on another port, or the port has one.
        """
        with ctx.database.transaction() as session:
            port = network_db.find_port(session, port_id)
            if port is None:
                raise exception.PortNotFound(port=port_id)
            outcome = fip_db.map_onto(session, fip.id, port_id, fixed_address)
            if outcome is fip_db.Mapped.GONE:
                raise exception.FloatingIpNotFound(address=fip.address)
            if outcome is fip_db.Mapped.TAKEN:
                holder = fip_db.get(session, fip.id).port_uuid
                raise exception.FloatingIpInUse(
                    address=fip.address,
                    reason=f"it is associated with port {holder}",
                )
            if outcome is fip_db.Mapped.PORT_BUSY:
                raise exception.FloatingIpInUse(
                    address=fip.address,
                    reason=f"port {port_id} already has a floating IP",
                )
            return floating_ip(fip_db.get(session, fip.id))

    def disassociate_floating_ip(
        self, ctx: mogan_context.RequestContext, fip: base.FloatingIp
    ) -> None:
        """Unmap ``fip`` from the port it was found on (moved since: left there).

        Raises:
            FloatingIpNotFound: it was released meanwhile.
        """
        if fip.port_id is None:
            return
        with ctx.database.transaction() as session:
            if not fip_db.unmap(session, fip.id, fip.port_id):
                raise exception.FloatingIpNotFound(address=fip.address)
