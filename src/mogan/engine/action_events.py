"""Server action events from the workflow runner: one per step, then the result.

The runner calls ``after_step`` once a step's outcome is persisted and
``after_finish`` once a workflow is finished; both record on the server's
open action of the workflow's kind (a ``build`` records on ``create``)
and never fail the workflow: an error here is logged and dropped.

Events are named for what a user waits on, not for each step:
``start_deploy`` and ``wait_deploy`` are one ``deploy`` event. A build's
events carry its attempt (``deploy`` attempt 2 of 3) and node. An event is
written when its step first runs, when it ends and when it is retried,
not on every poll. The action finishes when no workflow of its kind is
left on the server: a create once the server is active or in error, not
when a failed build was rescheduled.

What must not live here: the runner's bookkeeping (``runner``) and what
owners may read (``services.server_action``).
"""

import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import orm

from mogan import exception, states
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.db.api import server_action as action_db
from mogan.db.api import workflow as workflow_db
from mogan.engine import workflow

LOG = logging.getLogger(__name__)

CREATE_KINDS = ("schedule", "build")
# NOTE: which actions a workflow kind carries out.
ACTIONS: dict[str, tuple[str, ...]] = {
    "schedule": (action_db.CREATE,),
    "build": (action_db.CREATE,),
    "delete": (action_db.DELETE,),
    "power": tuple(action_db.POWER.values()),
    "rebuild": (action_db.REBUILD,),
    "adopt": (action_db.MANAGE,),
    "attach_interface": (action_db.ATTACH_INTERFACE,),
    "detach_interface": (action_db.DETACH_INTERFACE,),
}
# NOTE: the workflow kinds that carry out each action.
KINDS: dict[str, tuple[str, ...]] = {}
for _kind, _actions in ACTIONS.items():
    for _action in _actions:
        KINDS[_action] = (*KINDS.get(_action, ()), _kind)
# NOTE: steps recorded under another event name; the rest keep theirs.
EVENTS = {
    "select_and_claim": "schedule",
    "start_deploy": "deploy",
    "start_rebuild": "deploy",
    "wait_deploy": "deploy",
    "start_power": "power",
    "wait_power": "power",
}
ACTIVE = "active"
RESCHEDULE = "reschedule"
# NOTE: a hook's transaction that meets a locked database (SQLite under
# load) is tried again this many times, with backoff from HOOK_BACKOFF s.
HOOK_ATTEMPTS = 5
HOOK_BACKOFF = 0.05


def event_name(step: str) -> str:
    """The event a step is recorded under."""
    return EVENTS.get(step, step)


def after_step(
    ctx: workflow.StepContext,
    flow: workflow.Flow,
    started_at: datetime.datetime,
    values: dict[str, Any],
    wait: float | None,
) -> None:
    """Record the step the runner just ran (see the module docstring)."""
    _guarded(
        ctx, "action event not recorded", _after_step, flow, started_at, values, wait
    )


def after_finish(ctx: workflow.StepContext, flow: workflow.Flow, ok: bool) -> None:
    """Record how the workflow ended; finish actions with nothing left to run."""
    _guarded(ctx, "action not finished", _after_finish, flow, ok)


def _guarded(
    ctx: workflow.StepContext, failure: str, record: Callable[..., None], *args: Any
) -> None:
    """Run ``record(ctx, *args)``; retry a transient database error, log the rest.

    Each try is one transaction, rolled back when it fails, so a retry
    records nothing twice. Nothing here ever fails the workflow.
    """
    for attempt in range(1, HOOK_ATTEMPTS + 1):
        try:
            record(ctx, *args)
        except Exception as err:
            if attempt < HOOK_ATTEMPTS and workflow_db.is_transient(err):
                time.sleep(HOOK_BACKOFF * 2**attempt)
                continue
            LOG.exception("workflow %s: %s", ctx.workflow.uuid, failure)
        return


# ---------------------------------------------------------------- details


