"""Errors about tenant resources and what operators give them.

Flavors, keypairs, hardware profiles, servers, images, networks, server
groups, aggregates, availability zones and quotas. Callers import them
through ``mogan.exception``.
"""

from mogan.exception.base import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    ServiceUnavailable,
)


class ServerLocked(Invalid):
    """A locked server refuses state changes from non-admins (v1: 400)."""

    msg_fmt = "Server {server} is locked."
    code = "mogan.server.locked"


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


class ImageServiceUnavailable(ServiceUnavailable):
    """The image service (Glance) could not be reached or answered an error."""

    msg_fmt = "The image service is unavailable: {reason}"
    code = "mogan.image.service_unavailable"


class DeployImageNotFound(NotFound):
    """No image answers to that temporary URL (never issued, expired, deleted).

    The message never repeats the token: it is the URL's only secret.
    """

    msg_fmt = "No deploy image at this URL (it expired or was never issued)."
    code = "mogan.deploy_image.not_found"


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


class OverQuota(Forbidden):
    """The project would exceed a quota."""

    msg_fmt = "Quota exceeded for resources: {resources}."
    code = "mogan.over_quota"


class QuotaNotEditable(Conflict):
    """Limits come from Keystone's unified limits, not Mogan's database."""

    msg_fmt = "Quotas are managed in Keystone (unified limits); change them there."
    code = "mogan.quota.not_editable"
