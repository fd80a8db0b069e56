"""What a build's final fault says: the cause, then each attempt.

A build that fails on a node is rescheduled while attempts remain; every
attempt leaves one record (attempt number, node, step, error) that travels
with the build's arguments to the next attempt. When the build ends in
error, the fault's message names the cause (the last attempt's error, not
"No valid node was found" when the scheduler ran out of nodes to retry on)
and its detail lists every attempt, so ``server show`` tells the user what
went wrong without reading the engine's log.
"""

from typing import Any

from mogan.db.api import server_fault as fault_db

NO_VALID_NODE = "NoValidNode"


def record(
    error: dict[str, Any],
    attempt: int,
    node_uuid: str | None,
    node_name: str | None,
) -> dict[str, Any]:
    """One attempt's record from the runner's description of its failure."""
    return {
        "attempt": attempt,
        "node_uuid": node_uuid,
        "node": node_name,
        "step": error.get("step"),
        "code": int(error.get("code", 500)),
        "error": str(error.get("message", "unknown error")),
    }


def _line(entry: dict[str, Any]) -> str:
    node = entry.get("node_uuid") or "no node"
    if entry.get("node") and entry.get("node") != node:
        node = f"{entry['node']} ({node})"
    step = entry.get("step") or "?"
    return (
        f"attempt {entry.get('attempt')} on node {node}, step {step}: "
        f"{entry.get('error')}"
    )


def final(error: dict[str, Any], attempts: list[dict[str, Any]]) -> dict[str, Any]:
    """The fault of a build that will not be retried.

    Args:
        error: why it stops now: the last attempt's own error, or the
            scheduler's ``NoValidNode`` when no other node is left.
        attempts: every attempt's record, oldest first (may be empty).

    Returns:
        ``error`` with the message naming the cause and, where there were
        attempts, a detail listing them (then the original detail).
    """
    if not attempts:
        return error
    last = attempts[-1]
    count = len(attempts)
    plural = "s" if count > 1 else ""
    lines = [f"Build attempts ({count}):"] + [f"  {_line(a)}" for a in attempts]
    result = dict(error)
    if error.get("exception") == NO_VALID_NODE:
        result["message"] = (
            f"{last['error']} (no other node to retry on after {count} attempt{plural})"
        )
        result["code"] = last.get("code", 500)
        lines.append(f"Then: {error.get('message')}")
    elif count > 1:
        result["message"] = f"{error.get('message')} (after {count} attempts)"
    if error.get("detail"):
        lines += ["", str(error["detail"])]
    result["message"] = str(result["message"])[: fault_db.FAULT_MESSAGE_LENGTH]
    result["detail"] = "\n".join(lines)
    return result
