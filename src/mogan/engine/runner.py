"""The workflow runner: takes due workflows and runs their steps on a pool.

A take is a conditional UPDATE (``mogan.db.api.workflow.take``): of several
engines on one database exactly one gets a workflow, and holds it under a
lease. The holder runs one step (or undo), persists the outcome (step
name and flow version, state, attempts, next_run_at, last error) with an
UPDATE conditional on still holding the lease, and then either keeps going
(``Done``: renewed lease) or hands the workflow back due later (``Wait``).
An engine killed mid-step therefore loses only the step in flight, which
the next holder re-runs.

A failing ``do`` switches the workflow to reverting: the undos run from the
failed step back to the first, then the flow's ``on_failed`` hook finishes it
(fault, reschedule or error) in the transaction that marks it failed.

The step is persisted by name (see ``workflow.Flow``): a workflow written
by an older release resumes at the same step even when this release's flow
inserted steps before it; a step name this release does not know fails the
workflow without running any step.
"""

import concurrent.futures
import copy
import logging
import threading
from typing import Any

from mogan import context as mogan_context
from mogan.db.api import workflow as workflow_db
from mogan.drivers import base as driver_base
from mogan.engine import action_events, notifications, workflow
from mogan.services import server_state

LOG = logging.getLogger(__name__)

# NOTE: an undo that keeps failing is retried with backoff this many times,
# then skipped (and logged) so the workflow still finishes.
UNDO_ATTEMPTS = 5
# NOTE: a transient condition (node busy, database lock) is retried this
# many times before the step counts as failed.
RETRY_ATTEMPTS = 60
DB_RETRY_SECONDS = 0.05
RETRIES_KEY = "_retries"
# NOTE: finishing (the flow's hooks and the final row update) that keeps
# failing is retried with backoff this many times, then the workflow is
# abandoned: failed, its servers in error with a fault.
FINISH_ATTEMPTS = 5
FINISH_KEY = "_finish_attempts"


