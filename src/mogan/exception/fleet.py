"""Errors about the fleet: nodes, drivers, scheduling, composition.

Nodes, drivers, scheduling (no valid node, impossible hardware), deploy
media and composition services. Callers import them through ``mogan.exception``.
"""

from mogan.exception.base import (
    Conflict,
    Invalid,
    MoganError,
    NotFound,
)


class NodeNotFound(NotFound):
    """No node with that name or uuid."""

    msg_fmt = "Node {node} could not be found."
    code = "mogan.node.not_found"


class NodeExists(Conflict):
    """Another node already has the name (enrolment, rename)."""

    msg_fmt = "A node named {name} already exists."
    code = "mogan.node.exists"


class NodeInUse(Conflict):
    """The node carries a server (or a claim), so it cannot be removed."""

    msg_fmt = "Node {node} is in use: {reason}"
    code = "mogan.node.in_use"


class NodeNotManageable(Conflict):
    """The node cannot be adopted as a server (v1 section 1.13)."""

    msg_fmt = "Node {node} is not manageable: {reason}"
    code = "mogan.node.not_manageable"


class ConsoleUnavailable(Conflict):
    """The server's node offers no console of the requested kind."""

    msg_fmt = "Server {server} has no {kind} console: {reason}"
    code = "mogan.console.unavailable"


class NoValidNode(Conflict):
    """Scheduling found no node (or not enough nodes) for a request."""

    msg_fmt = "No valid node was found: {reason}"
    code = "mogan.scheduler.no_valid_node"


class HardwareImpossible(Invalid):
    """No node of the cloud could ever take the hardware configuration asked for."""

    msg_fmt = "No node can take this hardware configuration: {reason}"
    code = "mogan.hardware.impossible"


class DriverCannot(Conflict):
    """The configured driver lacks the interface an action needs.

    A fact of the deployment, not a fault: ``driver fake cannot compose
    nodes`` stays true until an operator changes ``[engine] driver``.
    """

    msg_fmt = "driver {driver} cannot {what}"
    code = "mogan.driver.unsupported"
    reschedulable = False


class DriverFailed(MoganError):
    """The bare-metal driver failed an operation the API waited for."""

    msg_fmt = "The driver failed on node {node}: {reason}"
    code = "mogan.driver.failed"


class CompositionServiceNotFound(NotFound):
    """No composition service with that uuid."""

    msg_fmt = "Composition service {service} could not be found."
    code = "mogan.composition_service.not_found"


class CompositionServiceExists(Conflict):
    """Another composition service has the name."""

    msg_fmt = "A composition service named {name} already exists."
    code = "mogan.composition_service.exists"


class CompositionServiceInUse(Conflict):
    """A block of the service is claimed in Placement (or composed by Mogan)."""

    msg_fmt = "Composition service {service} is in use: {reason}"
    code = "mogan.composition_service.in_use"


class DeployMediumNotFound(NotFound):
    """No deploy medium answers to that URL (never was, expired or withdrawn).

    The message never repeats the token: it is the medium's only secret.
    """

    msg_fmt = "No deploy medium at this URL (it may have expired)."
    code = "mogan.deploy_media.not_found"
