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
import functools
from collections.abc import Sequence
from typing import Any, ClassVar

import pydantic
from sqlalchemy import orm

from mogan import states
from mogan.db import models
from mogan.db.api import workflow as workflow_db
from mogan.drivers import hardware as hw


class Kind(enum.StrEnum):
    """The kinds of workflow the engine runs (``workflows.kind``)."""

    SCHEDULE = "schedule"
    BUILD = "build"
    DELETE = "delete"
    POWER = "power"
    REBUILD = "rebuild"
    ADOPT = "adopt"
    ATTACH_INTERFACE = "attach_interface"
    DETACH_INTERFACE = "detach_interface"


class Args(pydantic.BaseModel):
    """Arguments of one workflow kind (immutable once written)."""

    # NOTE: unknown keys are ignored, so a workflow written by a newer
    # release is still read by an older engine during a rolling upgrade.
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")
    KIND: ClassVar[Kind]

    def to_json(self) -> dict[str, Any]:
        """The form stored in ``workflows.args``."""
        return self.model_dump(mode="json")


class NetworkBond(pydantic.BaseModel):
    """A bond asked for on one network (``networks[].bond`` of the API).

    ``links`` is how many node ports the bond joins; the engine picks them
    on one physical network of the node and names the bond ``bond<N>``.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    mode: str
    links: int = pydantic.Field(default=2, ge=1)
    miimon: int | None = None
    xmit_hash_policy: str | None = None
    lacp_rate: str | None = None
    mtu: int | None = None


class BuildArgs(Args):
    """Deploy a placed server (``build``); one attempt of possibly several.

    ``networks`` are ``{"net_id": ...}``, with ``"bond"`` (a ``NetworkBond``
    as JSON) for a bonded network. ``hardware`` is the server's effective
    hardware request (after profile and flavor merge) as JSON
    (``hardware_of`` reads it); its bonds carry only their link count and
    network (what scheduling needs): the engine resolves them to the node's
    ports from ``networks`` once the node is known. ``excluded_nodes`` are the nodes
    earlier attempts failed on, ``excluded_blocks`` the resource blocks
    (provider uuids) a composed server's earlier attempts failed on;
    ``attempt`` counts from 1.
    """

    KIND: ClassVar[Kind] = Kind.BUILD

    image_uuid: str
    networks: list[dict[str, Any]] = pydantic.Field(default_factory=list)
    user_data: str | None = None
    admin_pass: str | None = None
    key_name: str | None = None
    public_key: str | None = None
    personality: list[dict[str, str]] = pydantic.Field(default_factory=list)
    partitions: dict[str, int] = pydantic.Field(default_factory=dict)
    hardware: dict[str, Any] | None = None
    attempt: int = pydantic.Field(default=1, ge=1)
    excluded_nodes: list[str] = pydantic.Field(default_factory=list)
    excluded_blocks: list[str] = pydantic.Field(default_factory=list)
    # NOTE: one record per failed attempt so far (``engine.faults.record``):
    # the final fault names the cause and lists them.
    history: list[dict[str, Any]] = pydantic.Field(default_factory=list)

    def next_attempt(
        self,
        failed_node: str | None,
        history: list[dict[str, Any]],
        failed_blocks: Sequence[str] = (),
    ) -> "BuildArgs":
        """The next attempt's arguments: what failed excluded, ``history``."""
        excluded = list(self.excluded_nodes)
        if failed_node and failed_node not in excluded:
            excluded.append(failed_node)
        blocks = list(dict.fromkeys([*self.excluded_blocks, *failed_blocks]))
        return self.model_copy(
            update={
                "attempt": self.attempt + 1,
                "excluded_nodes": excluded,
                "excluded_blocks": blocks,
                "history": history,
            }
        )


@functools.cache
def _hardware_adapter() -> pydantic.TypeAdapter[hw.HardwareRequest]:
    return pydantic.TypeAdapter(hw.HardwareRequest)


def hardware_json(request: hw.HardwareRequest) -> dict[str, Any]:
    """The JSON form of ``request`` kept in ``BuildArgs.hardware``."""
    data: dict[str, Any] = _hardware_adapter().dump_python(request, mode="json")
    return data


def hardware_of(args: BuildArgs) -> hw.HardwareRequest | None:
    """The build's hardware request, or None when it asks for none.

    Raises:
        ValueError: ``args.hardware`` is not a hardware request.
    """
    if not args.hardware:
        return None
    try:
        request = _hardware_adapter().validate_python(args.hardware)
    except pydantic.ValidationError as err:
        raise ValueError(f"not a hardware request: {err}") from err
    return request or None


def bond_of(network: dict[str, Any]) -> NetworkBond | None:
    """The bond asked for on a ``BuildArgs.networks`` entry, if any."""
    bond = network.get("bond")
    return None if not bond else NetworkBond.model_validate(bond)


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


class AttachInterfaceArgs(Args):
    """Attach an interface: a new port on ``net_id``, or the caller's ``port_id``."""

    KIND: ClassVar[Kind] = Kind.ATTACH_INTERFACE

    net_id: str | None = None
    port_id: str | None = None


class DetachInterfaceArgs(Args):
    """Detach the server's interface ``port_id`` (and release its port)."""

    KIND: ClassVar[Kind] = Kind.DETACH_INTERFACE

    port_id: str


ARGS: dict[Kind, type[Args]] = {
    model.KIND: model
    for model in (
        ScheduleArgs,
        BuildArgs,
        DeleteArgs,
        PowerArgs,
        RebuildArgs,
        AdoptArgs,
        AttachInterfaceArgs,
        DetachInterfaceArgs,
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
    """A build's state: the config drive, ports and bonds, the deploy's start.

    ``bonds`` are the bonds resolved to the node's ports
    (``hardware.Bond`` as JSON) by ``bind_networks``; ``hardware_result``
    is what the driver reported after the deploy, for the finish.
    """

    config_drive: dict[str, str] | None = None
    deploy_started_at: str | None = None
    bonds: list[dict[str, Any]] = pydantic.Field(default_factory=list)
    hardware_result: dict[str, Any] | None = None


class RebuildState(BuildState):
    """A rebuild's state: as a build's, with its own start time."""

    rebuild_started_at: str | None = None


class PowerState(State):
    """A power action's state: when it started."""

    power_started_at: str | None = None


class AdoptState(State):
    """An adoption's state: the image the node runs, when Mogan knows it."""

    image_uuid: str | None = None


class InterfaceState(State):
    """An interface attach's or detach's state.

    ``mac_address`` is the node port chosen for the new port (kept so a
    resumed attach binds on the same one); ``port_id`` the port bound and
    ``nic`` the NIC it makes (``port_id``, ``network_id``, ``mac_address``,
    ``fixed_ips`` as ``server_nics`` keeps them).
    """

    mac_address: str | None = None
    port_id: str | None = None
    nic: dict[str, Any] | None = None


STATES: dict[Kind, type[State]] = {
    Kind.SCHEDULE: State,
    Kind.BUILD: BuildState,
    Kind.DELETE: State,
    Kind.POWER: PowerState,
    Kind.REBUILD: RebuildState,
    Kind.ADOPT: AdoptState,
    Kind.ATTACH_INTERFACE: InterfaceState,
    Kind.DETACH_INTERFACE: InterfaceState,
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
