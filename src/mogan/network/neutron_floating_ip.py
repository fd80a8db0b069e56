"""Floating IPs through Neutron: find one by address, map it, unmap it.

Everything here is done with the **caller's token** (``ctx.auth_token``):
a floating IP is the tenant's, so Neutron decides what the caller sees and
may change (a member its project's, an admin any), and it refuses a port
of another project. Mogan's service user could not act for the tenant
anyway: Neutron's ``update_floatingip`` wants an admin or the project's
member, not the ``service`` role. Without a token (``noauth``) the service
user reads, and only the caller's project's floating IPs count.

A change carries ``If-Match: revision_number=<n>`` of the floating IP as
it was read, so a mapping someone made meanwhile is never silently moved;
on 412 the floating IP is read again and the change retried a few times
while it still makes sense (a revision also moves when only its status
does). v1's answers: none visible 404, several 409, Neutron's 403 passes
through, a Neutron refusal (an external network no router reaches, a fixed
address not on the port) is a 400 naming ``address``.

A floating IP on a port Mogan deletes is unmapped by Neutron itself
(``unbind_port``, ``unbind_all``). What must not live here: HTTP details
(``neutron_client``), which NIC takes the floating IP
(``mogan.services.server_floating_ip``).
"""

import ipaddress
import urllib.parse
from typing import Any

from mogan import context as mogan_context
from mogan import exception
from mogan.network import base, neutron_client

NOT_FOUND = 404
CONFLICT = 409
FORBIDDEN = 403
PRECONDITION_FAILED = 412
# NOTE: how often a change is tried again when the floating IP moved to a
# new revision between the read and the write (a status update, a race).
ATTEMPTS = 3


def floating_ip(item: dict[str, Any]) -> base.FloatingIp:
    """The backend-neutral view of a Neutron floating IP."""
    revision = item.get("revision_number")
    return base.FloatingIp(
        id=str(item["id"]),
        address=str(ipaddress.ip_address(item["floating_ip_address"])),
        network_id=str(item.get("floating_network_id") or ""),
        project_id=item.get("project_id") or item.get("tenant_id"),
        port_id=item.get("port_id") or None,
        fixed_address=item.get("fixed_ip_address") or None,
        revision=int(revision) if revision is not None else None,
    )


