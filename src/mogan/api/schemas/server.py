"""Server request and response bodies (v1 sections 1.5-1.6, bugs fixed).

Fixed from v1: ``networks`` items take exactly one of ``net_id``/``port_id``
and nothing else (bug 8); ids are validated as UUIDs; ``project_id`` and
``user_id`` are any identity strings (bug 11); ``sort_dir`` is validated and
``name`` filters by prefix (bug 5).
"""

import ipaddress
from typing import Annotated, Literal

import pydantic

from mogan import states
from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema
from mogan.api.schemas import hardware as hardware_schema

Count = Annotated[int, pydantic.Field(ge=1, le=common.MAX_COUNT)]
DiskGb = Annotated[int, pydantic.Field(ge=0, le=common.MAX_DISK_GB)]
MAX_PERSONALITY = 100
Blob = Annotated[str, pydantic.StringConstraints(max_length=common.MAX_BLOB)]
AdminPass = Annotated[str, pydantic.StringConstraints(max_length=255)]


# NOTE: the longest textual IPv6 address (an IPv4 tail) has 45 characters.
IP_MAX_LENGTH = 45
MAX_SECURITY_GROUPS = 16


def _normalize_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError as err:
        msg = f"Expected an IPv4 or IPv6 address but received {value!r}"
        raise ValueError(msg) from err


IPAddress = Annotated[
    str,
    pydantic.StringConstraints(max_length=IP_MAX_LENGTH),
    pydantic.AfterValidator(_normalize_ip),
]
"""An IPv4 or IPv6 address, normalized (``10.0.0.05`` is refused)."""


class NetworkRequest(common.Request):
    """One NIC of the new server: a network to put it on, or the caller's port."""

    net_id: common.UUID | None = None
    port_id: common.UUID | None = None
    fixed_ip: IPAddress | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.8: the address the NIC gets on ``net_id`` (v1 "
            "clients' ``--nic v4-fixed-ip``); one server per request then."
        ),
    )
    security_groups: (
        Annotated[
            list[common.UUID],
            pydantic.Field(min_length=1, max_length=MAX_SECURITY_GROUPS),
        ]
        | None
    ) = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.8: security groups of the port made on ``net_id`` "
            "(Neutron backend; the project's default group when left out)."
        ),
    )
    bond: hardware_schema.Bond | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.5: bond this many of the node's NICs on the network."
        ),
    )

    @pydantic.model_validator(mode="after")
    def _exactly_one(self) -> "NetworkRequest":
        if (self.net_id is None) == (self.port_id is None):
            msg = "give exactly one of net_id and port_id"
            raise ValueError(msg)
        if self.port_id is not None and (
            self.fixed_ip is not None or self.security_groups is not None
        ):
            msg = "a port keeps its own addresses and security groups: give net_id"
            raise ValueError(msg)
        return self


class Personality(common.Request):
    """A file injected through the config drive."""

    path: Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]
    contents: Blob


class Partitions(common.Request):
    """Partition sizes for partition images (v1 section 2.5)."""

    root_gb: Annotated[int, pydantic.Field(ge=1, le=common.MAX_DISK_GB)]
    ephemeral_gb: DiskGb = 0
    swap_mb: Annotated[int, pydantic.Field(ge=0, le=common.MAX_DISK_GB * 1024)] = 0


class ServerCreateBody(common.Request):
    """The ``server`` object of ``POST /v1/servers``."""

    name: common.Name
    description: common.Description | None = None
    flavor_uuid: common.UUID
    image_uuid: common.UUID
    networks: Annotated[
        list[NetworkRequest],
        pydantic.Field(min_length=1, max_length=common.MAX_NETWORKS),
    ]
    availability_zone: common.Name | None = None
    metadata: common.Metadata = pydantic.Field(default_factory=dict)
    user_data: Blob | None = None
    personality: Annotated[
        list[Personality], pydantic.Field(max_length=MAX_PERSONALITY)
    ] = pydantic.Field(default_factory=list)
    key_name: common.Name | None = None
    adminPass: AdminPass | None = None  # noqa: N815 - v1 wire name
    min_count: Count = 1
    max_count: Count | None = None
    partitions: Partitions | None = None
    hardware: hardware_schema.HardwareRequest | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.5: RAID, partition layout, BIOS and firmware to apply "
            "while deploying, or a hardware profile by name or uuid."
        ),
    )


class SchedulerHints(common.Request):
    """Placement hints: the server group to join."""

    group: common.UUID | None = pydantic.Field(
        default=None,
        description=(
            "A server group of the caller's project (any project for admins); "
            "the new servers join it."
        ),
    )


