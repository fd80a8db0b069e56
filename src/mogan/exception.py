"""Domain exceptions shared by every layer.

Nothing here knows about HTTP: the API maps exception *classes* to status
codes in ``mogan.api.errors``. Each exception carries a stable, dotted error
``code`` (``mogan.<area>.<reason>``) that clients may match on, and a message
formatted from keyword arguments so the raise site stays short.

Hierarchy (the API's status in brackets)::

Whether a failed build is rescheduled on another node is decided by the
error's class too: ``reschedulable`` is False for errors no other node can
fix (bad input, missing image or network, quota, a full network, a driver
without the interface a request needs).

    MoganError                 [500]
    ├── DriverFailed
    ├── Invalid                [400] bad input the caller can fix
    │   ├── InvalidParameter         names the offending field
    │   ├── PatchError, InvalidVersion, InvalidState, ImageUnusable
    ├── VersionNotSupported    [406]
    ├── UnsupportedMediaType   [415] the body is not of a type the route takes
    ├── ServiceUnavailable     [503] not ready yet: retry after a while
    ├── NotAuthenticated       [401]
    ├── Forbidden              [403] policy or ownership refused it
    │   ├── ProjectScopeRequired
    │   └── OverQuota
    ├── NotFound               [404] absent or not visible to the caller
    └── Conflict               [409] clashes with the current state
        └── NodeNotManageable, ConsoleUnavailable, EngineUnavailable,
            DriverCannot, NetworkFull, RPCVersionCapped
"""

from typing import Any, ClassVar


def labelled(name: str | None, ident: str) -> str:
    """How a message names a resource the caller knows by name: ``NAME (UUID)``.

    The name is what the caller typed and recognises; the uuid stays for
    logs and for names that are not unique.
    """
    if not name or name == ident:
        return ident
    return f"{name} ({ident})"


class MoganError(Exception):
    """Base of every error Mogan raises on purpose."""

    msg_fmt: ClassVar[str] = "An unknown error occurred."
    code: ClassVar[str] = "mogan.error"
    # NOTE: whether another node could succeed where this failed; a build
    # failing with an error that says no fails at once.
    reschedulable: ClassVar[bool] = True

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        """Format ``msg_fmt`` with ``kwargs`` unless a message is given."""
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt.format(**kwargs)
        self.message = message
        super().__init__(message)


class Invalid(MoganError):
    """The request is malformed or asks for something impossible."""

    msg_fmt = "Invalid request: {reason}"
    code = "mogan.invalid"
    reschedulable = False


class InvalidParameter(Invalid):
    """One named field of the request has a bad value."""

    msg_fmt = "Invalid input for field '{field}': {reason}"
    code = "mogan.invalid_parameter"


class PatchError(Invalid):
    """A JSON-patch document cannot be applied."""

    msg_fmt = "Invalid patch: {reason}"
    code = "mogan.invalid_patch"


class InvalidVersion(Invalid):
    """The requested API microversion is malformed."""

    msg_fmt = "Invalid microversion: {reason}"
    code = "mogan.invalid_microversion"


class VersionNotSupported(MoganError):
    """The requested API microversion is outside the supported range."""

    msg_fmt = (
        "Version {version} is not supported by the API. "
        "Minimum is {min_version} and maximum is {max_version}."
    )
    code = "mogan.microversion_unsupported"


class UnsupportedMediaType(MoganError):
    """The request body's ``Content-Type`` is not one the route takes."""

    msg_fmt = "Unsupported Content-Type {content_type!r}: send {expected}."
    code = "mogan.unsupported_media_type"


class ServiceUnavailable(MoganError):
    """The service cannot serve the request yet; the client should retry.

    ``retry_after`` (seconds) becomes the response's ``Retry-After``.
    """

    msg_fmt = "Service unavailable: {reason}"
    code = "mogan.service_unavailable"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        """Format the message; ``retry_after`` (seconds, default 5) is kept."""
        self.retry_after = int(kwargs.pop("retry_after", 5))
        super().__init__(message, **kwargs)


class InvalidState(Invalid):
    """The action is not allowed in the resource's current state."""

    msg_fmt = "Cannot {action} while the server is {state}."
    code = "mogan.invalid_state"


class ServerLocked(Invalid):
    """A locked server refuses state changes from non-admins (v1: 400)."""

    msg_fmt = "Server {server} is locked."
    code = "mogan.server.locked"


class NotFound(MoganError):
    """The named resource does not exist or is hidden from the caller."""

    msg_fmt = "Resource could not be found."
    code = "mogan.not_found"
    reschedulable = False


class NotAvailableAtVersion(NotFound):
    """The resource exists only from a later microversion."""

    msg_fmt = "{what} requires microversion {version} or later."
    code = "mogan.not_available_at_version"


