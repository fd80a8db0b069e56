"""Types and models shared by every resource's schemas.

Every request value is bounded here or where it is declared: integers have a
minimum and a maximum, strings a maximum length (or an enumeration), lists a
maximum number of items and dicts a maximum number of keys. The bounds are
absolute (what the database column and the meaning allow); configurable
limits, such as quotas, are checked by the services below them.
``tests/functional/api/test_bounds.py`` fails on any unbounded field.
"""

import uuid
from typing import Annotated, Literal

import pydantic


def _normalize_uuid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as err:
        msg = f"Expected a UUID but received {value!r}"
        raise ValueError(msg) from err


# NOTE: what uuid.UUID accepts is at most ``urn:uuid:`` plus 36 characters.
UUID_MAX_LENGTH = 45
MAX_NAME = 255
MAX_METADATA_ITEMS = 1000
"""Keys of one metadata dict (server, aggregate, flavor aggregates)."""
MAX_COUNT = 10000
"""Servers one request may ask for, and members one group domain may hold."""
MAX_DISK_GB = 2**20
"""1 PiB: the largest disk or partition size, in GiB."""
MAX_BLOB = 1048576
"""Characters of a free-form text value (user data, injected files)."""
MAX_PAGE = 100000
"""The largest ``limit`` a list takes (the server caps it at ``[api] max_limit``)."""
MAX_NETWORKS = 64
"""NICs one server may ask for."""
PLACEMENT_MAX_INT = 2**31 - 1
"""Placement stores amounts as 32-bit integers."""

UUID = Annotated[
    str,
    pydantic.StringConstraints(max_length=UUID_MAX_LENGTH),
    pydantic.AfterValidator(_normalize_uuid),
    pydantic.WithJsonSchema(
        {"type": "string", "format": "uuid", "maxLength": UUID_MAX_LENGTH}
    ),
]
"""A UUID, dashed or as 32 hex digits; normalized to the dashed lowercase form."""

Name = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=MAX_NAME)]
Description = Annotated[str, pydantic.StringConstraints(max_length=MAX_NAME)]
ProjectId = Annotated[
    str,
    pydantic.StringConstraints(min_length=1, max_length=MAX_NAME, pattern=r"^\S+$"),
]
"""A project id: any identity string (fixes v1 bug 11, which demanded UUIDs)."""

MetadataKey = Annotated[
    str,
    pydantic.StringConstraints(
        max_length=MAX_NAME, pattern=r"^[a-zA-Z0-9-_:. ]{1,255}$"
    ),
]
MetadataValue = Annotated[str, pydantic.StringConstraints(max_length=MAX_NAME)]
Metadata = Annotated[
    dict[MetadataKey, MetadataValue],
    pydantic.Field(max_length=MAX_METADATA_ITEMS),
]

ResourceClass = Annotated[
    str,
    pydantic.StringConstraints(
        max_length=MAX_NAME, pattern=r"^[a-zA-Z0-9-_:.]{1,255}$"
    ),
]
Trait = Annotated[
    str, pydantic.StringConstraints(max_length=MAX_NAME, pattern=r"^[A-Z0-9_]{1,255}$")
]
Marker = Annotated[str, pydantic.StringConstraints(max_length=MAX_NAME)]
"""The id or name of the last item of the previous page."""


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

    limit: Annotated[int, pydantic.Field(ge=0, le=MAX_PAGE)] | None = None
    marker: Marker | None = None