class Runner:
    """Runs the steps of workflows this engine takes, on a thread pool."""

    def __init__(self, deps: workflow.Deps, flows: dict[str, workflow.Flow]) -> None:
        """Run ``flows`` (by kind) with ``deps``; ``[engine] workers`` threads."""
        self.deps = deps
        self.flows = flows
        for flow in flows.values():
            names = [step.name for step in flow.steps]
            if len(set(names)) != len(names):
                msg = f"flow {flow.kind} has steps of the same name: {names}"
                raise ValueError(msg)
        conf = deps.conf
        self.host = deps.host
        self.lease = float(conf.engine.lease_seconds)
        self.workers = int(conf.engine.workers)
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="mogan-workflow"
        )
        self._inflight: set[str] = set()
        self._guard = threading.Lock()
        self._stopping = threading.Event()
        mogan_context.install_log_record_factory()

    # ------------------------------------------------------------ taking

    def tick(self) -> int:
        """Take due workflows up to free capacity and start them; returns how many."""
        if self._stopping.is_set():
            return 0
        with self._guard:
            free = self.workers - len(self._inflight)
            busy = list(self._inflight)
        if free <= 0:
            return 0
        try:
            with self.deps.db.transaction() as session:
                candidates = workflow_db.due(session, free, exclude=busy)
        except Exception as err:
            if workflow_db.is_transient(err):
                return 0
            raise
        started = 0
        for uuid in candidates:
            if self._take(uuid):
                with self._guard:
                    self._inflight.add(uuid)
                self._pool.submit(self._work, uuid)
                started += 1
        return started

    def _take(self, uuid: str) -> bool:
        try:
            with self.deps.db.transaction() as session:
                return workflow_db.take(session, uuid, self.host, self.lease)
        except Exception as err:
            if workflow_db.is_transient(err):
                return False
            raise

    def idle(self) -> bool:
        """Whether no workflow is in flight here."""
        with self._guard:
            return not self._inflight

    def stop(self, wait: bool = True) -> None:
        """Take nothing more; in-flight workflows hand back after their step."""
        self._stopping.set()
        self._pool.shutdown(wait=wait)

    # ------------------------------------------------------------ running

    def _work(self, uuid: str) -> None:
        try:
            self.run(uuid)
        except Exception:
            LOG.exception("workflow %s: runner error", uuid)
        finally:
            with self._guard:
                self._inflight.discard(uuid)
            self.deps.wake()

    def run(self, uuid: str) -> None:
        """Run a workflow this engine holds until it waits, ends or is lost.

        Its log records carry the request id of the request that started it.
        """
        while True:
            snap = self._load(uuid)
            if snap is None:
                return
            with mogan_context.bound(snap.request_id):
                if not self._run_once(snap):
                    return

    def _run_once(self, snap: workflow.Snapshot) -> bool:
        """One step (or the finish) of the workflow; False when it stops here."""
        flow = self.flows[snap.kind]
        ctx = workflow.StepContext(self.deps, snap)
        index = flow.index_of(snap.step)
        started_at = ctx.now()
        if index is None:
            values, wait = self._unknown_step(ctx, flow)
        elif not snap.reverting and index >= len(flow.steps):
            self._finish(ctx, flow, ok=True)
            return False
        elif snap.reverting and index < 0:
            self._finish(ctx, flow, ok=False)
            return False
        else:
            values, wait = self._step(ctx, flow, index)
        if "step" in values:
            values["flow_version"] = flow.version
        if wait is None and self._stopping.is_set():
            wait = 0.0
        kept = self._persist(ctx, values, wait)
        if kept:
            action_events.after_step(ctx, flow, started_at, values, wait)
            notifications.send(self.deps, ctx.notifications)
            if ctx.wake_after:
                self.deps.wake()
        return kept and wait is None

    def _load(self, uuid: str) -> workflow.Snapshot | None:
        with self.deps.db.transaction() as session:
            row = workflow_db.get(session, uuid)
            if row is None or row.owner != self.host:
                return None
            if row.status != workflow_db.RUNNING:
                return None
            return workflow.Snapshot(
                id=row.id,
                uuid=row.uuid,
                kind=row.kind,
                server_uuid=row.server_uuid,
                step=row.step,
                flow_version=row.flow_version,
                reverting=row.reverting,
                attempts=row.attempts,
                args=copy.deepcopy(row.args),
                state=copy.deepcopy(row.state),
                last_error=row.last_error,
                context=dict(row.context or {}),
            )

    def _unknown_step(
        self, ctx: workflow.StepContext, flow: workflow.Flow
    ) -> tuple[dict[str, Any], float | None]:
        """A persisted step this flow lacks: revert from the last step, run none.

        Every undo runs (they are safe where ``do`` never ran), then the
        flow's ``on_failed`` with ``UnknownStep``; never the wrong ``do``.
        """
        snap = ctx.workflow
        err = workflow.UnknownStep(
            step=snap.step, kind=snap.kind, old=snap.flow_version, new=flow.version
        )
        LOG.error("workflow %s: %s", snap.uuid, err.message)
        if not snap.reverting or "error" not in ctx.state:
            ctx.state["error"] = {**workflow.describe_error(err), "step": snap.step}
        return {
            "state": ctx.state,
            "reverting": True,
            "step": flow.name_at(len(flow.steps) - 1),
            "attempts": 1,
            "last_error": err.message[:1000],
        }, None

    def _step(
        self, ctx: workflow.StepContext, flow: workflow.Flow, index: int
    ) -> tuple[dict[str, Any], float | None]:
        """Run the current step or undo: the columns to persist and any wait."""
        snap = ctx.workflow
        step = flow.steps[index]
        action = "undo" if snap.reverting else "do"
        try:
            if snap.reverting:
                result = step.undo(ctx)
            else:
                flow.check(ctx)
                result = step.do(ctx)
        except Exception as err:  # noqa: BLE001 - every failure is recorded
            return self._failed(ctx, flow, index, action, err)
        if isinstance(result, workflow.Wait):
            return {"state": ctx.state, "step": step.name}, max(result.seconds, 0.0)
        ctx.state.pop(RETRIES_KEY, None)
        nxt = index - 1 if snap.reverting else index + 1
        LOG.debug("workflow %s: %s %s done", snap.uuid, action, step.name)
        return {"state": ctx.state, "step": flow.name_at(nxt), "attempts": 1}, None

    def _failed(
        self,
        ctx: workflow.StepContext,
        flow: workflow.Flow,
        index: int,
        action: str,
        err: Exception,
    ) -> tuple[dict[str, Any], float | None]:
        name = flow.steps[index].name
        snap = ctx.workflow
        retry = _retry_after(err, self.deps.conf.engine.hardware_poll_interval)
        retries = int(ctx.state.get(RETRIES_KEY, 0))
        if retry is not None and retries < RETRY_ATTEMPTS:
            ctx.state[RETRIES_KEY] = retries + 1
            LOG.info("workflow %s: %s %s retried: %s", snap.uuid, action, name, err)
            return {
                "state": ctx.state,
                "step": name,
                "last_error": str(err)[:1000],
            }, retry
        if snap.reverting:
            if snap.attempts < UNDO_ATTEMPTS:
                LOG.warning(
                    "workflow %s: undo %s failed (attempt %d): %s",
                    snap.uuid,
                    name,
                    snap.attempts,
                    err,
                )
                backoff = min(2.0**snap.attempts, 60.0)
                return {
                    "state": ctx.state,
                    "step": name,
                    "last_error": str(err)[:1000],
                }, backoff
            ctx.state.pop(RETRIES_KEY, None)
            LOG.error("workflow %s: giving up undo %s: %s", snap.uuid, name, err)
            return {
                "state": ctx.state,
                "step": flow.name_at(index - 1),
                "attempts": 1,
                "last_error": str(err)[:1000],
            }, None
        error = workflow.describe_error(err)
        # NOTE: the server's uuid in the line, so an operator finds the cause
        # of a fault by the server the user names.
        label = f"{snap.uuid} ({snap.kind} of server {snap.server_uuid or '-'})"
        if error["code"] == 500 and error["detail"]:  # noqa: PLR2004 - HTTP 500
            LOG.error("workflow %s: %s failed\n%s", label, name, error["detail"])
        else:
            LOG.info("workflow %s: %s failed: %s", label, name, error["message"])
        ctx.state.pop(RETRIES_KEY, None)
        ctx.state["error"] = {**error, "step": name}
        return {
            "state": ctx.state,
            "step": name,
            "reverting": True,
            "attempts": 1,
            "last_error": error["message"],
        }, None

    def _persist(
        self, ctx: workflow.StepContext, values: dict[str, Any], wait: float | None
    ) -> bool:
        if wait is not None and "attempts" in values:
            # NOTE: handing back: the next take counts the next attempt.
            values = {**values, "attempts": 0}
        try:
            with self.deps.db.transaction() as session:
                kept = workflow_db.advance(
                    session,
                    ctx.workflow.uuid,
                    self.host,
                    lease_seconds=self.lease,
                    values=values,
                    release_after=wait,
                )
        except Exception as err:
            if not workflow_db.is_transient(err):
                raise
            kept = False
        if not kept:
            LOG.warning("workflow %s: lease lost", ctx.workflow.uuid)
        return kept

    def _finish(self, ctx: workflow.StepContext, flow: workflow.Flow, ok: bool) -> None:
        snap = ctx.workflow
        status = workflow_db.DONE if ok else workflow_db.FAILED
        try:
            flow.before_finish(ctx, ok)
            with self.deps.db.transaction() as session:
                if ok:
                    flow.on_done(ctx, session)
                else:
                    flow.on_failed(ctx, session, snap.state.get("error") or {})
                _finish_row(
                    session,
                    snap.uuid,
                    self.host,
                    status,
                    flow.scrub(snap.args, ctx.state),
                )
        except _LeaseLost:
            LOG.warning("workflow %s: lease lost before finishing", snap.uuid)
            return
        except Exception as err:  # noqa: BLE001 - every failure is recorded
            self._finish_failed(ctx, err)
            return
        LOG.info("workflow %s (%s) %s", snap.uuid, snap.kind, status)
        action_events.after_finish(ctx, flow, ok)
        notifications.send(self.deps, ctx.notifications)
        if ctx.wake_after:
            self.deps.wake()

    def _finish_failed(self, ctx: workflow.StepContext, err: Exception) -> None:
        """Retry finishing with backoff, a bounded number of times, then give up.

        Giving up marks the workflow failed and its servers in error with a
        fault saying why, so nothing is retried forever.
        """
        snap = ctx.workflow
        attempts = int(ctx.state.get(FINISH_KEY, 0)) + 1
        LOG.error(
            "workflow %s: finishing failed (attempt %d of %d)",
            snap.uuid,
            attempts,
            FINISH_ATTEMPTS,
            exc_info=err,
        )
        ctx.state[FINISH_KEY] = attempts
        with self.deps.db.transaction() as session:
            if attempts < FINISH_ATTEMPTS:
                backoff = min(
                    self.deps.conf.engine.hardware_poll_interval * 2**attempts, 60.0
                )
                workflow_db.advance(
                    session,
                    snap.uuid,
                    self.host,
                    lease_seconds=self.lease,
                    values={"state": ctx.state, "last_error": str(err)[:1000]},
                    release_after=backoff,
                )
                return
            error = workflow.describe_error(err)
            error["message"] = (f"{snap.kind} could not finish: {error['message']}")[
                :255
            ]
            servers = [snap.server_uuid] if snap.server_uuid else []
            servers += list(snap.args.get("server_uuids") or [])
            for server_uuid in dict.fromkeys(servers):
                server_state.give_up(session, server_uuid, error)
            args, state = self.flows[snap.kind].scrub(snap.args, ctx.state)
            workflow_db.finish(
                session,
                snap.uuid,
                self.host,
                workflow_db.FAILED,
                {"state": state, "args": args, "last_error": error["message"]},
            )
        # NOTE: the servers' open actions end with the workflow, not open forever.
        ctx.state["error"] = error
        action_events.after_finish(ctx, self.flows[snap.kind], False)
        LOG.error("workflow %s (%s) abandoned: %s", snap.uuid, snap.kind, err)


class _LeaseLost(Exception):
    """Another engine took the workflow while this one was finishing it."""


def _finish_row(
    session: Any,
    uuid: str,
    host: str,
    status: str,
    scrubbed: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    """Mark the workflow finished, or roll the hooks back if the lease is gone.

    ``scrubbed`` are the args and state to keep: without the flow's secrets
    and bulk (``Flow.scrub``).
    """
    args, state = scrubbed
    if not workflow_db.finish(
        session, uuid, host, status, {"state": state, "args": args}
    ):
        msg = "lease lost"
        raise _LeaseLost(msg)


def _retry_after(err: Exception, poll: float) -> float | None:
    """Seconds after which a transient failure is retried, or None."""
    if isinstance(err, workflow.Retry):
        return err.seconds
    if isinstance(err, driver_base.NodeLocked):
        return poll
    if workflow_db.is_transient(err):
        return DB_RETRY_SECONDS
    return None