class DeployMediumNotFound(NotFound):
    """No deploy medium answers to that URL (never was, expired or withdrawn).

    The message never repeats the token: it is the medium's only secret.
    """

    msg_fmt = "No deploy medium at this URL (it may have expired)."
    code = "mogan.deploy_media.not_found"


class FlavorNotFound(NotFound):
    """No flavor with that id is visible."""

    msg_fmt = "Flavor {flavor} could not be found."
    code = "mogan.flavor.not_found"


class FlavorAccessNotFound(NotFound):
    """The project is not on the flavor's access list."""

    msg_fmt = "Flavor access not found for {flavor} / {project} combination."
    code = "mogan.flavor_access.not_found"


class FlavorAccessPublic(NotFound):
    """Public flavors have no access list."""

    msg_fmt = "Access list not available for public flavors."
    code = "mogan.flavor_access.public_flavor"


class KeypairNotFound(NotFound):
    """No keypair of that name for that user."""

    msg_fmt = "Keypair {name} not found for user {user_id}."
    code = "mogan.keypair.not_found"


class Conflict(MoganError):
    """The request conflicts with the current state of a resource."""

    msg_fmt = "Conflict: {reason}"
    code = "mogan.conflict"


class FlavorExists(Conflict):
    """Flavor names are unique."""

    msg_fmt = "Flavor with name {name} already exists."
    code = "mogan.flavor.exists"


class FlavorInUse(Conflict):
    """A flavor referenced by servers cannot be deleted."""

    msg_fmt = "Flavor {flavor} is still in use, you can disable it instead."
    code = "mogan.flavor.in_use"


class FlavorAccessPublicConflict(Conflict):
    """Access lists apply only to private flavors."""

    msg_fmt = "Can not add access to a public flavor."
    code = "mogan.flavor_access.public_flavor_conflict"


class HardwareProfileNotFound(NotFound):
    """No hardware profile with that name or uuid is visible."""

    msg_fmt = "Hardware profile {profile} could not be found."
    code = "mogan.hardware_profile.not_found"


class HardwareProfileExists(Conflict):
    """Hardware profile names are unique."""

    msg_fmt = "Hardware profile with name {name} already exists."
    code = "mogan.hardware_profile.exists"


class HardwareProfileInUse(Conflict):
    """A profile a flavor names cannot be deleted."""

    msg_fmt = "Hardware profile {profile} is still named by flavor {flavor}."
    code = "mogan.hardware_profile.in_use"


class HardwareProfileAccessNotFound(NotFound):
    """The project is not on the profile's access list."""

    msg_fmt = "Hardware profile access not found for {profile} / {project} combination."
    code = "mogan.hardware_profile_access.not_found"


class HardwareProfileAccessPublic(NotFound):
    """Public profiles have no access list."""

    msg_fmt = "Access list not available for public hardware profiles."
    code = "mogan.hardware_profile_access.public_profile"


class HardwareProfileAccessPublicConflict(Conflict):
    """Access lists apply only to private profiles."""

    msg_fmt = "Can not add access to a public hardware profile."
    code = "mogan.hardware_profile_access.public_profile_conflict"


class KeypairExists(Conflict):
    """Keypair names are unique per user."""

    msg_fmt = "Keypair with key name {name} already exists."
    code = "mogan.keypair.exists"


class ServerNotFound(NotFound):
    """No server with that id is visible."""

    msg_fmt = "Server {server} could not be found."
    code = "mogan.server.not_found"


class ServerActionNotFound(NotFound):
    """The server has no action recorded under that request id."""

    msg_fmt = "Server {server} has no action of request {request_id}."
    code = "mogan.server_action.not_found"


class ImageNotFound(NotFound):
    """No image with that id is visible."""

    msg_fmt = "Image {image} could not be found."
    code = "mogan.image.not_found"


class ImageUnusable(Invalid):
    """The image exists but cannot be deployed (not active any more)."""

    msg_fmt = "Image {image} cannot be deployed: {reason}"
    code = "mogan.image.unusable"


class NetworkNotFound(NotFound):
    """No network with that id is visible."""

    msg_fmt = "Network {network} could not be found."
    code = "mogan.network.not_found"


class ServerGroupNotFound(NotFound):
    """No server group with that id is visible."""

    msg_fmt = "Server group {group} could not be found."
    code = "mogan.server_group.not_found"


class AggregateNotFound(NotFound):
    """No aggregate with that id."""

    msg_fmt = "Aggregate {aggregate} could not be found."
    code = "mogan.aggregate.not_found"


class NodeNotFound(NotFound):
    """No node with that name or uuid."""

    msg_fmt = "Node {node} could not be found."
    code = "mogan.node.not_found"


