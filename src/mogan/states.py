"""Server states and the state machine that guards every action (v1 section 2.2).

The table is data: ``TRANSITIONS[(state, event)] -> new state``. The API fires
user events (``start``, ``stop``, ``delete`` ...) before casting to the engine;
the engine fires ``done``, ``fail`` and ``error``. An event missing from the
table is refused with ``InvalidState`` naming the state and the action.
"""

import enum

from mogan import exception


class Status(enum.StrEnum):
    """Every status a server can be in (``servers.status``)."""

    ACTIVE = "active"
    STOPPED = "stopped"
    ERROR = "error"
    MAINTENANCE = "maintenance"
    DELETED = "deleted"
    BUILDING = "building"
    ADOPTING = "adopting"
    POWERING_ON = "powering-on"
    POWERING_OFF = "powering-off"
    SOFT_POWERING_OFF = "soft-powering-off"
    REBOOTING = "rebooting"
    SOFT_REBOOTING = "soft-rebooting"
    REBUILDING = "rebuilding"
    DELETING = "deleting"


class PowerTarget(enum.StrEnum):
    """What a power action asks for (``PUT /servers/{uuid}/states/power``)."""

    ON = "on"
    OFF = "off"
    SOFT_OFF = "soft_off"
    REBOOT = "reboot"
    SOFT_REBOOT = "soft_reboot"


# NOTE: plain strings (the enums' values) for columns and comparisons.
# Stable states.
ACTIVE = Status.ACTIVE.value
STOPPED = Status.STOPPED.value
ERROR = Status.ERROR.value
MAINTENANCE = Status.MAINTENANCE.value
DELETED = Status.DELETED.value
# Unstable (transitional) states.
BUILDING = Status.BUILDING.value
ADOPTING = Status.ADOPTING.value
POWERING_ON = Status.POWERING_ON.value
POWERING_OFF = Status.POWERING_OFF.value
SOFT_POWERING_OFF = Status.SOFT_POWERING_OFF.value
REBOOTING = Status.REBOOTING.value
SOFT_REBOOTING = Status.SOFT_REBOOTING.value
REBUILDING = Status.REBUILDING.value
DELETING = Status.DELETING.value

STABLE = frozenset({ACTIVE, STOPPED, ERROR, MAINTENANCE, DELETED})
UNSTABLE = frozenset(
    {
        BUILDING,
        ADOPTING,
        POWERING_ON,
        POWERING_OFF,
        SOFT_POWERING_OFF,
        REBOOTING,
        SOFT_REBOOTING,
        REBUILDING,
        DELETING,
    }
)
ALL = STABLE | UNSTABLE

# Power states as reported by drivers.
POWER_ON = "power on"
POWER_OFF = "power off"

# User events (fired by the API) and engine events.
START = "start"
STOP = "stop"
SOFT_STOP = "soft_stop"
REBOOT = "reboot"
SOFT_REBOOT = "soft_reboot"
REBUILD = "rebuild"
DELETE = "delete"
DONE = "done"
DONE_OFF = "done_off"
FAIL = "fail"
ERROR_EVENT = "error"
# NOTE: the node went into maintenance, or came out of it (back to active or
# stopped by its power state); fired by the engine's maintenance sync.
ENTER_MAINTENANCE = "enter_maintenance"
LEAVE_MAINTENANCE_ON = "leave_maintenance_on"
LEAVE_MAINTENANCE_OFF = "leave_maintenance_off"

TRANSITIONS: dict[tuple[str, str], str] = {
    (ACTIVE, REBUILD): REBUILDING,
    (ACTIVE, STOP): POWERING_OFF,
    (ACTIVE, SOFT_STOP): SOFT_POWERING_OFF,
    (ACTIVE, REBOOT): REBOOTING,
    (ACTIVE, SOFT_REBOOT): SOFT_REBOOTING,
    (STOPPED, START): POWERING_ON,
    (STOPPED, REBUILD): REBUILDING,
    (BUILDING, DONE): ACTIVE,
    # NOTE: an adopted node powered off makes a stopped server.
    (ADOPTING, DONE): ACTIVE,
    (ADOPTING, DONE_OFF): STOPPED,
    (REBUILDING, DONE): ACTIVE,
    (POWERING_ON, DONE): ACTIVE,
    (REBOOTING, DONE): ACTIVE,
    (SOFT_REBOOTING, DONE): ACTIVE,
    (POWERING_OFF, DONE): STOPPED,
    (SOFT_POWERING_OFF, DONE): STOPPED,
    (DELETING, DONE): DELETED,
    (POWERING_ON, FAIL): STOPPED,
    (POWERING_OFF, FAIL): ACTIVE,
    (SOFT_POWERING_OFF, FAIL): ACTIVE,
    (REBOOTING, FAIL): ACTIVE,
    (SOFT_REBOOTING, FAIL): ACTIVE,
    (ACTIVE, ENTER_MAINTENANCE): MAINTENANCE,
    (STOPPED, ENTER_MAINTENANCE): MAINTENANCE,
    (MAINTENANCE, LEAVE_MAINTENANCE_ON): ACTIVE,
    (MAINTENANCE, LEAVE_MAINTENANCE_OFF): STOPPED,
    **{(state, ERROR_EVENT): ERROR for state in UNSTABLE},
    # NOTE: a server in error that still holds its node (a failed rebuild
    # or power action) may be rebuilt or power-cycled to recover; one
    # without a node (a failed build) may not: see ``NEED_NODE``.
    (ERROR, REBUILD): REBUILDING,
    (ERROR, START): POWERING_ON,
    (ERROR, STOP): POWERING_OFF,
    (ERROR, SOFT_STOP): SOFT_POWERING_OFF,
    (ERROR, REBOOT): REBOOTING,
    (ERROR, SOFT_REBOOT): SOFT_REBOOTING,
    # NOTE: delete is allowed from everywhere but deleted, including unstable
    # states: the engine serialises it after any running workflow.
    **{(state, DELETE): DELETING for state in ALL - {DELETED}},
}

POWER_EVENTS: dict[str, str] = {
    PowerTarget.ON: START,
    PowerTarget.OFF: STOP,
    PowerTarget.SOFT_OFF: SOFT_STOP,
    PowerTarget.REBOOT: REBOOT,
    PowerTarget.SOFT_REBOOT: SOFT_REBOOT,
}


# Events that act on the server's node: from error only while it holds one.
NEED_NODE = frozenset({REBUILD, START, STOP, SOFT_STOP, REBOOT, SOFT_REBOOT})


def next_state(state: str, event: str, has_node: bool = True) -> str:
    """The state after ``event`` fires in ``state``.

    ``has_node`` says whether the server still holds its node; from
    ``error``, the events of ``NEED_NODE`` need one.

    Raises:
        InvalidState: the event is not allowed in that state.
    """
    if state == ERROR and event in NEED_NODE and not has_node:
        raise exception.InvalidState(state=f"{ERROR} without a node", action=event)
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise exception.InvalidState(state=state, action=event) from None


def allowed_events(state: str) -> list[str]:
    """Events that may fire in ``state``, sorted."""
    return sorted(event for (src, event) in TRANSITIONS if src == state)
