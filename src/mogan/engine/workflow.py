"""The workflow framework: steps with do and undo, flows, and what steps see.

A ``Step`` does one idempotent piece of work and returns ``Done`` or
``Wait(seconds)``: a step waiting on hardware returns ``Wait`` and the
runner comes back later instead of a thread sleeping. Steps must be safe to
run again, because an engine killed mid-step loses the step in flight and
another engine re-runs it.

A ``Flow`` is the ordered steps of one kind of workflow plus two hooks run
in the same transaction that finishes the workflow: ``on_done`` after the
last step, ``on_failed`` after the undos of a failure. Those hooks only
touch the database they are handed: no driver, Placement or RPC call and no
transaction of their own (the finishing transaction holds the write lock).
What they need from outside, ``before_finish`` gathers first, outside any
transaction, into the workflow's state. Steps and hooks reach the world
through a ``StepContext``; they queue notifications and wake-ups on it,
which the runner sends only once the transaction committed.
"""

import dataclasses
import datetime
import traceback
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from oslo_config import cfg
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import crypto, exception
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.image import base as image_base
from mogan.network import base as network_base
from mogan.placement import client as placement_client
from mogan.scheduler import request as select_request


@dataclasses.dataclass(frozen=True)
class Done:
    """The step finished; go on to the next one."""


@dataclasses.dataclass(frozen=True)
class Wait:
    """The step is not finished: run it again after ``seconds``."""

    seconds: float


Result = Done | Wait
DONE = Done()

# NOTE: the persisted step past the last one, and before the first one once
# the undos have all run (a workflow not started has the empty name).
END = "__end__"
START = "__start__"


class Aborted(exception.MoganError):
    """The workflow's target changed under it (deleted); stop and undo."""

    msg_fmt = "Aborted: {reason}"
    code = "mogan.engine.aborted"


class StepFailed(exception.MoganError):
    """Hardware or a backend reported a failure the flow handles."""

    msg_fmt = "{reason}"
    code = "mogan.engine.step_failed"


class Retry(exception.MoganError):
    """A transient condition: run the step again after ``seconds``."""

    msg_fmt = "Retry: {reason}"
    code = "mogan.engine.retry"

    def __init__(self, reason: str, seconds: float = 1.0) -> None:
        """Retry after ``seconds`` because of ``reason``."""
        super().__init__(reason=reason)
        self.seconds = seconds


class Scheduler(Protocol):
    """What the engine needs of the scheduler (its RPC API)."""

    def select_and_claim(
        self, ctx: dict[str, Any], request: select_request.SelectRequest
    ) -> dict[str, str]:
        """Place and claim the servers of ``request`` (see SchedulerAPI)."""


class Notifier(Protocol):
    """What the engine needs to send versioned notifications."""

    def info(self, ctxt: dict[str, Any], event_type: str, payload: Any) -> None:
        """Send an INFO notification."""

    def error(self, ctxt: dict[str, Any], event_type: str, payload: Any) -> None:
        """Send an ERROR notification."""


@dataclasses.dataclass
class Deps:
    """Everything workflows act through, built once per engine process."""

    conf: cfg.ConfigOpts
    db: db_session.Database
    host: str
    driver: driver_base.Driver
    placement: placement_client.PlacementClient
    network: network_base.NetworkBackend
    image: image_base.ImageBackend
    scheduler: Scheduler
    notifier: Notifier | None = None
    wake: Callable[[], None] = lambda: None


@dataclasses.dataclass
class Snapshot:
    """The workflow row as the step sees it (a copy, not an ORM object)."""

    id: int
    uuid: str
    kind: str
    server_uuid: str | None
    step: str
    flow_version: int
    reverting: bool
    attempts: int
    args: dict[str, Any]
    state: dict[str, Any]
    last_error: str | None
    # NOTE: the request that started the work (``RequestContext.to_dict``).
    context: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def request_id(self) -> str:
        """The originating request's id (the workflow's own for older rows)."""
        return str(self.context.get("request_id") or f"req-{self.uuid}")


@dataclasses.dataclass
class Notification:
    """A notification to send after commit."""

    event_type: str
    payload: dict[str, Any]
    error: bool = False


@dataclasses.dataclass
class StepContext:
    """What a step or hook works with: dependencies, its workflow, a queue."""

    deps: Deps
    workflow: Snapshot
    notifications: list[Notification] = dataclasses.field(default_factory=list)
    wake_after: bool = False

    @property
    def conf(self) -> cfg.ConfigOpts:
        """The engine's configuration."""
        return self.deps.conf

    @property
    def args(self) -> dict[str, Any]:
        """The workflow's arguments (read only by convention)."""
        return self.workflow.args

    @property
    def state(self) -> dict[str, Any]:
        """The workflow's state, persisted after every step."""
        return self.workflow.state

    @property
    def sealer(self) -> crypto.Sealer:
        """Seals and opens the secrets in args and state (``[DEFAULT] secret_key``)."""
        return crypto.Sealer.from_conf(self.deps.conf)

    @property
    def server_uuid(self) -> str:
        """The server the workflow acts on (every kind but ``schedule``)."""
        if self.workflow.server_uuid is None:
            msg = f"workflow {self.workflow.uuid} has no server"
            raise RuntimeError(msg)
        return self.workflow.server_uuid

    @property
    def attempt(self) -> int:
        """How many times the current step was started (1 on the first run)."""
        return self.workflow.attempts

    def request_context(self) -> mogan_context.RequestContext:
        """An admin context for backends, acting on the engine's database."""
        return mogan_context.RequestContext(
            user_id="mogan-engine",
            project_id=None,
            roles=["admin"],
            request_id=self.workflow.request_id,
            db=self.deps.db,
        )

    def rpc_context(self) -> dict[str, Any]:
        """The context dict RPC calls carry: the engine, for the original request."""
        return self.request_context().to_dict()

    def now(self) -> datetime.datetime:
        """The current time (UTC)."""
        return datetime.datetime.now(datetime.UTC)

    def notify(
        self, event_type: str, payload: dict[str, Any], error: bool = False
    ) -> None:
        """Queue a notification, sent once the current work is committed."""
        self.notifications.append(Notification(event_type, payload, error))

    def wake(self) -> None:
        """Ask the runner to look for due workflows (new ones were written)."""
        self.wake_after = True


