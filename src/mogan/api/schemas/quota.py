"""Quota and limits request and response bodies (microversion 1.3).

A limit of -1 means unlimited. Resource names are ``servers``,
``server_groups``, ``server_group_members``, ``metadata_items``,
``keypairs``, ``floating_ips`` and Placement resource classes
(``CUSTOM_BAREMETAL_GOLD``; the node spelling ``baremetal-gold`` is
accepted and stored as the former).
"""

from typing import Annotated

import pydantic

from mogan.api.schemas import common
from mogan.conf import quota as quota_conf

LimitValue = Annotated[int, pydantic.Field(ge=-1, le=quota_conf.MAX_LIMIT)]
ResourceName = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=255, pattern=r"^[A-Za-z0-9_.:-]+$"
    ),
]
# NOTE: six named resources and a few dozen classes at most; the bound
# only keeps one request small.
MAX_ITEMS = 128


class Limit(common.Response):
    """One limit and what the project uses of it (null: not counted per project)."""

    limit: int
    in_use: int | None = None


class Limits(common.Response):
    """``GET /v1/limits``: the project's limits and usage."""

    project_id: str
    limits: dict[str, Limit]


class LimitsQuery(common.Query):
    """Admins may read another project's limits."""

    project_id: common.ProjectId | None = None


class QuotaUpdate(common.Request):
    """``PUT /v1/quotas/{project_id}``: the limits to set (others unchanged)."""

    quota: Annotated[
        dict[ResourceName, LimitValue],
        pydantic.Field(min_length=1, max_length=MAX_ITEMS),
    ]


class Quota(common.Response):
    """A project's effective limits: the defaults with its own overrides."""

    quota: dict[str, int]
