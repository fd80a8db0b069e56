"""Node response bodies and list filters (v1 section 1.11, details at 1.2).

Below microversion 1.2 the list holds node names only, as in v1; from 1.2
it holds node objects. ``GET /v1/nodes/{node}`` shows an object at every
version.
"""

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema


class NodeAggregate(common.Response):
    """An aggregate the node is in."""

    uuid: str
    name: str


class Node(common.Response):
    """A node as Mogan sees it."""

    uuid: str
    name: str
    driver: str
    resource_class: str
    traits: list[str]
    aggregates: list[NodeAggregate]
    availability_zone: str | None = None
    affinity_zone: str | None = None
    failure_domains: dict[str, str] = pydantic.Field(
        description="Failure-domain level -> the node's domain at that level."
    )
    power_state: str | None = None
    maintenance: bool
    consumable: bool
    why_not: str | None = pydantic.Field(
        default=None,
        description="Why the node cannot take a server; null when it can.",
    )
    allocated: bool = pydantic.Field(description="A Placement claim holds the node.")
    server_uuid: str | None = None
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class NodeList(common.Response):
    """``GET /v1/nodes``: names below microversion 1.2, node objects from 1.2."""

    nodes: list[Node] | list[str]


class NodeListQuery(common.PageQuery):
    """Filters and paging of the node list (by name; ``marker`` is a node uuid)."""

    resource_class: common.Name | None = None
    availability_zone: common.Name | None = None
    consumable: flavor_schema.Boolean | None = None
    maintenance: flavor_schema.Boolean | None = None
