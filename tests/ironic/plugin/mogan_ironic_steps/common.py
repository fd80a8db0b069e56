"""What every step of the plugin shares: the failure marker and its error."""

from typing import Any

from ironic.common import exception

# NOTE: a node whose ``extra`` holds this key, naming a step as
# "<interface>.<step>" (or a list of such names), fails that step.
FAIL_MARKER = "mogan_fail_step"


class InjectedStepFailure(exception.IronicException):
    """A step failed because the node's ``extra`` asked for it."""

    _msg_fmt = "%(step)s failed on purpose (node extra %(marker)s)"


def check_failure(task: Any, interface: str, step: str) -> None:
    """Fail the step when the node's ``extra`` names it.

    Raises:
        InjectedStepFailure: ``extra[FAIL_MARKER]`` names this step.
    """
    wanted = task.node.extra.get(FAIL_MARKER)
    names = [wanted] if isinstance(wanted, str) else list(wanted or ())
    name = f"{interface}.{step}"
    if name in names:
        raise InjectedStepFailure(step=name, marker=FAIL_MARKER)
