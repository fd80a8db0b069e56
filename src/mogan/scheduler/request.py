"""The scheduler's request: what ``select_and_claim`` carries over RPC.

The engine builds one ``SelectRequest`` per scheduling attempt (from the
``schedule`` workflow's arguments and the flavor); it crosses the bus as
``model_dump(mode="json")`` and the scheduler reads it back with
``model_validate``. Unknown keys are ignored, so a newer engine's request
is read by an older scheduler during a rolling upgrade.
"""

from typing import Any

import pydantic


class SelectRequest(pydantic.BaseModel):
    """Place and claim nodes for ``server_uuids`` (at least ``min_count``).

    Attributes:
        server_uuids: the servers to place, each a Placement consumer.
        min_count: how many must fit, or nothing is claimed (None: all).
        resources: Placement resource class -> amount (one class > 0).
        required_traits: traits every node must have.
        forbidden_traits: traits no node may have.
        resource_aggregates: aggregate metadata key -> value to match.
        availability_zone: the zone the nodes must be in, if any.
        group_uuid: the server group whose policy applies, if any.
        exclude_nodes: nodes not to use (earlier attempts failed on them).
        exclude_blocks: resource blocks (their provider uuids) not to use
            for a composable request (earlier attempts failed on them).
        project_id: the consumers' project, for Placement.
        user_id: the consumers' user, for Placement.
        hardware: the hardware configuration every node must be able to
            take (the JSON form of ``drivers.hardware.HardwareRequest``),
            if any.
        composable: ``resources`` are amounts to build each server from
            resource blocks within one composition zone (a composable
            flavor), not one node of a class.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    server_uuids: tuple[str, ...]
    min_count: int | None = pydantic.Field(default=None, ge=1)
    resources: dict[str, int] = pydantic.Field(default_factory=dict)
    required_traits: tuple[str, ...] = ()
    forbidden_traits: tuple[str, ...] = ()
    resource_aggregates: dict[str, str] = pydantic.Field(default_factory=dict)
    availability_zone: str | None = None
    group_uuid: str | None = None
    exclude_nodes: tuple[str, ...] = ()
    exclude_blocks: tuple[str, ...] = ()
    project_id: str = ""
    user_id: str = ""
    hardware: dict[str, Any] | None = None
    composable: bool = False
