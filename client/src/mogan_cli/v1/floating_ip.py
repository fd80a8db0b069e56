"""Floating IPs of Mogan's embedded network backend (``/v1/floating_ips``, 1.8).

An admin defines an external network (``network create --external``);
members allocate floating IPs from it for their project, then associate
them with servers (:class:`mogan_cli.v1.server_network.ServerNetworkManager`).
Every call sends API version 1.8.
"""

import ipaddress

from mogan_cli import exceptions
from mogan_cli.v1 import base

VERSION = "1.8"


def is_address(text: str) -> bool:
    """Whether ``text`` is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class FloatingIpManager(base.Manager):
    """Allocate, list, show and release floating IPs."""

    def create(self, network_uuid: str) -> base.Resource:
        """Allocate the external network's lowest free address for the project."""
        response = self.api.request(
            "POST", f"/v1/networks/{network_uuid}/floating_ips", min_version=VERSION
        )
        return dict(response.json())

    def list(
        self,
        *,
        network_uuid: str | None = None,
        all_projects: bool = False,
        limit: int | None = None,
        marker: str | None = None,
    ) -> list[base.Resource]:
        """The project's floating IPs (every project's with ``all_projects``).

        All of them, page by page, or the first ``limit``.
        """
        query: base.Query = {
            "network_id": network_uuid,
            "all_tenants": "true" if all_projects else None,
        }

        def fetch(page: base.Query) -> list[base.Resource]:
            response = self.api.request(
                "GET",
                "/v1/floating_ips",
                params={**query, **page},
                min_version=VERSION,
            )
            return list(response.json()["floating_ips"])

        return base.paginate(fetch, limit=limit, marker=marker)

    def get(self, fip_uuid: str) -> base.Resource:
        """One floating IP by UUID."""
        response = self.api.request(
            "GET", f"/v1/floating_ips/{fip_uuid}", min_version=VERSION
        )
        return dict(response.json())

    def find(
        self, uuid_or_address: str, *, all_projects: bool = False
    ) -> base.Resource:
        """One floating IP by UUID or address.

        Raises:
            CommandError: none has that UUID or address, or several share it.
        """
        if base.is_uuid(uuid_or_address):
            return self.get(uuid_or_address)
        if not is_address(uuid_or_address):
            raise exceptions.CommandError(
                f"'{uuid_or_address}' is neither a UUID nor an IP address."
            )
        wanted = str(ipaddress.ip_address(uuid_or_address))
        matches = [
            f
            for f in self.list(all_projects=all_projects)
            if f.get("address") == wanted
        ]
        if not matches:
            raise exceptions.CommandError(
                f"No floating IP with an address of '{uuid_or_address}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one floating IP has the address '{uuid_or_address}'; "
                "name it by UUID."
            )
        return matches[0]

    def delete(self, fip_uuid: str) -> None:
        """Release one floating IP (it must not be associated)."""
        self.api.request("DELETE", f"/v1/floating_ips/{fip_uuid}", min_version=VERSION)
