"""Errors of the network backends beyond a missing or full network.

A tenant's own port that is not there, not usable or taken, and the network
service (Neutron) refusing a request or not answering. Callers import them
through ``mogan.exception``.
"""

from mogan.exception.base import Conflict, NotFound, ServiceUnavailable


class PortNotFound(NotFound):
    """No port with that id is visible to the caller."""

    msg_fmt = "Port {port} could not be found."
    code = "mogan.port.not_found"


class PortInUse(Conflict):
    """A requested port cannot be used: bound elsewhere, or without an address."""

    msg_fmt = "Port {port} cannot be used: {reason}"
    code = "mogan.port.in_use"
    reschedulable = False


class NetworkRefused(Conflict):
    """The network service refused a port request (an address taken, quota).

    No other node would change its answer.
    """

    msg_fmt = "The network service refused to {action}: {reason}"
    code = "mogan.network.refused"
    reschedulable = False


class NetworkServiceError(ServiceUnavailable):
    """The network service could not be reached or failed; retry later."""

    msg_fmt = "The network service is unavailable: {reason}"
    code = "mogan.network.unavailable"
    reschedulable = False
