"""Aggregate request and response bodies (v1 section 1.10)."""

import pydantic

from mogan.api.schemas import common


class AggregateCreate(common.Request):
    """``POST /v1/aggregates``."""

    name: common.Name
    metadata: common.Metadata = pydantic.Field(default_factory=dict)


class AggregateUpdate(common.Request):
    """The patchable part of an aggregate, re-validated after a JSON patch."""

    name: common.Name
    metadata: common.Metadata = pydantic.Field(default_factory=dict)


class Aggregate(common.Response):
    """An aggregate: a named set of nodes with metadata."""

    uuid: str
    name: str
    metadata: dict[str, str]
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class AggregateList(common.Response):
    """``GET /v1/aggregates``."""

    aggregates: list[Aggregate]


class AggregateNodes(common.Response):
    """``GET /v1/aggregates/{uuid}/nodes``: node names, sorted."""

    nodes: list[str]


class AggregateNodeAdd(common.Request):
    """``POST /v1/aggregates/{uuid}/nodes``."""

    node: common.Name = pydantic.Field(description="The node's name or uuid.")
