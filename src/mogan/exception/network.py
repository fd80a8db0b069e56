"""Errors of ports, interfaces and floating IPs (v1 sections 1.6 and 5.3).

Raised by the network backends (embedded or Neutron), the services that
attach interfaces and map floating IPs, and the engine's interface flows.
Callers import them through ``mogan.exception``.
"""

from mogan.exception.base import Conflict, Invalid, NotFound


class NetworkNotUsable(Invalid):
    """A network servers cannot be bound to (an external one, embedded)."""

    msg_fmt = "Network {network} cannot take server ports: {reason}"
    code = "mogan.network.not_usable"
    reschedulable = False


class PortNotFound(NotFound):
    """No port with that id is visible to the caller."""

    msg_fmt = "Port {port} could not be found."
    code = "mogan.port.not_found"


class PortInUse(Conflict):
    """The port is bound to another server or device."""

    msg_fmt = "Port {port} is still in use: {reason}"
    code = "mogan.port.in_use"
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
