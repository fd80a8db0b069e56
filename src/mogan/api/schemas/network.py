"""Network request and response bodies (the embedded flat networks).

The CIDR and gateway are checked by ``mogan.services.network`` (with
``ipaddress``), which names the field in its 400; here they are strings.
``external`` (microversion 1.8) marks a network of floating IPs.
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

Address = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]


class NetworkCreate(common.Request):
    """``POST /v1/networks``."""

    name: common.Name
    cidr: Address = pydantic.Field(
        description="IPv4 or IPv6 network, e.g. 10.0.0.0/24 (no host bits)."
    )
    gateway: Address | None = pydantic.Field(
        default=None,
        description=(
            "Gateway address inside cidr. Omitted: the first host address; "
            "null: no gateway."
        ),
    )
    shared: bool = pydantic.Field(
        default=True, description="Every project may use the network."
    )
    external: bool = pydantic.Field(
        default=False,
        description=(
            "Microversion 1.8: the network holds floating IPs (allocated with "
            "POST /v1/networks/{uuid}/floating_ips) instead of server ports."
        ),
    )
    project_id: common.ProjectId | None = pydantic.Field(
        default=None,
        description="Project that owns (and may use) the network.",
        validate_default=True,
    )

    @pydantic.field_validator("project_id")
    @classmethod
    def _private_needs_project(
        cls, value: str | None, info: pydantic.ValidationInfo
    ) -> str | None:
        if value is None and info.data.get("shared") is False:
            msg = "a network that is not shared needs a project_id"
            raise ValueError(msg)
        return value


class Network(common.Response):
    """A network."""

    uuid: str
    name: str
    cidr: str
    gateway: str | None
    shared: bool
    project_id: str | None
    external: bool | None = pydantic.Field(
        default=None,
        description="Microversion 1.8: the network holds floating IPs.",
    )
    links: list[common.Link]
    created_at: str
    updated_at: str | None


class NetworkList(common.Response):
    """``GET /v1/networks``."""

    networks: list[Network]


class NetworkListQuery(common.PageQuery):
    """Sorting and paging of the network list."""

    sort_key: Literal["name", "created_at", "updated_at", "uuid"] = "name"
    sort_dir: Literal["asc", "desc"] = "asc"
