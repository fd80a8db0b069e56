"""Floating IP bodies of the embedded network backend (microversion 1.8).

``POST /v1/networks/{uuid}/floating_ips`` takes no body: the floating IP
is the lowest free address of the external network, for the caller's
project. Associating one with a server is the v1 path
(``mogan.api.schemas.server_network``).
"""

from typing import Literal

import pydantic

from mogan.api.schemas import common


class FloatingIp(common.Response):
    """A floating IP."""

    uuid: str
    address: str
    network_id: str = pydantic.Field(description="The external network it is of.")
    project_id: str
    port_id: str | None = pydantic.Field(
        description="The port it is associated with, or null."
    )
    fixed_address: str | None = pydantic.Field(
        description="The port's address it maps to, or null."
    )
    server_uuid: str | None = pydantic.Field(
        description="The server whose port it is associated with, or null."
    )
    links: list[common.Link]
    created_at: str
    updated_at: str | None


class FloatingIpList(common.Response):
    """``GET /v1/floating_ips``."""

    floating_ips: list[FloatingIp]


class FloatingIpListQuery(common.PageQuery):
    """Filters, sorting and paging of the floating IP list."""

    sort_key: Literal["address", "created_at", "updated_at", "uuid"] = "address"
    sort_dir: Literal["asc", "desc"] = "asc"
    network_id: common.UUID | None = pydantic.Field(
        default=None, description="Only the floating IPs of this external network."
    )
    all_tenants: bool = pydantic.Field(
        default=False,
        description="Cloud readers: every project's floating IPs.",
    )
