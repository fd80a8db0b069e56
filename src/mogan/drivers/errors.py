"""The errors a driver raises (re-exported by ``mogan.drivers.base``).

The engine maps each to its outcome: ``NodeNotFound`` may be retried on
another node, ``NodeLocked`` again later, ``HardwareRejected`` names the
section a node cannot take, ``ImageRefused`` an image the driver cannot
deploy at all (a 400: no other node helps), ``BlockTaken`` names the resource block
another composition has (the engine may pick other blocks); any other
``DriverError`` fails the step with the backend's reason.
"""

from typing import Any

from mogan import exception


class DriverError(exception.MoganError):
    """The backend failed or refused an operation."""

    msg_fmt = "Driver error on node {node}: {reason}"
    code = "mogan.driver.error"


class NodeNotFound(DriverError, exception.NotFound):
    """The backend does not know the node."""

    msg_fmt = "Node {node} could not be found."
    code = "mogan.node.not_found"
    # NOTE: the node vanished; another node may well take the build.
    reschedulable = True


class NodeNameTaken(DriverError):
    """Another node of the driver has the name (enrolment, rename)."""

    msg_fmt = "Node {node}: the name {name} is already taken"
    code = "mogan.node.name_taken"
    reschedulable = False


class NodeLocked(DriverError):
    """The backend has the node busy; retry later (safe to retry)."""

    msg_fmt = "Node {node} is locked by the backend: {reason}"
    code = "mogan.driver.node_locked"


class ConsoleUnavailable(DriverError):
    """The node has no console of the requested kind."""

    msg_fmt = "Node {node} has no {kind} console."
    code = "mogan.driver.console_unavailable"


class BmcRefused(DriverError):
    """A BMC could not be reached or refused the credentials."""

    msg_fmt = "BMC {address}: {reason}"
    code = "mogan.driver.bmc_refused"


class HardwareRejected(DriverError):
    """The node cannot take one section of a hardware request."""

    msg_fmt = "Node {node} cannot take the {section} request: {reason}"
    code = "mogan.driver.hardware_rejected"


class ImageRefused(DriverError, exception.Invalid):
    """The driver cannot deploy this image (no node of the driver can).

    Also an ``Invalid``: the caller can fix it (another image, or the
    operator the driver's configuration).
    """

    # NOTE: the reason first: a fault keeps 255 characters, and image URLs
    # can be long.
    msg_fmt = "{reason} (image {image}, node {node})"
    code = "mogan.driver.image_refused"
    reschedulable = False


class BlockTaken(DriverError):
    """A composition names a resource block already in another system.

    Composing the same blocks again fails the same way; other free blocks
    may well do.
    """

    msg_fmt = "Resource block {block} of {service} is taken: {reason}"
    unnamed_fmt = (
        "A resource block of {service} is taken (the service did not say "
        "which): {reason}"
    )
    code = "mogan.driver.block_taken"
    # NOTE: the same blocks stay taken, but a retry that claims other
    # blocks (a new placement) may succeed.
    reschedulable = True

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        """``block`` None: the service said a block is taken, not which."""
        if message is None and kwargs.get("block") is None:
            message = self.unnamed_fmt.format(**kwargs)
        super().__init__(message, **kwargs)

    @property
    def block(self) -> str | None:
        """The id of the block that is taken; None when the service did not say."""
        block = self.kwargs.get("block")
        return None if block is None else str(block)
