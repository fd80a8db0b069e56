"""Flat networks of the embedded IPAM (``/v1/networks``).

An ``external`` network (API version 1.8) holds floating IPs
(:mod:`mogan_cli.v1.floating_ip`) instead of server ports.
"""

from mogan_cli.v1 import base

EXTERNAL_VERSION = "1.8"
NO_GATEWAY = object()
"""Pass as ``gateway`` to define a network without a gateway."""


class NetworkManager(base.CollectionManager):
    """Define, list, show and delete networks."""

    collection = "networks"
    noun = "network"

    def create(
        self,
        name: str,
        cidr: str,
        *,
        gateway: object = None,
        shared: bool = True,
        project_id: str | None = None,
        external: bool = False,
    ) -> base.Resource:
        """Define a network.

        Args:
            name: the network name.
            cidr: IPv4 or IPv6 network, e.g. ``10.0.0.0/24``.
            gateway: an address inside ``cidr``; None for the server's default
                (the first host), :data:`NO_GATEWAY` for none.
            shared: whether every project may use it.
            project_id: the owning project.
            external: a network of floating IPs (sends API version 1.8).
        """
        body: base.Resource = {"name": name, "cidr": cidr, "shared": shared}
        if gateway is NO_GATEWAY:
            body["gateway"] = None
        elif gateway is not None:
            body["gateway"] = gateway
        if project_id is not None:
            body["project_id"] = project_id
        if external:
            body["external"] = True
            return dict(
                self.api.post("/v1/networks", body, min_version=EXTERNAL_VERSION)
            )
        return dict(self.api.post("/v1/networks", body))
