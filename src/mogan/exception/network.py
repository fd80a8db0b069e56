"""Errors of the network backends beyond a missing or full network.

A tenant's own port that is not there, not usable or taken, and the network
service (Neutron) refusing a request or not answering; a network servers
cannot use (an external one); interfaces that could not be attached or
detached (v1 section 5.3); floating IPs not found, ambiguous, in use or not
on the server (v1 section 1.6). Callers import them through
``mogan.exception``.
"""

from mogan.exception.base import (
    Conflict,
    Invalid,
    NotFound,
    ServiceUnavailable,
)


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


class NetworkCannot(Conflict):
    """The configured network backend does not offer this (yet)."""

    msg_fmt = "The {backend} network backend cannot {what}."
    code = "mogan.network.unsupported"
    reschedulable = False


class NetworkNotUsable(Invalid):
    """A network servers cannot be bound to (an external one, embedded)."""

    msg_fmt = "Network {network} cannot take server ports: {reason}"
    code = "mogan.network.not_usable"
    reschedulable = False


class InterfaceNotFound(NotFound):
    """The port is not one of the server's interfaces (v1 wording)."""

    msg_fmt = "Interface {port} not found for server {server}."
    code = "mogan.interface.not_found"


class InterfaceAttachFailed(Conflict):
    """Attaching an interface failed; what was done was undone (v1: 409)."""

    msg_fmt = "Failed to attach an interface to server {server}: {reason}"
    code = "mogan.interface.attach_failed"
    reschedulable = False


class InterfaceDetachFailed(Conflict):
    """Detaching an interface failed (v1: 400; a conflict here).

    The caller cannot fix a driver's or backend's failure by changing the
    request, so it is no 400.
    """

    msg_fmt = "Failed to detach interface {port} from server {server}: {reason}"
    code = "mogan.interface.detach_failed"
    reschedulable = False


class FloatingIpNotFound(NotFound):
    """No floating IP with that address is visible (v1 wording)."""

    msg_fmt = "Floating IP not found for address {address}."
    code = "mogan.floating_ip.not_found"


class FloatingIpAmbiguous(Conflict):
    """Several floating IPs visible to the caller have the address (v1: 409)."""

    msg_fmt = (
        "Multiple floating IPs are found for address {address}: {count} "
        "external networks hold it."
    )
    code = "mogan.floating_ip.ambiguous"


class FloatingIpInUse(Conflict):
    """The floating IP, or the port, is already mapped."""

    msg_fmt = "Floating IP {address} cannot be associated: {reason}"
    code = "mogan.floating_ip.in_use"


class FloatingIpNotAssociated(Invalid):
    """The floating IP is not mapped onto any port of the server (v1: 400)."""

    msg_fmt = "Floating IP {address} is not associated with server {server}."
    code = "mogan.floating_ip.not_associated"