class Step:
    """One idempotent unit of a flow: ``do`` and its ``undo``."""

    name = "step"

    def do(self, ctx: StepContext) -> Result:
        """Do the work (again, if a previous run was interrupted)."""
        raise NotImplementedError

    def undo(self, ctx: StepContext) -> Result:
        """Reverse ``do`` (also when ``do`` never ran or ran half way)."""
        del ctx
        return DONE

    def recorded(self, ctx: StepContext) -> bool:
        """Whether this run is a server action event (not a step that passed)."""
        del ctx
        return True


class UnknownStep(exception.MoganError):
    """A persisted step the flow no longer has (a release removed it)."""

    msg_fmt = (
        "step {step!r} (written by {kind} flow version {old}) is unknown to "
        "the {kind} flow version {new}: no step runs, every undo does"
    )
    code = "mogan.engine.unknown_step"
    reschedulable = False


class Flow:
    """The ordered steps of one workflow kind and how it finishes.

    Workflows persist their current step by name with the flow's
    ``version``. A release that inserts or removes a step bumps ``version``;
    one that renames a step lists the old name in ``renamed`` so workflows
    in flight resume at the same step. A persisted step the flow does not
    know fails the workflow: no step runs, the undos of every step do (undos
    are safe where their ``do`` never ran), then ``on_failed`` with
    ``UnknownStep``.
    """

    kind = "flow"
    version = 1
    steps: tuple[Step, ...] = ()
    renamed: ClassVar[dict[str, str]] = {}
    # NOTE: secrets and bulk that must not outlive the work: removed from
    # the row's args (and ``build_args`` within) and state when it finishes.
    transient_args: ClassVar[tuple[str, ...]] = ()
    transient_state: ClassVar[tuple[str, ...]] = ()

    def scrub(
        self, args: dict[str, Any], state: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``args`` and ``state`` without what must not outlive the workflow."""
        kept_args = {k: v for k, v in args.items() if k not in self.transient_args}
        inner = kept_args.get("build_args")
        if isinstance(inner, dict):
            kept_args["build_args"] = {
                k: v for k, v in inner.items() if k not in self.transient_args
            }
        kept_state = {k: v for k, v in state.items() if k not in self.transient_state}
        return kept_args, kept_state

    def index_of(self, name: str) -> int | None:
        """The index of the persisted step ``name``, or None when unknown.

        The empty name (not started) is the first step, ``END`` is past the
        last, ``START`` before the first.
        """
        if name == "":
            return 0
        if name == END:
            return len(self.steps)
        if name == START:
            return -1
        name = self.renamed.get(name, name)
        for index, step in enumerate(self.steps):
            if step.name == name:
                return index
        return None

    def name_at(self, index: int) -> str:
        """The name to persist for step ``index`` (``START``/``END`` outside)."""
        if index < 0:
            return START
        if index >= len(self.steps):
            return END
        return self.steps[index].name

    def check(self, ctx: StepContext) -> None:
        """Run before every ``do``: raise ``Aborted`` to stop and undo."""
        del ctx

    def before_finish(self, ctx: StepContext, ok: bool) -> None:
        """Outside any transaction, before ``on_done``/``on_failed``.

        The place for driver and Placement calls whose results the hooks
        need (kept in ``ctx.state``) or whose effects must precede them.
        It may run again if finishing is retried, so it must be idempotent.
        """
        del ctx, ok

    def on_done(self, ctx: StepContext, session: orm.Session) -> None:
        """Finish after the last step, in the workflow's final transaction."""
        del ctx, session

    def on_failed(
        self, ctx: StepContext, session: orm.Session, error: dict[str, Any]
    ) -> None:
        """Finish after the undos of a failure (fault, reschedule or error)."""
        del ctx, session, error


# NOTE: the fault's ``code`` (v1 section 2.4) is HTTP-like; whether a build
# is rescheduled is decided by the error's class, not by this code.
HTTP_CODES: tuple[tuple[type[exception.MoganError], int], ...] = (
    (exception.Invalid, 400),
    (exception.Forbidden, 403),
    (exception.NotFound, 404),
    (exception.Conflict, 409),
)


def describe_error(err: BaseException) -> dict[str, Any]:
    """A failure as the flows record it: code, message, detail, exception name.

    ``reschedulable`` says whether another node could succeed (see
    ``mogan.exception.is_reschedulable``).

    Mogan's own errors are expected: their HTTP-like code and no traceback.
    Anything else is a bug somewhere: code 500 and the traceback as detail.
    """
    if isinstance(err, exception.MoganError):
        code = next((c for cls, c in HTTP_CODES if isinstance(err, cls)), 500)
        detail = None
        message = err.message
    else:
        code = 500
        detail = "".join(traceback.format_exception(err))
        message = f"{type(err).__name__}: {err}"
    return {
        "code": code,
        "message": message[:255],
        "detail": detail,
        "exception": type(err).__name__,
        "module": type(err).__module__,
        "aborted": isinstance(err, Aborted),
        "reschedulable": exception.is_reschedulable(err),
    }