class AggregateExists(Conflict):
    """Aggregate names are unique."""

    msg_fmt = "Aggregate {name} already exists."
    code = "mogan.aggregate.exists"


class AggregateNotEmpty(Conflict):
    """An aggregate with nodes cannot be deleted (its nodes would lose zones)."""

    msg_fmt = (
        "Aggregate {aggregate} still has {count} node(s) ({nodes}): remove "
        "them before deleting it."
    )
    code = "mogan.aggregate.not_empty"


class AggregateEmptyZone(Invalid):
    """A zone or failure-domain key of an aggregate needs a non-empty value."""

    msg_fmt = "Aggregate {name} does not support empty named {key}"
    code = "mogan.aggregate.empty_zone"


class NodeInOtherZone(Invalid):
    """Adding the node would put it in two zones (or domains) of one key."""

    msg_fmt = "Node {node} is already in {key}(s) [{values}]"
    code = "mogan.aggregate.node_in_other_zone"


class NodesInOtherZone(Invalid):
    """The new zone value clashes with the zone members have elsewhere."""

    msg_fmt = "One or more nodes already in different {key}(s) [{values}]"
    code = "mogan.aggregate.nodes_in_other_zone"


class AvailabilityZoneNotFound(NotFound):
    """No availability zone of that name has nodes."""

    msg_fmt = "Availability zone {zone} could not be found."
    code = "mogan.availability_zone.not_found"


class NetworkFull(Conflict):
    """The network has no free address left: no other node would help."""

    msg_fmt = "Network {network} ({cidr}) has no free IP address left."
    code = "mogan.network.full"
    reschedulable = False


class NoValidNode(Conflict):
    """Scheduling found no node (or not enough nodes) for a request."""

    msg_fmt = "No valid node was found: {reason}"
    code = "mogan.scheduler.no_valid_node"


class HardwareImpossible(Invalid):
    """No node of the cloud could ever take the hardware configuration asked for."""

    msg_fmt = "No node can take this hardware configuration: {reason}"
    code = "mogan.hardware.impossible"


class Forbidden(MoganError):
    """Policy or ownership refuses the request."""

    msg_fmt = "Access was denied to the following resource: {rule}"
    code = "mogan.forbidden"
    reschedulable = False


class ProjectScopeRequired(Forbidden):
    """The action needs a project-scoped caller, and this one has none."""

    msg_fmt = "{action} needs a project-scoped token; this request has {scope} scope."
    code = "mogan.project_scope_required"


class OverQuota(Forbidden):
    """The project would exceed a quota."""

    msg_fmt = "Quota exceeded for resources: {resources}."
    code = "mogan.over_quota"


class QuotaNotEditable(Conflict):
    """Limits come from Keystone's unified limits, not Mogan's database."""

    msg_fmt = "Quotas are managed in Keystone (unified limits); change them there."
    code = "mogan.quota.not_editable"


class NotAuthenticated(MoganError):
    """The request carries no valid credentials."""

    msg_fmt = "Authentication required."
    code = "mogan.unauthenticated"


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


class EngineUnavailable(Conflict):
    """No engine is running to answer a call that needs one.

    A conflict with the deployment's state (no engine runs), not a fault of
    the server: nothing is broken until an engine is expected to run.
    """

    msg_fmt = "No engine is available to {action}: {reason}"
    code = "mogan.engine.unavailable"


class DriverCannot(Conflict):
    """The configured driver lacks the interface an action needs.

    A fact of the deployment, not a fault: ``driver fake cannot compose
    nodes`` stays true until an operator changes ``[engine] driver``.
    """

    msg_fmt = "driver {driver} cannot {what}"
    code = "mogan.driver.unsupported"
    reschedulable = False


class RPCVersionCapped(Conflict):
    """``[upgrade_levels]`` caps a service below the version a call needs.

    A fact of a rolling upgrade in progress: the call works once every
    process of the service runs the new release and the cap is lifted.
    """

    msg_fmt = (
        "Cannot {what} yet: it needs {service} RPC API {version}, and "
        "[upgrade_levels] {service} caps it at {cap}; lift the cap once every "
        "{service} runs this release."
    )
    code = "mogan.rpc.version_capped"
    reschedulable = False


class DriverFailed(MoganError):
    """The bare-metal driver failed an operation the API waited for."""

    msg_fmt = "The driver failed on node {node}: {reason}"
    code = "mogan.driver.failed"


def is_reschedulable(err: BaseException) -> bool:
    """Whether a build failing with ``err`` may be retried on another node.

    Errors that are not Mogan's (bugs, a backend's surprise) may be specific
    to the node, so they are retried, within ``[engine] build_attempts``.
    """
    if isinstance(err, MoganError):
        return type(err).reschedulable
    return True


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
