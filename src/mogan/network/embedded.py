"""The built-in flat-network backend: networks and addresses in Mogan's DB.

Used when there is no Neutron. A port is a row in ``ports`` holding one
address; the unique (network, address) constraint is what keeps two
concurrent binds from handing out one address twice, whatever the
database's isolation level. Each call opens its own transaction on the
context's database. No HTTP or policy here.
"""

import ipaddress

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
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


class EmbeddedNetworkBackend(base.NetworkBackend):
    """Flat networks with lowest-free-address IPAM."""

    def get_network(
        self, ctx: mogan_context.RequestContext, network_id: str
    ) -> base.NetworkInfo:
        """A network the caller may use (shared, their project's, or admin).

        Raises:
            NetworkNotFound: no such network, or not visible to the caller.
        """
        with ctx.database.transaction() as session:
            network = network_db.get(
                session,
                network_id,
                visible_to=ctx.project_id,
                all_visible=ctx.is_admin,
            )
            return info(network)

    def bind(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        network_id: str,
        mac_address: str,
    ) -> base.Nic:
        """Give the NIC the lowest free address of the network.

        Idempotent per (server, network, mac): the existing port comes back.

        Raises:
            NetworkNotFound: no such network.
            NetworkFull: the network has no free address.
        """
        mac = mac_address.lower()
        with ctx.database.transaction() as session:
            network = network_db.get(session, network_id)
            existing = network_db.get_port(session, server_uuid, network.uuid, mac)
            if existing is not None:
                return _nic(network, existing)
            parsed = ipam.parse_cidr(network.cidr)
            taken = network_db.taken_addresses(session, network.uuid)
            for address in ipam.candidates(parsed, network.gateway, taken):
                port = network_db.add_port(
                    session,
                    {
                        "uuid": uuidutils.generate_uuid(),
                        "network_uuid": network.uuid,
                        "mac_address": mac,
                        "fixed_ip": str(address),
                        "server_uuid": server_uuid,
                    },
                )
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

    def unbind_all(self, ctx: mogan_context.RequestContext, server_uuid: str) -> None:
        """Free every port and address of the server (idempotent)."""
        with ctx.database.transaction() as session:
            network_db.delete_ports(session, server_uuid)