def _servers(snap: workflow.Snapshot) -> list[str]:
    if snap.server_uuid:
        return [snap.server_uuid]
    return [str(uuid) for uuid in snap.args.get("server_uuids") or []]


def _attempt(deps: workflow.Deps, snap: workflow.Snapshot) -> dict[str, int | None]:
    """A build's attempt of ``[engine] build_attempts``; nothing for other kinds."""
    if snap.kind not in CREATE_KINDS:
        return {"attempt": None, "max_attempts": None}
    args = snap.args if snap.kind == "build" else snap.args.get("build_args") or {}
    return {
        "attempt": int(args.get("attempt") or 1),
        "max_attempts": int(deps.conf.engine.build_attempts),
    }


def _keep(deps: workflow.Deps) -> int:
    return int(deps.conf.server_actions.max_events_per_action)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _server(session: orm.Session, server_uuid: str) -> models.Server | None:
    try:
        return server_db.get(session, server_uuid)
    except exception.ServerNotFound:
        return None


# ---------------------------------------------------------------- steps


def _after_step(
    ctx: workflow.StepContext,
    flow: workflow.Flow,
    started_at: datetime.datetime,
    values: dict[str, Any],
    wait: float | None,
) -> None:
    deps, snap = ctx.deps, ctx.workflow
    actions = ACTIONS.get(snap.kind)
    index = flow.index_of(snap.step)
    if snap.reverting or actions is None or index is None:
        return
    if not 0 <= index < len(flow.steps) or not flow.steps[index].recorded(ctx):
        return
    name = event_name(flow.steps[index].name)
    failed = bool(values.get("reverting"))
    done = "step" in values and not failed
    retried = not failed and not done and wait is not None and "last_error" in values
    if not (failed or done or retried) and ctx.attempt > 1:
        return  # NOTE: a poll of a running step: nothing new to say.
    following = flow.steps[index + 1].name if index + 1 < len(flow.steps) else ""
    ends = failed or (done and event_name(following) != name)
    now = _now()
    with deps.db.transaction() as session:
        node = action_db.node_name(session, ctx.state.get("node_uuid"))
        common: dict[str, Any] = {"keep": _keep(deps), **_attempt(deps, snap)}
        for server_uuid in _servers(snap):
            action = action_db.latest_open(session, server_uuid, actions)
            if action is None:
                continue
            if not ends:
                row = action_db.begin_event(
                    session, action, name, at=started_at, node=node, **common
                )
                if retried:
                    row.traceback = action_db.clip(
                        f"retrying: {values['last_error']}", action_db.TRACEBACK_LENGTH
                    )
                continue
            error = ctx.state.get("error") or {} if failed else {}
            action_db.end_event(
                session,
                action,
                name,
                result=action_db.ERROR if failed else action_db.SUCCESS,
                at=now,
                started_at=started_at,
                details=action_db.public_error(error, name) if failed else None,
                traceback=action_db.admin_error(error) if failed else None,
                node=_placed_on(session, snap, server_uuid) or node,
                **common,
            )


def _placed_on(
    session: orm.Session, snap: workflow.Snapshot, server_uuid: str
) -> str | None:
    """Where a ``schedule`` placed the server (its row's node), else None.

    Recorded with the step: the build may finish the action before the
    schedule workflow's own finish is recorded.
    """
    if snap.kind != "schedule":
        return None
    server = _server(session, server_uuid)
    return server.node if server is not None else None


# ---------------------------------------------------------------- finish


def _after_finish(ctx: workflow.StepContext, flow: workflow.Flow, ok: bool) -> None:
    del flow
    deps, snap = ctx.deps, ctx.workflow
    actions = ACTIONS.get(snap.kind)
    if actions is None:
        return
    error: dict[str, Any] = ctx.state.get("error") or {}
    with deps.db.transaction() as session:
        for server_uuid in _servers(snap):
            action = action_db.latest_open(session, server_uuid, actions)
            if action is None:
                continue
            server = _server(session, server_uuid)
            if snap.kind == "build" and server is not None:
                _hardware_events(session, ctx, action, server)
            _closing_event(session, ctx, action, server, ok)
            if action_db.has_open_work(session, server_uuid, KINDS[action.action]):
                continue
            _finish_action(session, ctx, action, server, ok, error)


