"""Flat networks of the embedded IPAM (``/v1/networks``)."""

from mogan_cli import exceptions
from mogan_cli.v1 import base

NO_GATEWAY = object()
"""Pass as ``gateway`` to define a network without a gateway."""


class NetworkManager(base.Manager):
    """Define, list, show and delete networks."""

    def list(
        self,
        *,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The networks the caller may use."""
        query: base.Query = {
            "limit": limit,
            "marker": marker,
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }
        return list(self.api.get("/v1/networks", query)["networks"])

    def get(self, network_uuid: str) -> base.Resource:
        """One network by UUID."""
        return dict(self.api.get(f"/v1/networks/{network_uuid}"))

    def find(self, name_or_uuid: str) -> base.Resource:
        """One network by UUID or, failing that, by exact name.

        Raises:
            CommandError: no network has that UUID or name, or several share it.
            HttpError: the API refused the lookup.
        """
        if base.is_uuid(name_or_uuid):
            try:
                return self.get(name_or_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - fall back to names on 404
                    raise
        matches = [n for n in self.list() if n.get("name") == name_or_uuid]
        if not matches:
            raise exceptions.CommandError(
                f"No network with a name or UUID of '{name_or_uuid}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one network exists with the name '{name_or_uuid}'."
            )
        return matches[0]

    def create(
        self,
        name: str,
        cidr: str,
        *,
        gateway: object = None,
        shared: bool = True,
        project_id: str | None = None,
    ) -> base.Resource:
        """Define a network.

        Args:
            name: the network name.
            cidr: IPv4 or IPv6 network, e.g. ``10.0.0.0/24``.
            gateway: an address inside ``cidr``; None for the server's default
                (the first host), :data:`NO_GATEWAY` for none.
            shared: whether every project may use it.
            project_id: the owning project.
        """
        body: base.Resource = {"name": name, "cidr": cidr, "shared": shared}
        if gateway is NO_GATEWAY:
            body["gateway"] = None
        elif gateway is not None:
            body["gateway"] = gateway
        if project_id is not None:
            body["project_id"] = project_id
        return dict(self.api.post("/v1/networks", body))

    def delete(self, network_uuid: str) -> None:
        """Delete a network no server uses."""
        self.api.delete(f"/v1/networks/{network_uuid}")
