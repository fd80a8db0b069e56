"""The fleet check: refuse at the API a hardware request no node could ever take.

Whether a node is free does not matter here (that is the scheduler's job):
every node Mogan knows counts, in use or claimed, judged by its hardware
class (``mogan.scheduler.hardware``) from the stored facts, never by asking
a driver. One node that could take the request is enough to let it through.

What must not live here: the request's shape (the API schema) and picking
nodes (the scheduler).
"""

import collections

from sqlalchemy import orm

from mogan import exception
from mogan.db.api import hardware_class as hardware_class_db
from mogan.drivers import hardware as hw
from mogan.scheduler import hardware as hardware_rules


def explain(
    session: orm.Session,
    request: hw.HardwareRequest,
    counts: dict[str | None, int] | None = None,
    verdicts: dict[str | None, str | None] | None = None,
) -> tuple[int, str]:
    """How many nodes could take ``request``, and why the others could not.

    ``counts`` are the nodes per hardware class and ``verdicts`` each
    class's reason, when the caller has them.

    Returns:
        ``(fitting nodes, "12 nodes: 8 too few ssd disks ..., 4 ...")``.
    """
    if counts is None:
        counts = hardware_class_db.node_counts(session)
    if verdicts is None:
        verdicts = hardware_rules.reasons(session, request)
    why: collections.Counter[str] = collections.Counter()
    fit = 0
    for fingerprint, nodes in counts.items():
        reason = verdicts.get(fingerprint, hardware_rules.UNKNOWN)
        if reason is None:
            fit += nodes
        else:
            why[reason] += nodes
    parts = ", ".join(f"{n} {r}" for r, n in sorted(why.items(), key=_most_first))
    total = sum(counts.values())
    return fit, f"{total} nodes: {parts}" if parts else f"{total} nodes"


def _most_first(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


def field_of(reason: str) -> str | None:
    """The request field a scheduler reason is about (None: no one field)."""
    if reason.startswith("BIOS attribute "):
        return f"hardware.bios.settings.{reason.split()[2]}"
    if reason.startswith("firmware component "):
        return "hardware.firmware.updates"
    if "RAID" in reason:
        return "hardware.raid.logical_disks"
    if "bond" in reason:
        return "networks.bond"
    return None


def check_fleet(session: orm.Session, request: hw.HardwareRequest | None) -> None:
    """Let ``request`` through if at least one node could ever take it.

    A cloud without nodes lets everything through (the scheduler answers).

    Raises:
        HardwareImpossible: no node could, with counts of why.
    """
    if not request:
        return
    # NOTE: an empty cloud has nothing to judge by: such a request waits for
    # the scheduler's "no valid node", as every request does there.
    counts = hardware_class_db.node_counts(session)
    if not any(counts.values()):
        return
    verdicts = hardware_rules.reasons(session, request)
    fit, reason = explain(session, request, counts, verdicts)
    if not fit:
        # NOTE: when every node refuses the same field, the answer names it
        # (a BIOS value of the wrong type for its attribute ...).
        fields = {
            field_of(verdicts[c] or "") for c in counts if verdicts.get(c) is not None
        }
        if len(fields) == 1 and None not in fields:
            reason = f"{fields.pop()}: {reason}"
        raise exception.HardwareImpossible(reason=reason)
