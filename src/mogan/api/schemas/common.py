"""Types and models shared by every resource's schemas."""

import uuid
from typing import Annotated, Literal

import pydantic


def _normalize_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as err:
        msg = f"Expected a UUID but received {value!r}"
        raise ValueError(msg) from err


UUID = Annotated[
    str,
    pydantic.AfterValidator(_normalize_uuid),
    pydantic.WithJsonSchema({"type": "string", "format": "uuid"}),
]
"""A UUID, dashed or as 32 hex digits; normalized to the dashed lowercase form."""

Name = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]
Description = Annotated[str, pydantic.StringConstraints(max_length=255)]
ProjectId = Annotated[
    str, pydantic.StringConstraints(min_length=1, max_length=255, pattern=r"^\S+$")
]
"""A project id: any identity string (fixes v1 bug 11, which demanded UUIDs)."""

MetadataKey = Annotated[
    str, pydantic.StringConstraints(pattern=r"^[a-zA-Z0-9-_:. ]{1,255}$")
]
MetadataValue = Annotated[str, pydantic.StringConstraints(max_length=255)]
Metadata = dict[MetadataKey, MetadataValue]

ResourceClass = Annotated[
    str, pydantic.StringConstraints(pattern=r"^[a-zA-Z0-9-_:.]{1,255}$")
]
Trait = Annotated[str, pydantic.StringConstraints(pattern=r"^[A-Z0-9_]{1,255}$")]


class Request(pydantic.BaseModel):
    """Base of request bodies: unknown fields are errors, strings stay strings."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)


class Query(pydantic.BaseModel):
    """Base of query-string models: values arrive as strings and are coerced."""

    model_config = pydantic.ConfigDict(extra="forbid")


class Response(pydantic.BaseModel):
    """Base of response bodies."""

    model_config = pydantic.ConfigDict(from_attributes=True)


class Link(Response):
    """A link to a resource (v1 shape)."""

    href: str
    rel: Literal["self", "bookmark"]


class PageQuery(Query):
    """Pagination common to collections."""

    limit: Annotated[int, pydantic.Field(ge=0)] | None = None
    marker: str | None = None
