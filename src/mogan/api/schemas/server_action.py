"""Server action bodies (microversion 1.4): Nova's instance actions, for bare metal.

Field names are Nova's (``os-instance-actions``): ``action``,
``request_id``, ``user_id``, ``project_id``, ``start_time``,
``finish_time``, ``message`` and ``events`` with ``event``,
``start_time``, ``finish_time``, ``result``, ``details`` and (admins)
``traceback``; ``server_uuid`` stands for Nova's ``instance_uuid``.
Mogan adds ``result`` on the action and, on events, ``attempt`` and
``max_attempts`` (a build's tries) and ``node`` (admins).
"""

from typing import Annotated

import pydantic

from mogan.api.schemas import common

MAX_ACTIONS_PAGE = 1000
"""The largest ``limit`` of an action list (the server caps it further)."""

RequestId = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$"
    ),
]
"""An API request id (``req-<uuid>``), as ``X-OpenStack-Request-Id`` gave it."""


class ServerActionListQuery(common.Query):
    """Paging of a server's actions, newest first."""

    limit: Annotated[int, pydantic.Field(ge=1, le=MAX_ACTIONS_PAGE)] | None = None
    marker: RequestId | None = pydantic.Field(
        default=None, description="The request_id of the last action of a page."
    )


class ServerActionEvent(common.Response):
    """One step of an action."""

    event: str = pydantic.Field(
        description="schedule, lock_node, bind_networks, config_drive, deploy, "
        "active, reschedule, power, teardown ..."
    )
    start_time: str
    finish_time: str | None
    result: str | None = pydantic.Field(description="Success, Error, or null.")
    attempt: int | None = pydantic.Field(description="A build's attempt (1 ...).")
    max_attempts: int | None = pydantic.Field(description="A build's tries at most.")
    details: str | None = pydantic.Field(description="What failed, for the owner.")
    node: str | None = pydantic.Field(default=None, description="Admins only.")
    traceback: str | None = pydantic.Field(
        default=None,
        description="Admins only: the driver's error or the traceback.",
    )


class ServerAction(common.Response):
    """One request acting on a server."""

    action: str
    request_id: str
    server_uuid: str
    user_id: str | None
    project_id: str
    start_time: str
    finish_time: str | None
    result: str | None = pydantic.Field(description="Success, Error, or null.")
    message: str | None = pydantic.Field(description="Why it failed, for the owner.")


class ServerActionDetail(ServerAction):
    """An action and its events, oldest first."""

    events: list[ServerActionEvent]


class ServerActionList(common.Response):
    """A page of a server's actions."""

    actions: list[ServerAction]
