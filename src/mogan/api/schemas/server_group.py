"""Server group request and response bodies (v1 section 1.12, bugs fixed).

Fixed from v1: ``policies`` must hold exactly one known policy (bug 8
accepted an empty list, which broke scheduling); ``project_id`` and
``user_id`` are any identity strings (bug 11). From microversion 1.2 a group
takes ``rules`` (scope and ``max_per_domain``) and shows its members'
failure domains.
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema

Policy = Literal["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]
Level = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=64)]


class GroupRules(common.Request):
    """Microversion 1.2: where the policy applies, and how strictly."""

    scope: Level = pydantic.Field(
        default="affinity_zone",
        description=(
            "The failure-domain level the policy applies over: affinity_zone, "
            "a configured hierarchy or orthogonal level, or (microversion 1.8) "
            "a level of composed servers: composition_zone, or chassis (the "
            "chassis of a composed server's Compute block). Composed servers "
            "in a group of any other scope are placed over composition zones."
        ),
    )
    max_per_domain: Annotated[int, pydantic.Field(ge=1, le=common.MAX_COUNT)] | None = (
        pydantic.Field(
            default=None,
            description="Anti-affinity only: most members per domain (default 1).",
        )
    )


class ServerGroupCreate(common.Request):
    """``POST /v1/server_groups``."""

    name: common.Name
    policies: Annotated[list[Policy], pydantic.Field(min_length=1, max_length=1)]
    rules: GroupRules | None = None


class Rules(common.Response):
    """A group's scope and, for anti-affinity, its max_per_domain."""

    scope: str
    max_per_domain: int | None = None


class ServerGroup(common.Response):
    """A server group (rules and member_domains from microversion 1.2)."""

    uuid: str
    name: str
    project_id: str
    user_id: str
    policies: list[str]
    members: list[str]
    rules: Rules | None = None
    member_domains: dict[str, str | None] | None = pydantic.Field(
        default=None,
        description="Member server uuid -> its domain at the scope (null: unplaced).",
    )
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class ServerGroupList(common.Response):
    """``GET /v1/server_groups``."""

    server_groups: list[ServerGroup]


class ServerGroupListQuery(common.Query):
    """``all_tenants`` lists every project's groups (admins only)."""

    all_tenants: flavor_schema.Boolean = False
