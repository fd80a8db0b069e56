"""Composition service bodies and views (microversion 1.7, admin).

Every value is bounded (a 400 names the field past its bound): the name as
other names, the address a URL of bounded length, credentials of bounded
length. The password is write-only: no response model here has it.
"""

from typing import Any

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import node_enrolment as enrol_schema


class ServiceAccessIn(common.Request):
    """How the engine's driver reaches the service (``password`` write-only)."""

    address: enrol_schema.Address = pydantic.Field(
        description="The service root's URL (``https://composer.example``)."
    )
    username: enrol_schema.Credential
    password: enrol_schema.Credential = pydantic.Field(
        description="Write-only: stored sealed, never shown.",
        json_schema_extra={"writeOnly": True},
    )
    verify_ca: bool = pydantic.Field(
        default=True, description="Check the service's TLS certificate."
    )


class CompositionServiceCreate(common.Request):
    """``POST /v1/composition_services``: register a Redfish composition service."""

    name: common.Name
    driver_info: ServiceAccessIn


class CompositionServiceUpdate(common.Request):
    """A service's patchable attributes after a JSON patch (re-validated)."""

    name: common.Name
    driver_info: ServiceAccessIn | None = None


class ServiceAccess(common.Response):
    """How the service is reached, as shown (never the password)."""

    address: str
    username: str | None = None
    verify_ca: bool


class CompositionService(common.Response):
    """A registered composition service, with what the last sync found."""

    uuid: str
    name: str
    driver_info: ServiceAccess
    zones: int = pydantic.Field(description="Resource zones holding its blocks.")
    blocks: int = pydantic.Field(description="Resource blocks Mogan keeps of it.")
    synced_at: str | None
    links: list[dict[str, str]]
    created_at: str | None
    updated_at: str | None


class CompositionServiceList(common.Response):
    """``GET /v1/composition_services``."""

    composition_services: list[CompositionService]


class ResourceBlock(common.Response):
    """One block of a service, as the last sync saw it."""

    id: str
    types: list[str]
    zone: str | None = pydantic.Field(
        description="The zone whose Placement provider is the block's parent."
    )
    zones: list[str]
    state: str = pydantic.Field(description="Redfish CompositionStatus.")
    reserved: bool
    system: str | None = pydantic.Field(
        description="The Redfish system it is composed into, if any."
    )
    chassis: list[str] | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.8: the ids of the chassis the service links the "
            "block to (Redfish Links.Chassis), in its order; empty when it "
            "names none. A composed server's chassis (its failure domain at "
            "a server group's chassis scope) is the first of its Compute "
            "block's."
        ),
    )
    cpus: int
    cores: int
    memory_mb: int
    storage_gb: int
    accelerators: dict[str, Any]
    provider_uuid: str
    node_uuid: str | None = pydantic.Field(
        default=None, description="The node composed of it (not yet: null)."
    )
    server_uuid: str | None = pydantic.Field(
        default=None, description="The server on that node (not yet: null)."
    )
    updated_at: str | None


class ResourceBlockList(common.Response):
    """``GET /v1/composition_services/{uuid}/blocks``."""

    blocks: list[ResourceBlock]


class BlockListQuery(common.PageQuery):
    """Paging of a service's blocks (by id; ``marker`` is a block id)."""