class FloatingIps:
    """The three floating IP calls of the Neutron backend."""

    def __init__(self, client: neutron_client.NeutronClient) -> None:
        """Use ``client`` for every request."""
        self.client = client

    def _request(
        self,
        ctx: mogan_context.RequestContext,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        revision: int | None = None,
    ) -> neutron_client.Response:
        headers = None
        if revision is not None:
            headers = {"If-Match": f"revision_number={revision}"}
        return self.client.request(
            method, path, body, token=ctx.auth_token, headers=headers
        )

    @staticmethod
    def _forbidden(resp: neutron_client.Response, action: str) -> exception.Forbidden:
        return exception.Forbidden(
            message=f"The network service refused to {action}: {resp.error}"
        )

    def find(self, ctx: mogan_context.RequestContext, address: str) -> base.FloatingIp:
        """The floating IP with ``address`` the caller sees in Neutron.

        Raises:
            FloatingIpNotFound: none is visible.
            FloatingIpAmbiguous: several are.
            Forbidden: Neutron refused the caller.
            NetworkServiceError: Neutron is unreachable.
        """
        query = urllib.parse.urlencode({"floating_ip_address": address})
        resp = self._request(ctx, "GET", f"floatingips?{query}")
        if resp.status == FORBIDDEN:
            raise self._forbidden(resp, f"show floating IP {address}")
        items = list(resp.body.get("floatingips") or []) if resp.ok else []
        if not ctx.auth_token and not ctx.is_admin:
            items = [i for i in items if i.get("project_id") == ctx.project_id]
        if not items:
            raise exception.FloatingIpNotFound(address=address)
        if len(items) > 1:
            raise exception.FloatingIpAmbiguous(address=address, count=len(items))
        return floating_ip(items[0])

    def _reread(
        self, ctx: mogan_context.RequestContext, fip: base.FloatingIp
    ) -> base.FloatingIp:
        """``fip`` as Neutron holds it now.

        Raises:
            FloatingIpNotFound: it was released meanwhile.
        """
        resp = self._request(ctx, "GET", f"floatingips/{fip.id}")
        item = resp.body.get("floatingip") if resp.ok else None
        if item is None:
            raise exception.FloatingIpNotFound(address=fip.address)
        return floating_ip(item)

    def _refused(
        self,
        resp: neutron_client.Response,
        fip: base.FloatingIp,
        port_id: str | None,
        action: str,
    ) -> exception.MoganError:
        """The Mogan error for Neutron's refusal to change ``fip``."""
        if resp.status == NOT_FOUND and resp.error_type == "FloatingIPNotFound":
            return exception.FloatingIpNotFound(address=fip.address)
        if resp.status == NOT_FOUND and resp.error_type == "PortNotFound" and port_id:
            return exception.PortNotFound(port=port_id)
        if resp.status == CONFLICT:
            return exception.FloatingIpInUse(address=fip.address, reason=resp.error)
        if resp.status == FORBIDDEN:
            return self._forbidden(resp, action)
        # NOTE: v1 answered 400 for any other Neutron refusal; the usual one
        # is an external network no router connects the port's subnet to.
        return exception.InvalidParameter(
            field="address",
            reason=f"the network service refused to {action}: {resp.error}",
        )

    def associate(
        self,
        ctx: mogan_context.RequestContext,
        fip: base.FloatingIp,
        port_id: str,
        fixed_address: str,
    ) -> base.FloatingIp:
        """``PUT floatingips/<id>`` with the port and its address, as the caller.

        Raises:
            FloatingIpNotFound: it was released meanwhile.
            FloatingIpInUse: it was mapped elsewhere meanwhile, or Neutron
                says the address already has one.
            PortNotFound: the port is gone.
            Forbidden: Neutron refused the caller.
            InvalidParameter: any other refusal (names ``address``).
        """
        action = f"associate floating IP {fip.address} with port {port_id}"
        body = {"floatingip": {"port_id": port_id, "fixed_ip_address": fixed_address}}
        current = fip
        for _attempt in range(ATTEMPTS):
            resp = self._request(
                ctx, "PUT", f"floatingips/{fip.id}", body, revision=current.revision
            )
            if resp.ok:
                return floating_ip(resp.body["floatingip"])
            if resp.status != PRECONDITION_FAILED:
                raise self._refused(resp, fip, port_id, action)
            current = self._reread(ctx, fip)
            if current.port_id == port_id and current.fixed_address == fixed_address:
                return current
            if current.port_id is not None:
                break
        raise exception.FloatingIpInUse(
            address=fip.address,
            reason=(
                f"it changed while being associated (now on port "
                f"{current.port_id or 'none'}); try again"
            ),
        )

    def disassociate(
        self, ctx: mogan_context.RequestContext, fip: base.FloatingIp
    ) -> None:
        """``PUT floatingips/<id>`` with ``port_id: null``, from ``fip.port_id`` only.

        Raises:
            FloatingIpNotFound: it was released meanwhile.
            Forbidden: Neutron refused the caller.
            InvalidParameter: any other refusal (names ``address``).
            Conflict: it kept changing (a new revision each time).
        """
        if fip.port_id is None:
            return
        action = f"disassociate floating IP {fip.address}"
        body: dict[str, Any] = {"floatingip": {"port_id": None}}
        current = fip
        for _attempt in range(ATTEMPTS):
            resp = self._request(
                ctx, "PUT", f"floatingips/{fip.id}", body, revision=current.revision
            )
            if resp.ok:
                return
            if resp.status != PRECONDITION_FAILED:
                raise self._refused(resp, fip, None, action)
            current = self._reread(ctx, fip)
            if current.port_id != fip.port_id:
                # NOTE: freed, or mapped onto another port since: left there.
                return
        raise exception.Conflict(
            reason=(
                f"floating IP {fip.address} kept changing while being "
                "disassociated; try again"
            )
        )
