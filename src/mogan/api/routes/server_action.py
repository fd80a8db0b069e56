"""Server action routes (microversion 1.4): what was done to a server.

Owners (readers too) see their servers' actions without node names,
driver errors or tracebacks; readers of every project see everything.
A deleted server's actions stay readable.
"""

from typing import Any

from mogan import context as mogan_context
from mogan import exception
from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import server_action as schema
from mogan.db import models
from mogan.services import server_action as action_svc

TAG = "servers"
VERSION = microversion.Version(1, 4)
ACTIONS = "/v1/servers/{server_uuid}/actions"
LIST_RULE = "mogan:server:actions:list"
SHOW_RULE = "mogan:server:actions:show"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _authorize(ctx: mogan_context.RequestContext, rule: str, server_uuid: str) -> None:
    """Check ``rule`` against the server's owner (or its actions', once deleted).

    Another project's server is "not found" to a caller who may not read
    every project.
    """
    visible_to = ctx.project_filter(all_projects=True)
    target = action_svc.owner(ctx, server_uuid)
    if visible_to is not None and target["project_id"] != visible_to:
        raise exception.ServerNotFound(server=server_uuid)
    state.authorize(ctx, rule, target)


def _action(action: models.ServerAction) -> dict[str, Any]:
    return {
        "action": action.action,
        "request_id": action.request_id,
        "server_uuid": action.server_uuid,
        "user_id": action.user_id,
        "project_id": action.project_id,
        "start_time": _iso(action.started_at),
        "finish_time": _iso(action.finished_at),
        "result": action.result,
        "message": action.message,
    }


def _event(
    ctx: mogan_context.RequestContext, event: models.ServerActionEvent
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "event": event.event,
        "start_time": _iso(event.started_at),
        "finish_time": _iso(event.finished_at),
        "result": event.result,
        "attempt": event.attempt,
        "max_attempts": event.max_attempts,
        "details": event.details,
    }
    if ctx.can_read_all:
        fields.update(node=event.node, traceback=event.traceback)
    return fields


@router.route("GET", ACTIONS, policy=LIST_RULE, tag=TAG, min_version=VERSION)
def list_server_actions(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    query: schema.ServerActionListQuery,
) -> schema.ServerActionList:
    """List a server's actions, newest first."""
    _authorize(ctx, LIST_RULE, server_uuid)
    actions = action_svc.get_all(
        ctx, server_uuid, limit=state.page_limit(query.limit), marker=query.marker
    )
    return schema.ServerActionList.model_validate(
        {"actions": [_action(a) for a in actions]}
    )


@router.route(
    "GET", ACTIONS + "/{request_id}", policy=SHOW_RULE, tag=TAG, min_version=VERSION
)
def show_server_action(
    ctx: mogan_context.RequestContext,
    server_uuid: common.UUID,
    request_id: schema.RequestId,
) -> schema.ServerActionDetail:
    """Show one action of a server with its events."""
    _authorize(ctx, SHOW_RULE, server_uuid)
    action = action_svc.get(ctx, server_uuid, request_id)
    return schema.ServerActionDetail.model_validate(
        {**_action(action), "events": [_event(ctx, e) for e in action.events]}
    )
