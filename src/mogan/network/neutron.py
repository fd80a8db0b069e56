"""The Neutron network backend (``[network] backend = neutron``).

Who acts:

- The API checks a request with the **caller's token** (``ctx.auth_token``),
  so Neutron's own visibility decides: a network, port or security group
  the caller cannot see is "not found", another project's private network
  included. The port quota is read the same way. Without a token (``noauth``)
  the service user reads and Mogan applies the simple rule: shared, the
  caller's project's, or an admin.
- Floating IPs are found and mapped with the caller's token too
  (``neutron_floating_ip``): they are the tenant's.
- The engine binds and unbinds as **Mogan's service user** (``[neutron]``
  credentials, the ``service`` role): no user token rests in workflow rows,
  a build may resume or be rescheduled long after the token expired, and a
  delete or a failed build's undo has no user at all. Neutron lets only
  that role set ``binding:profile``; a new port is created *for* the
  server's project (``project_id``), so it counts against that project's
  quota and is the tenant's to see.

A server NIC is one port: ``device_id`` = the server, ``device_owner`` =
``baremetal:none``, ``binding:vnic_type = baremetal``, ``binding:host_id`` =
the node, ``binding:profile.local_link_information`` = where each of the
node NICs is cabled (one entry per bond member) and, for a bond,
``local_group_information`` (Ironic's shape). Ports Mogan creates are named
``mogan-<server uuid>``: that is how ``unbind_all`` tells them (deleted)
from a tenant's own port (unbound and kept, its MAC reset as Ironic does;
``unbind_port`` does the same for one port, an interface detach),
and it is written in the same request that creates the port, so no crash
can leave a tenant's port looking like Mogan's.

What must not live here: HTTP details (``neutron_client``) and the choice
of backend (``mogan.network.get_backend``).
"""

import ipaddress
import logging
from collections.abc import Sequence
from typing import Any

from oslo_config import cfg

from mogan import context as mogan_context
from mogan import exception
from mogan.network import base, neutron_client, neutron_floating_ip, neutron_ports

LOG = logging.getLogger(__name__)

NOT_FOUND = 404
CONFLICT = 409
FORBIDDEN = 403


