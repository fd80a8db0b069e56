"""A server's networks, floating IPs and interfaces (``/v1/servers/{uuid}/networks``).

v1's paths. Without a fixed address, ``add_floating_ip`` sends none (v1's
client sent ``null``, which v1 refused). Interface attach and detach wait
on the API side until the engine is done: the call returns once the
interface is there (or gone).
"""

from urllib import parse

from mogan_cli.v1 import base


class ServerNetworkManager(base.Manager):
    """List a server's NICs; add and remove floating IPs and interfaces."""

    @staticmethod
    def _path(server_uuid: str) -> str:
        return f"/v1/servers/{server_uuid}/networks"

    def list(self, server_uuid: str) -> list[base.Resource]:
        """The server's NICs.

        Each has ``port_id``, ``network_id``, ``mac_address``, ``fixed_ips``
        (``subnet_id``, ``ip_address``) and ``floating_ip``.
        """
        return list(self.api.get(self._path(server_uuid))["nics"])

    def add_floating_ip(
        self, server_uuid: str, address: str, fixed_address: str | None = None
    ) -> None:
        """Associate the floating IP ``address`` (on ``fixed_address`` if given)."""
        body: base.Resource = {"address": address}
        if fixed_address is not None:
            body["fixed_address"] = fixed_address
        self.api.post(f"{self._path(server_uuid)}/floatingips", body)

    def remove_floating_ip(self, server_uuid: str, address: str) -> None:
        """Disassociate the floating IP ``address`` (IPv4 or IPv6)."""
        quoted = parse.quote(address, safe="")
        self.api.delete(f"{self._path(server_uuid)}/floatingips/{quoted}")

    def attach_interface(
        self,
        server_uuid: str,
        *,
        net_id: str | None = None,
        port_id: str | None = None,
    ) -> None:
        """Attach a new port on ``net_id``, or the caller's ``port_id``.

        Raises:
            ValueError: not exactly one of the two.
        """
        if (net_id is None) == (port_id is None):
            msg = "give exactly one of net_id and port_id"
            raise ValueError(msg)
        body: base.Resource = (
            {"net_id": net_id} if net_id is not None else {"port_id": port_id}
        )
        self.api.post(f"{self._path(server_uuid)}/interfaces", body)

    def detach_interface(self, server_uuid: str, port_id: str) -> None:
        """Detach the interface on ``port_id``."""
        self.api.delete(f"{self._path(server_uuid)}/interfaces/{port_id}")