class ServerCreate(common.Request):
    """``POST /v1/servers``."""

    server: ServerCreateBody
    scheduler_hints: SchedulerHints | None = None


class Fault(common.Response):
    """Why the server is in error."""

    code: int
    message: str
    detail: str | None = None


class Address(common.Response):
    """One address of a server on a network."""

    addr: str
    type: Literal["fixed", "floating"]


class ServerComposition(common.Response):
    """What a composed server is made of (admins, microversion 1.8)."""

    service_uuid: str = pydantic.Field(
        description="The composition service that composed it."
    )
    zone: str = pydantic.Field(description="The resource zone of its blocks.")
    system: str | None = pydantic.Field(
        description=(
            "The composed system's path on the service; null before it is "
            "composed and once it is decomposed."
        )
    )
    blocks: list[str] = pydantic.Field(
        description="The ids of the resource blocks claimed for it."
    )


class Server(common.Response):
    """A server (admins also see its node, zones and system_metadata)."""

    uuid: str
    name: str
    description: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    status: str | None = None
    power_state: str | None = None
    availability_zone: str | None = None
    flavor_uuid: str | None = None
    image_uuid: str | None = None
    addresses: dict[str, list[Address]] = pydantic.Field(default_factory=dict)
    links: list[common.Link]
    launched_at: str | None = None
    metadata: dict[str, str] = pydantic.Field(default_factory=dict)
    fault: Fault | dict[str, str] | None = None
    node: str | None = None
    affinity_zone: str | None = None
    failure_domains: dict[str, str] | None = pydantic.Field(
        default=None,
        description=(
            "Admins, microversion 1.2: failure-domain level -> the domain of "
            "the server's node."
        ),
    )
    system_metadata: dict[str, str] | None = None
    key_name: str | None = None
    partitions: dict[str, int] = pydantic.Field(default_factory=dict)
    hardware: hardware_schema.ServerHardware | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.5: the hardware asked for (profile and flavor default "
            "merged in) and, per section, its result."
        ),
    )
    composed: bool | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.8: whether the server is composed from the "
            "resource blocks of a composition service."
        ),
    )
    composition: ServerComposition | None = pydantic.Field(
        default=None,
        description=(
            "Admins (mogan:server:composition), microversion 1.8: what the "
            "composed server is made of; null when it is not composed (or "
            "not placed yet)."
        ),
    )
    locked: bool
    created_at: str | None = None
    updated_at: str | None = None


class ServerList(common.Response):
    """``GET /v1/servers`` and ``/v1/servers/detail``."""

    servers: list[Server]


SORT_KEYS = Literal[
    "name", "created_at", "updated_at", "status", "uuid", "launched_at", "id"
]


def _status(value: object) -> object:
    """A server status in any case (``ACTIVE``, Nova's habit), in Mogan's."""
    if not isinstance(value, str):
        return value
    status = value.strip().lower()
    if status not in states.ALL:
        valid = ", ".join(sorted(states.ALL))
        msg = f"unknown status {value[:64]!r}; valid statuses: {valid}"
        raise ValueError(msg)
    return status


Status = Annotated[
    str,
    pydantic.BeforeValidator(_status),
    pydantic.WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(states.ALL),
            "description": "A server status, in any case.",
        }
    ),
]


class ServerListQuery(common.PageQuery):
    """Filters, sorting and paging of the server list (v1 section 1.6)."""

    name: common.Name | None = None
    status: Status | None = None
    flavor_uuid: common.UUID | None = None
    image_uuid: common.UUID | None = None
    sort_key: SORT_KEYS = "id"
    sort_dir: Literal["asc", "desc"] = "asc"
    all_tenants: flavor_schema.Boolean = False
    marker: common.UUID | None = None


class PowerState(common.Request):
    """``PUT /v1/servers/{uuid}/states/power``."""

    target: Literal["on", "off", "soft_off", "reboot", "soft_reboot"]


class LockState(common.Request):
    """``PUT /v1/servers/{uuid}/states/lock``."""

    target: flavor_schema.Boolean


class ProvisionState(common.Request):
    """``PUT /v1/servers/{uuid}/states/provision``: only rebuild."""

    target: Literal["rebuild"]
    image_uuid: common.UUID | None = None
    preserve_ephemeral: flavor_schema.Boolean = False


class ServerUpdate(common.Request):
    """The patchable part of a server, re-validated after a JSON patch."""

    name: common.Name
    description: common.Description | None = None
    metadata: common.Metadata = pydantic.Field(default_factory=dict)