def _hardware_events(
    session: orm.Session,
    ctx: workflow.StepContext,
    action: models.ServerAction,
    server: models.Server,
) -> None:
    """One ``hardware_<section>`` event per section the build's deploy reported."""
    common: dict[str, Any] = {
        "keep": _keep(ctx.deps),
        **_attempt(ctx.deps, ctx.workflow),
    }
    node = action_db.node_name(session, ctx.state.get("node_uuid"))
    for section, entry in (server.hardware_result or {}).items():
        status = entry.get("status")
        if status not in {"applied", "failed"}:
            continue
        action_db.end_event(
            session,
            action,
            f"hardware_{section}",
            result=action_db.SUCCESS if status == "applied" else action_db.ERROR,
            at=_now(),
            node=node,
            details=entry.get("message"),
            **common,
        )


def _closing_event(
    session: orm.Session,
    ctx: workflow.StepContext,
    action: models.ServerAction,
    server: models.Server | None,
    ok: bool,
) -> None:
    """A failed build's ``reschedule``; a schedule's failure.

    ``active`` is recorded when the create finishes (``_finish_action``):
    the schedule workflow may finish after the build and be the one to.
    """
    deps, snap = ctx.deps, ctx.workflow
    now = _now()
    common: dict[str, Any] = {"keep": _keep(deps), **_attempt(deps, snap)}
    node = action_db.node_name(session, ctx.state.get("node_uuid"))
    if (
        snap.kind == "build"
        and not ok
        and server is not None
        and server.status == states.BUILDING
        and action_db.has_open_work(session, server.uuid, CREATE_KINDS)
    ):
        attempt = common["attempt"] or 1
        action_db.end_event(
            session,
            action,
            RESCHEDULE,
            result=action_db.SUCCESS,
            at=now,
            node=node,
            details=f"attempt {attempt} failed; trying another node",
            **common,
        )
    elif snap.kind == "schedule" and server is not None:
        scheduled = action_db.last_event(session, action.id, "schedule")
        if scheduled is None:
            return
        if server.status == states.ERROR and server.faults:
            fault = server.faults[-1]
            described = {"code": fault.code, "message": fault.message}
            scheduled.result = action_db.ERROR
            scheduled.details = action_db.public_error(described, "schedule")
            scheduled.traceback = action_db.admin_error(
                {**described, "detail": fault.detail}
            )


def _finish_action(  # noqa: PLR0917 - the finishing transaction's whole view
    session: orm.Session,
    ctx: workflow.StepContext,
    action: models.ServerAction,
    server: models.Server | None,
    ok: bool,
    error: dict[str, Any],
) -> None:
    """The action's result: the workflow's, and an error server is an error.

    A create that ends well ends with an ``active`` event.
    """
    if server is None:
        good = ok and action.action == action_db.DELETE
    else:
        good = ok and server.status != states.ERROR
    if good:
        if action.action == action_db.CREATE and server is not None:
            attempt = _attempt(ctx.deps, ctx.workflow)
            action_db.end_event(
                session,
                action,
                ACTIVE,
                result=action_db.SUCCESS,
                at=_now(),
                node=server.node,
                attempt=attempt["attempt"],
                max_attempts=attempt["max_attempts"],
                keep=_keep(ctx.deps),
            )
        action_db.finish(session, action, result=action_db.SUCCESS)
        return
    if not error and server is not None and server.faults:
        fault = server.faults[-1]
        error = {"code": fault.code, "message": fault.message}
    if error.get("aborted"):
        message = str(error.get("message") or f"{action.action} aborted")
    elif server is None and action.action != action_db.DELETE:
        message = f"{action.action} aborted: the server was deleted"
    else:
        message = action_db.public_error(error, action.action)
    action_db.finish(session, action, result=action_db.ERROR, message=message)
