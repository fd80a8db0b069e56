"""A node's recent serial console output, as the engine answers ``get_console_log``.

The driver keeps the output (the fake driver its simulated boot and
cloud-init lines); this module asks it, keeps the newest lines asked for and
bounds what crosses the bus. Driver errors become ``mogan.exception``
classes, the only ones that cross the bus as themselves.

What must not live here: who may read a server's log (the route) and the
server's state checks (``services.console``).
"""

from mogan import exception
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps

WHAT = "show a console log"
MAX_CONSOLE_LOG = 1024 * 1024
"""Characters of output one answer carries at most (the newest)."""


def read(
    driver: driver_base.Driver, server_uuid: str, node_uuid: str, length: int | None
) -> str:
    """The last ``length`` lines (all when None) of the node's serial output.

    Raises:
        DriverCannot: the driver has no console interface, or keeps no
            output (it raises ``ConsoleUnavailable`` for the log).
        ConsoleUnavailable: the driver does not know the node.
        Conflict: the node is busy in the driver; try again.
        DriverFailed: the driver failed.
    """
    consoles = driver_caps.require(driver, driver_base.ConsoleInterface, WHAT)
    try:
        text = consoles.console_log(node_uuid)
    except driver_base.ConsoleUnavailable as err:
        raise exception.DriverCannot(driver=driver.name, what=WHAT) from err
    except driver_base.NodeNotFound as err:
        raise exception.ConsoleUnavailable(
            server=server_uuid,
            kind="log",
            reason=f"the driver does not know its node {node_uuid}",
        ) from err
    except driver_base.NodeLocked as err:
        raise exception.Conflict(
            reason=f"node {node_uuid} is busy, try again: {err.message}"
        ) from err
    except driver_base.DriverError as err:
        raise exception.DriverFailed(node=node_uuid, reason=err.message) from err
    lines = text.splitlines(keepends=True)
    if length is not None:
        lines = lines[-length:] if length > 0 else []
    return "".join(lines)[-MAX_CONSOLE_LOG:]
