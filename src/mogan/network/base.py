"""The network backend interface the API and the engine use."""

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
        """Release every port and address of the server (idempotent)."""
