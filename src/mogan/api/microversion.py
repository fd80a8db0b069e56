"""Microversions: ``OpenStack-API-Version: baremetal-compute X.Y``.

1.0 is the Mogan v1 wire format. Each later version adds one behaviour and
is listed in ``HISTORY`` with what it changed; routes compare the request's
version with ``request_version() >= Version(1, 1)``.
"""

import functools
import re
from typing import NamedTuple

import flask
import microversion_parse

from mogan import exception

SERVICE_TYPE = "baremetal-compute"
HEADER = "OpenStack-API-Version"
# NOTE: ASCII digits only (str.isdigit() takes "²", which int() refuses),
# and few of them (int() refuses more than 4300).
_SHOWN = 64
"""Characters of a malformed header repeated in the error message."""
_VERSION_RE = re.compile(r"([0-9]{1,9})\.([0-9]{1,9})", re.ASCII)


class Version(NamedTuple):
    """A microversion, ordered numerically (1.10 > 1.9)."""

    major: int
    minor: int

    def __str__(self) -> str:
        """``X.Y``."""
        return f"{self.major}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> "Version":
        """Parse ``X.Y``.

        Raises:
            InvalidVersion: not two dot-separated integers.
        """
        match = _VERSION_RE.fullmatch(text.strip())
        if match is None:
            shown = text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."
            raise exception.InvalidVersion(reason=f"{shown!r} is not of the form X.Y")
        return cls(int(match[1]), int(match[2]))


HISTORY: dict[Version, str] = {
    Version(1, 0): "Mogan v1 wire format.",
    Version(1, 1): "Flavors accept and show resource_traits (required/forbidden).",
    Version(1, 2): (
        "Node details, hierarchical failure domains: server group rules and "
        "member domains, server failure_domains."
    ),
    Version(1, 3): (
        "Quotas: GET /v1/limits (the project's limits and usage), admin "
        "GET|PUT|DELETE /v1/quotas/{project_id}."
    ),
    Version(1, 4): (
        "Server actions and their events: GET /v1/servers/{uuid}/actions and "
        "GET /v1/servers/{uuid}/actions/{request_id}; a server's serial console "
        "output: GET /v1/servers/{uuid}/console_log?length=N."
    ),
    Version(1, 5): (
        "Hardware at deploy time: server.hardware (profile, raid, partitions "
        "with layout, bios, firmware) and networks[].bond in server create, "
        "server.hardware with per-section results in server show; "
        "/v1/hardware_profiles (CRUD and access lists); flavors' "
        "default_hardware_profile and allowed_hardware_profiles; node "
        "hardware inventory: GET /v1/nodes/{uuid} shows inventory (disks, "
        "raid_controllers, nics, bios registry, firmware)."
    ),
    Version(1, 6): (
        "Node enrolment (admin): POST /v1/nodes, PATCH and DELETE "
        "/v1/nodes/{node}; nodes show driver_info (never the password)."
    ),
    Version(1, 7): (
        "Composition services (admin): POST, GET, PATCH and DELETE "
        "/v1/composition_services, GET /v1/composition_services/{uuid}/blocks "
        "(their resource blocks, as mirrored into Placement)."
    ),
    Version(1, 8): (
        "Composed servers: flavors' composable (resources as amounts built "
        "from resource blocks within one zone); servers' composed, and for "
        "admins the composition (service, zone, system, blocks) they are made "
        "of; resource blocks' chassis; server groups scoped to composition_zone "
        "or chassis, composed servers' failure_domains.chassis. Server "
        "create: networks[].fixed_ip and networks[].security_groups. Embedded "
        "networks: external (floating IP pools), POST "
        "/v1/networks/{uuid}/floating_ips, GET /v1/floating_ips and GET|DELETE "
        "/v1/floating_ips/{uuid}."
    ),
}
MIN_VERSION = min(HISTORY)
MAX_VERSION = max(HISTORY)


def negotiate(headers: dict[str, str]) -> Version:
    """The version a request asks for: absent → minimum, ``latest`` → maximum.

    Raises:
        InvalidVersion: the header value is malformed.
        VersionNotSupported: the version is outside [MIN_VERSION, MAX_VERSION].
    """
    requested = microversion_parse.get_version(headers, service_type=SERVICE_TYPE)
    if requested is None:
        return MIN_VERSION
    if requested.strip().lower() == "latest":
        return MAX_VERSION
    version = Version.parse(requested)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise exception.VersionNotSupported(
            version=version, min_version=MIN_VERSION, max_version=MAX_VERSION
        )
    return version


def request_version() -> Version:
    """The negotiated version of the current request."""
    version: Version = flask.g.get("microversion", MIN_VERSION)
    return version


@functools.cache
def header_value(version: Version) -> str:
    """The response header value for ``version``."""
    return f"{SERVICE_TYPE} {version}"