class NeutronNetworkBackend(base.NetworkBackend):
    """Ports in Neutron, bound as bare metal on the node's NICs."""

    def __init__(
        self,
        conf: cfg.ConfigOpts,
        client: neutron_client.NeutronClient | None = None,
    ) -> None:
        """Reach Neutron as ``[neutron]`` says (on first use)."""
        self.client = client or neutron_client.NeutronClient(conf)
        self.floating_ips = neutron_floating_ip.FloatingIps(self.client)

    # ------------------------------------------------------------ reading

    def _as_caller(
        self, ctx: mogan_context.RequestContext, path: str
    ) -> neutron_client.Response:
        """A GET with the caller's token, or the service user's without one."""
        return self.client.request("GET", path, token=ctx.auth_token)

    @staticmethod
    def _visible(ctx: mogan_context.RequestContext, item: dict[str, Any]) -> bool:
        """Mogan's rule when the service user read for a caller without a token."""
        if ctx.auth_token or ctx.is_admin:
            return True
        return bool(item.get("shared")) or item.get("project_id") == ctx.project_id

    def _network(
        self, ctx: mogan_context.RequestContext, network_id: str
    ) -> dict[str, Any]:
        resp = self._as_caller(ctx, f"networks/{network_id}")
        network = resp.body.get("network") if resp.ok else None
        if network is None or not self._visible(ctx, network):
            raise exception.NetworkNotFound(network=network_id)
        return dict(network)

    def _subnets(
        self, ctx: mogan_context.RequestContext | None, network_id: str
    ) -> list[dict[str, Any]]:
        path = f"subnets?network_id={network_id}"
        if ctx is None:
            resp = self.client.request("GET", path)
        else:
            resp = self._as_caller(ctx, path)
        return list(resp.body.get("subnets") or []) if resp.ok else []

    def get_network(
        self, ctx: mogan_context.RequestContext, network_id: str
    ) -> base.NetworkInfo:
        """The network as the caller sees it in Neutron (first IPv4 subnet's CIDR).

        Raises:
            NetworkNotFound: no such network, or hidden from the caller.
            NetworkServiceError: Neutron is unreachable.
        """
        network = self._network(ctx, network_id)
        subnets = sorted(
            self._subnets(ctx, network_id),
            key=lambda s: (s.get("ip_version") != 4, s.get("cidr")),  # noqa: PLR2004 - IPv4 first
        )
        first = subnets[0] if subnets else {}
        return base.NetworkInfo(
            uuid=network["id"],
            name=network.get("name") or "",
            cidr=first.get("cidr") or "",
            gateway=first.get("gateway_ip"),
            shared=bool(network.get("shared")),
            project_id=network.get("project_id"),
        )

    # ------------------------------------------------------------ API checks

    def check_requests(
        self,
        ctx: mogan_context.RequestContext,
        requests: Sequence[base.PortRequest],
    ) -> list[base.PortRequest]:
        """Check every NIC as the caller; ``port_id`` requests get their network.

        Raises:
            NetworkNotFound, PortNotFound: not visible to the caller.
            PortInUse: a port is bound (has a ``device_id``) or has no address.
            InvalidParameter: a network without a subnet, a fixed IP outside
                the network or on a network of another project, an unknown
                security group, a port asked for twice.
        """
        resolved = []
        seen_ports: set[str] = set()
        for index, request in enumerate(requests):
            if request.port_id is not None:
                if request.port_id in seen_ports:
                    raise exception.InvalidParameter(
                        field=f"networks[{index}].port_id",
                        reason=f"port {request.port_id} is asked for twice",
                    )
                seen_ports.add(request.port_id)
                resolved.append(self._check_port(ctx, request.port_id))
                continue
            self._check_network(ctx, index, request)
            resolved.append(request)
        return resolved

    def _check_port(
        self, ctx: mogan_context.RequestContext, port_id: str
    ) -> base.PortRequest:
        resp = self._as_caller(ctx, f"ports/{port_id}")
        port = resp.body.get("port") if resp.ok else None
        if port is None or not self._visible(ctx, port):
            raise exception.PortNotFound(port=port_id)
        # NOTE: the owner of a network sees every port on it, other
        # projects' too; only the caller's own port may be used (Nova's
        # rule), or an admin's choice.
        if not ctx.is_admin and port.get("project_id") != ctx.project_id:
            raise exception.PortInUse(
                port=port_id, reason=f"it belongs to project {port.get('project_id')}"
            )
        if port.get("device_id"):
            raise exception.PortInUse(
                port=port_id, reason=f"it is bound to device {port['device_id']}"
            )
        if not port.get("fixed_ips"):
            raise exception.PortInUse(port=port_id, reason="it has no IP address")
        return base.PortRequest(network_id=port["network_id"], port_id=port_id)

    def _check_network(
        self, ctx: mogan_context.RequestContext, index: int, request: base.PortRequest
    ) -> None:
        network = self._network(ctx, request.network_id)
        label = exception.labelled(network.get("name"), network["id"])
        subnets = self._subnets(ctx, request.network_id)
        if not subnets:
            raise exception.InvalidParameter(
                field=f"networks[{index}].net_id",
                reason=f"network {label} has no subnet to take an address from",
            )
        field = f"networks[{index}].fixed_ip"
        for address in request.fixed_ips:
            # NOTE: Mogan's service user makes the port, and Neutron lets
            # it pick any address; Neutron's own rule for a member is that
            # only the network's project chooses addresses on it.
            if not ctx.is_admin and network.get("project_id") != ctx.project_id:
                raise exception.InvalidParameter(
                    field=field,
                    reason=(
                        f"only network {label}'s own project may choose addresses on it"
                    ),
                )
            parsed = ipaddress.ip_address(address)
            if not any(
                parsed in ipaddress.ip_network(s["cidr"], strict=False) for s in subnets
            ):
                raise exception.InvalidParameter(
                    field=field,
                    reason=f"{address} is in no subnet of network {label}",
                )
        for group in request.security_groups:
            resp = self._as_caller(ctx, f"security-groups/{group}")
            found = resp.body.get("security_group") if resp.ok else None
            if found is None or not self._visible(ctx, found):
                raise exception.InvalidParameter(
                    field=f"networks[{index}].security_groups",
                    reason=f"security group {group} could not be found",
                )

    def ports_that_fit(
        self, ctx: mogan_context.RequestContext, project_id: str
    ) -> int | None:
        """The project's Neutron port quota less its ports (None: unlimited).

        Read with the caller's token (a project reader may read its quota).
        A Neutron that will not tell gives None: it enforces its quota when
        the ports are created all the same.
        """
        resp = self._as_caller(ctx, f"quotas/{project_id}/details")
        port = (resp.body.get("quota") or {}).get("port") if resp.ok else None
        if not isinstance(port, dict):
            LOG.warning(
                "cannot read the port quota of project %s: %s",
                project_id,
                resp.error,
            )
            return None
        limit = int(port.get("limit", -1))
        if limit < 0:
            return None
        return max(0, limit - int(port.get("used", 0)) - int(port.get("reserved", 0)))

    # ------------------------------------------------------------ binding

    def bind(
        self,
        ctx: mogan_context.RequestContext,
        server_uuid: str,
        request: base.PortRequest,
        binding: base.PortBinding,
        project_id: str,
    ) -> base.Nic:
        """Create (or bind the tenant's) port on the node's NICs, as the service.

        Raises:
            NetworkNotFound, PortNotFound: gone since the request.
            PortInUse: the tenant's port was bound elsewhere meanwhile.
            NetworkRefused: Neutron refused (an address taken, its quota).
            NetworkServiceError: Neutron is unreachable.
        """
        del ctx
        attributes = {
            "device_id": server_uuid,
            "device_owner": neutron_ports.DEVICE_OWNER,
            "mac_address": binding.mac.lower(),
            "binding:vnic_type": neutron_ports.VNIC_TYPE,
            "binding:host_id": binding.host_id,
            "binding:profile": neutron_ports.binding_profile(binding),
        }
        if request.port_id is not None:
            port = self._bind_own(server_uuid, request.port_id, attributes)
        else:
            port = self._existing(
                server_uuid, request.network_id, binding.mac
            ) or self._create(server_uuid, request, attributes, project_id)
        return self._nic(port, binding.mac)

    def _existing(
        self, server_uuid: str, network_id: str, mac: str
    ) -> dict[str, Any] | None:
        """The port an earlier run of this bind created, if any."""
        resp = self.client.request(
            "GET",
            f"ports?device_id={server_uuid}&network_id={network_id}"
            f"&mac_address={mac.lower()}&name={neutron_ports.port_name(server_uuid)}",
        )
        ports = resp.body.get("ports") or [] if resp.ok else []
        return dict(ports[0]) if ports else None

    def _create(
        self,
        server_uuid: str,
        request: base.PortRequest,
        attributes: dict[str, Any],
        project_id: str,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            **attributes,
            "network_id": request.network_id,
            "project_id": project_id,
            "name": neutron_ports.port_name(server_uuid),
        }
        if request.fixed_ips:
            body["fixed_ips"] = [{"ip_address": ip} for ip in request.fixed_ips]
        if request.security_groups:
            body["security_groups"] = list(request.security_groups)
        resp = self.client.request("POST", "ports", {"port": body})
        if resp.ok:
            return dict(resp.body["port"])
        if resp.status == NOT_FOUND and resp.error_type == "NetworkNotFound":
            raise exception.NetworkNotFound(network=request.network_id)
        raise exception.NetworkRefused(
            action=f"create a port on network {request.network_id}",
            reason=resp.error,
        )

    def _bind_own(
        self, server_uuid: str, port_id: str, attributes: dict[str, Any]
    ) -> dict[str, Any]:
        """Bind the tenant's own port (unbound, or bound to this server already)."""
        resp = self.client.request("GET", f"ports/{port_id}")
        if resp.status == NOT_FOUND:
            raise exception.PortNotFound(port=port_id)
        port = dict(resp.body.get("port") or {})
        if port.get("device_id") not in ("", None, server_uuid):
            raise exception.PortInUse(
                port=port_id, reason=f"it is bound to device {port['device_id']}"
            )
        if (
            port.get("device_id") == server_uuid
            and port.get("binding:host_id") == attributes["binding:host_id"]
            and port.get("mac_address") == attributes["mac_address"]
        ):
            return port
        resp = self.client.request("PUT", f"ports/{port_id}", {"port": attributes})
        if not resp.ok:
            raise exception.NetworkRefused(
                action=f"bind port {port_id}", reason=resp.error
            )
        return dict(resp.body["port"])

    def _nic(self, port: dict[str, Any], mac: str) -> base.Nic:
        subnets = {s["id"]: s for s in self._subnets(None, port["network_id"])}
        return base.Nic(
            port_id=port["id"],
            network_id=port["network_id"],
            mac_address=mac.lower(),
            fixed_ips=[
                neutron_ports.fixed_ip(
                    subnets.get(ip.get("subnet_id")), ip["ip_address"]
                )
                for ip in port.get("fixed_ips") or []
            ],
        )

    # ------------------------------------------------------------ unbinding

    def unbind_all(self, ctx: mogan_context.RequestContext, server_uuid: str) -> None:
        """Delete the ports Mogan made for the server; unbind the tenant's own.

        Raises:
            NetworkServiceError: Neutron is unreachable (the step retries).
            NetworkRefused: Neutron refused to unbind a port.
        """
        del ctx
        resp = self.client.request("GET", f"ports?device_id={server_uuid}")
        if not resp.ok:
            # NOTE: never "nothing to release" on a refusal: the ports
            # would stay bound to the node with nobody left to free them.
            raise exception.NetworkRefused(
                action=f"list the ports of server {server_uuid}", reason=resp.error
            )
        for port in resp.body.get("ports") or []:
            self.release(server_uuid, port)

    def unbind_port(
        self, ctx: mogan_context.RequestContext, server_uuid: str, port_id: str
    ) -> None:
        """Release one port of the server as ``unbind_all`` does (idempotent).

        A port that is gone, or no longer bound to the server, is left alone.

        Raises:
            NetworkServiceError: Neutron is unreachable (the step retries).
            NetworkRefused: Neutron refused to delete or unbind it.
        """
        del ctx
        resp = self.client.request("GET", f"ports/{port_id}")
        if resp.status == NOT_FOUND:
            return
        if not resp.ok:
            raise exception.NetworkRefused(
                action=f"read port {port_id}", reason=resp.error
            )
        port = resp.body.get("port")
        if port is None or port.get("device_id") != server_uuid:
            return
        self.release(server_uuid, dict(port))

    def release(self, server_uuid: str, port: dict[str, Any]) -> None:
        """Delete ``port`` if Mogan made it for the server, else unbind it.

        Raises:
            NetworkRefused: Neutron refused to unbind the tenant's port.
        """
        if port.get("name") == neutron_ports.port_name(server_uuid):
            resp = self.client.request("DELETE", f"ports/{port['id']}")
            if resp.ok or resp.status == NOT_FOUND:
                return
            raise exception.NetworkRefused(
                action=f"delete port {port['id']}", reason=resp.error
            )
        # NOTE: a floating IP on the tenant's port stays mapped (as Nova
        # leaves it): the port and the mapping are the tenant's, and
        # Neutron lets only the tenant (not the service role) change it.
        # Ironic's unbind: no host, no profile, then a new MAC (so the
        # node's is free for its next server on this network); Neutron
        # refuses a MAC change while the port is still bound.
        for attributes in (
            {
                "device_id": "",
                "device_owner": "",
                "binding:host_id": "",
                "binding:profile": {},
            },
            {"mac_address": None},
        ):
            resp = self.client.request(
                "PUT", f"ports/{port['id']}", {"port": attributes}
            )
            if resp.status == NOT_FOUND:
                return
            if not resp.ok:
                raise exception.NetworkRefused(
                    action=f"unbind port {port['id']}", reason=resp.error
                )

    # ------------------------------------------------------------ floating IPs
    # NOTE: as the caller, with the errors of ``neutron_floating_ip``.

    def find_floating_ip(
        self, ctx: mogan_context.RequestContext, address: str
    ) -> base.FloatingIp:
        """The caller's floating IP with ``address`` (``FloatingIps.find``)."""
        return self.floating_ips.find(ctx, address)

    def associate_floating_ip(
        self,
        ctx: mogan_context.RequestContext,
        fip: base.FloatingIp,
        port_id: str,
        fixed_address: str,
    ) -> base.FloatingIp:
        """Map ``fip`` onto the port's address (``FloatingIps.associate``)."""
        return self.floating_ips.associate(ctx, fip, port_id, fixed_address)

    def disassociate_floating_ip(
        self, ctx: mogan_context.RequestContext, fip: base.FloatingIp
    ) -> None:
        """Unmap ``fip`` from its port (``FloatingIps.disassociate``)."""
        self.floating_ips.disassociate(ctx, fip)
