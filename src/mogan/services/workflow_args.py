"""Typed arguments and state of every workflow kind, and the kinds themselves.

A workflow row stores its arguments and state as JSON. Whoever starts a
workflow (the services for user actions, the engine for builds and
reschedules) builds its arguments here, once, as a model, and ``start``
writes them with ``model_dump(mode="json")``; the engine's flows read them
back with ``model_validate``. The state models name every key the steps
persist between runs (the runner keeps the state a dict: it is written
after every step).

What must not live here: how a flow runs (``mogan.engine``).
"""

import enum
from typing import Any, ClassVar

import pydantic
from sqlalchemy import orm

from mogan import states
from mogan.db import models
from mogan.db.api import workflow as workflow_db


class Kind(enum.StrEnum):
    """The kinds of workflow the engine runs (``workflows.kind``)."""

    SCHEDULE = "schedule"
    BUILD = "build"
    DELETE = "delete"
    POWER = "power"
    REBUILD = "rebuild"
    ADOPT = "adopt"


class Args(pydantic.BaseModel):
    """Arguments of one workflow kind (immutable once written)."""

    # NOTE: unknown keys are ignored, so a workflow written by a newer
    # release is still read by an older engine during a rolling upgrade.
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")
    KIND: ClassVar[Kind]

    def to_json(self) -> dict[str, Any]:
        """The form stored in ``workflows.args``."""
        return self.model_dump(mode="json")


class BuildArgs(Args):
    """Deploy a placed server (``build``); one attempt of possibly several.

    ``excluded_nodes`` are the nodes earlier attempts failed on; ``attempt``
    counts from 1.
    """

    KIND: ClassVar[Kind] = Kind.BUILD

    image_uuid: str
    networks: list[dict[str, str]] = pydantic.Field(default_factory=list)
    user_data: str | None = None
    admin_pass: str | None = None
    key_name: str | None = None
    public_key: str | None = None
    personality: list[dict[str, str]] = pydantic.Field(default_factory=list)
    partitions: dict[str, int] = pydantic.Field(default_factory=dict)
    # NOTE: the effective ``drivers.hardware.HardwareRequest`` in JSON form
    # (``services.hardware_request.to_json``), None when none is asked.
    hardware: dict[str, Any] | None = None
    attempt: int = pydantic.Field(default=1, ge=1)
    excluded_nodes: list[str] = pydantic.Field(default_factory=list)
    # NOTE: one record per failed attempt so far (``engine.faults.record``):
    # the final fault names the cause and lists them.
    history: list[dict[str, Any]] = pydantic.Field(default_factory=list)

    def next_attempt(
        self, failed_node: str | None, history: list[dict[str, Any]]
    ) -> "BuildArgs":
        """The next attempt's arguments: ``failed_node`` excluded, ``history``."""
        excluded = list(self.excluded_nodes)
        if failed_node and failed_node not in excluded:
            excluded.append(failed_node)
        return self.model_copy(
            update={
                "attempt": self.attempt + 1,
                "excluded_nodes": excluded,
                "history": history,
            }
        )


class ScheduleArgs(Args):
    """Place and claim ``server_uuids``, then start one build per placed server."""

    KIND: ClassVar[Kind] = Kind.SCHEDULE

    server_uuids: list[str]
    min_count: int = pydantic.Field(default=1, ge=1)
    flavor_uuid: str | None = None
    availability_zone: str | None = None
    group_uuid: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    build_args: BuildArgs

    @classmethod
    def reschedule(
        cls, server: models.Server, group_uuid: str | None, build: BuildArgs
    ) -> "ScheduleArgs":
        """Schedule one server again, for its build's next attempt."""
        return cls(
            server_uuids=[server.uuid],
            min_count=1,
            flavor_uuid=server.flavor_uuid,
            availability_zone=server.availability_zone,
            group_uuid=group_uuid,
            project_id=server.project_id,
            user_id=server.user_id,
            build_args=build,
        )


class DeleteArgs(Args):
    """Tear a server down and remove it (no arguments)."""

    KIND: ClassVar[Kind] = Kind.DELETE


class PowerArgs(Args):
    """Power a server on, off or reboot it."""

    KIND: ClassVar[Kind] = Kind.POWER

    target: states.PowerTarget
    # NOTE: the status the action started from: a failed action started from
    # error goes back to error (see PowerFlow.on_failed).
    from_status: str | None = None


class RebuildArgs(Args):
    """Re-deploy a server with ``image_uuid``."""

    KIND: ClassVar[Kind] = Kind.REBUILD

    image_uuid: str
    preserve_ephemeral: bool = False


class AdoptArgs(Args):
    """Adopt a node deployed outside Mogan as the workflow's server."""

    KIND: ClassVar[Kind] = Kind.ADOPT

    node_uuid: str
    resource_class: str
    image_source: str | None = None
    networks: list[str] = pydantic.Field(default_factory=list)


ARGS: dict[Kind, type[Args]] = {
    model.KIND: model
    for model in (
        ScheduleArgs,
        BuildArgs,
        DeleteArgs,
        PowerArgs,
        RebuildArgs,
        AdoptArgs,
    )
}


class State(pydantic.BaseModel):
    """What every flow's steps keep between runs (``workflows.state``)."""

    model_config = pydantic.ConfigDict(extra="forbid")

    node_uuid: str | None = None
    power_state: str | None = None
    notified: list[str] = pydantic.Field(default_factory=list)
    teardown_started_at: str | None = None
    # NOTE: the runner keeps the last failure here (step, code, message).
    error: dict[str, Any] | None = None


class BuildState(State):
    """A build's state: the config drive and when the deploy started."""

    config_drive: dict[str, str] | None = None
    deploy_started_at: str | None = None


class RebuildState(BuildState):
    """A rebuild's state: as a build's, with its own start time."""

    rebuild_started_at: str | None = None


class PowerState(State):
    """A power action's state: when it started."""

    power_started_at: str | None = None


class AdoptState(State):
    """An adoption's state: the image the node runs, when Mogan knows it."""

    image_uuid: str | None = None


STATES: dict[Kind, type[State]] = {
    Kind.SCHEDULE: State,
    Kind.BUILD: BuildState,
    Kind.DELETE: State,
    Kind.POWER: PowerState,
    Kind.REBUILD: RebuildState,
    Kind.ADOPT: AdoptState,
}


def start(
    session: orm.Session,
    args: Args,
    server_uuid: str | None = None,
    *,
    context: dict[str, Any] | None = None,
) -> models.Workflow:
    """Write a due workflow of ``args``' kind; the caller commits and nudges.

    ``context`` is the request that started it (``RequestContext.to_dict``):
    the engine logs the work under its request id.
    """
    return workflow_db.create(
        session,
        kind=args.KIND.value,
        server_uuid=server_uuid,
        args=args.to_json(),
        context=context,
    )
