"""The persona table: every protected route, and the status each persona gets.

Shared by the functional test (``test_policy.py``: identity headers as
keystonemiddleware sets them, ``auth_strategy = noauth``) and the services
tier (``tests/keystone/test_policy_table.py``: real Keystone tokens through
real keystonemiddleware), so both prove the same table.

``EXPECTED`` maps each route of ``router.ROUTES`` that is not public to a
``Case``: how to call it and what each persona gets. Its URLs and bodies
hold ``{name}`` placeholders that ``fill`` takes from the mapping
``policy_resources.build_resources`` returns: the resources the requests
act on, plus the identities the table names (``{project_a}``, the project
of ``member`` and ``reader``; ``{project_b}``, that of ``other``;
``{member}``, the member's user id). Keypair requests name ``member`` as
the owner (``user_id``), so the table also says who may act on someone
else's keys.
"""

import dataclasses
from collections.abc import Mapping
from typing import Any

from mogan.api import router

PERSONA_NAMES = (
    "admin",
    "member",
    "reader",
    "other",
    "no_project",
    "domain",
    "system_reader",
    "system_admin",
)
KEY_NAME = "member-key"
FORBIDDEN_CODES = {"mogan.forbidden", "mogan.project_scope_required"}


# NOTE: every route exists at the newest microversion.
LATEST = {"OpenStack-API-Version": "baremetal-compute latest"}


@dataclasses.dataclass(frozen=True)
class Case:
    """How to call one route, and the status each persona must get."""

    url: str
    expected: dict[str, int]
    body: Any = None


def statuses(*by_persona: int) -> dict[str, int]:
    """Expected status per persona, in PERSONA_NAMES order.

    admin, member, reader, other (project personas), then no_project,
    domain, system_reader, system_admin (callers without a project).
    """
    return dict(zip(PERSONA_NAMES, by_persona, strict=True))


# NOTE: {public}, {private} and {member} are filled from the per-test
# resources; the private flavor is shared with {project_a}, so "other"
# ({project_b}) is told it does not exist (404) rather than refused.
# A caller without a project or with a domain scope gets 403 everywhere.
# The system reader reads everything (every project's servers, groups and
# keys, and the admin-only lists) and changes nothing; the system admin is
# the cloud admin, except that what a project owns (servers, server groups,
# keypairs) needs a project-scoped token to create (403).
EXPECTED: dict[tuple[str, str], Case] = {
    ("GET", "/v1/flavors"): Case(
        "/v1/flavors", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/flavors"): Case(
        "/v1/flavors",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "resources": {"CUSTOM_GOLD": 1}},
    ),
    ("GET", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/description", "value": "changed"}],
    ),
    # NOTE: the private flavor, since the member's server uses the public one.
    ("DELETE", "/v1/flavors/{flavor_uuid}"): Case(
        "/v1/flavors/{private}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/flavors/{flavor_uuid}/access"): Case(
        "/v1/flavors/{private}/access", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("POST", "/v1/flavors/{flavor_uuid}/access"): Case(
        "/v1/flavors/{private}/access",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"tenant_id": "{project_b}"},
    ),
    ("DELETE", "/v1/flavors/{flavor_uuid}/access/{tenant_id}"): Case(
        "/v1/flavors/{private}/access/{project_a}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    # NOTE: hardware profiles mirror flavors: {hw_private} is shared with
    # {project_a}.
    ("GET", "/v1/hardware_profiles"): Case(
        "/v1/hardware_profiles", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/hardware_profiles"): Case(
        "/v1/hardware_profiles",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new-profile", "traits": ["CUSTOM_RAID"]},
    ),
    ("GET", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("PATCH", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/description", "value": "changed"}],
    ),
    ("DELETE", "/v1/hardware_profiles/{profile}"): Case(
        "/v1/hardware_profiles/{hw_private}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/hardware_profiles/{profile}/access"): Case(
        "/v1/hardware_profiles/{hw_private}/access",
        statuses(200, 403, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/hardware_profiles/{profile}/access"): Case(
        "/v1/hardware_profiles/{hw_private}/access",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"tenant_id": "{project_b}"},
    ),
    ("DELETE", "/v1/hardware_profiles/{profile}/access/{tenant_id}"): Case(
        "/v1/hardware_profiles/{hw_private}/access/{project_a}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/keypairs"): Case(
        "/v1/keypairs?user_id={member}",
        statuses(200, 200, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/keypairs"): Case(
        "/v1/keypairs",
        statuses(201, 201, 403, 403, 403, 403, 403, 403),
        {"name": "new-key", "user_id": "{member}", "public_key": "{public_key}"},
    ),
    ("GET", "/v1/keypairs/{key_name}"): Case(
        f"/v1/keypairs/{KEY_NAME}?user_id={{member}}",
        statuses(200, 200, 403, 403, 403, 403, 200, 200),
    ),
    ("DELETE", "/v1/keypairs/{key_name}"): Case(
        f"/v1/keypairs/{KEY_NAME}?user_id={{member}}",
        statuses(204, 204, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/availability_zones"): Case(
        "/v1/availability_zones", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/images"): Case(
        "/v1/images", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/images"): Case(
        "/v1/images",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "url": "http://images.test/new.raw", "disk_format": "raw"},
    ),
    ("GET", "/v1/images/{image_uuid}"): Case(
        "/v1/images/{private_image}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/images/{image_uuid}"): Case(
        "/v1/images/{private_image}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/networks"): Case(
        "/v1/networks", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/networks"): Case(
        "/v1/networks",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new", "cidr": "10.9.0.0/24"},
    ),
    ("GET", "/v1/networks/{network_uuid}"): Case(
        "/v1/networks/{private_network}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("DELETE", "/v1/networks/{network_uuid}"): Case(
        "/v1/networks/{private_network}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    # NOTE: {server} is an active server of {project_a}; another project is
    # told it does not exist (404) rather than refused.
    ("POST", "/v1/servers"): Case(
        "/v1/servers",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
        {
            "server": {
                "name": "new",
                "flavor_uuid": "{public}",
                "image_uuid": "{public_image}",
                "networks": [{"net_id": "{shared_network}"}],
            }
        },
    ),
    ("GET", "/v1/servers"): Case(
        "/v1/servers", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/servers/detail"): Case(
        "/v1/servers/detail", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}",
        statuses(200, 200, 403, 404, 403, 403, 403, 200),
        [{"op": "replace", "path": "/name", "value": "renamed"}],
    ),
    ("DELETE", "/v1/servers/{server_uuid}"): Case(
        "/v1/servers/{server}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/power"): Case(
        "/v1/servers/{server}/states/power",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": "off"},
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/lock"): Case(
        "/v1/servers/{server}/states/lock",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": True},
    ),
    ("PUT", "/v1/servers/{server_uuid}/states/provision"): Case(
        "/v1/servers/{server}/states/provision",
        statuses(202, 202, 403, 404, 403, 403, 403, 202),
        {"target": "rebuild"},
    ),
    # NOTE: {server} has no NIC and no node (no engine built it): a floating
    # IP finds no NIC (400), {floating} is on no server (400), attaching
    # needs an engine (409) and no port is an interface of it (404).
    ("GET", "/v1/servers/{server_uuid}/networks"): Case(
        "/v1/servers/{server}/networks",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("POST", "/v1/servers/{server_uuid}/networks/floatingips"): Case(
        "/v1/servers/{server}/networks/floatingips",
        statuses(400, 400, 403, 404, 403, 403, 403, 400),
        {"address": "172.24.4.2"},
    ),
    ("DELETE", "/v1/servers/{server_uuid}/networks/floatingips/{address}"): Case(
        "/v1/servers/{server}/networks/floatingips/{floating_address}",
        statuses(400, 400, 403, 404, 403, 403, 403, 400),
    ),
    ("POST", "/v1/servers/{server_uuid}/networks/interfaces"): Case(
        "/v1/servers/{server}/networks/interfaces",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
        {"net_id": "{shared_network}"},
    ),
    ("DELETE", "/v1/servers/{server_uuid}/networks/interfaces/{port_id}"): Case(
        "/v1/servers/{server}/networks/interfaces/{any_port}",
        statuses(404, 404, 403, 404, 403, 403, 403, 404),
    ),
    # NOTE: {floating} is a floating IP of {project_a} on {external_network};
    # allocating needs a project (like creating servers).
    ("POST", "/v1/networks/{network_uuid}/floating_ips"): Case(
        "/v1/networks/{external_network}/floating_ips",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
    ),
    ("GET", "/v1/floating_ips"): Case(
        "/v1/floating_ips", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("GET", "/v1/floating_ips/{floating_ip_uuid}"): Case(
        "/v1/floating_ips/{floating}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/floating_ips/{floating_ip_uuid}"): Case(
        "/v1/floating_ips/{floating}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    # NOTE: {server} has no node (no engine built it): its console is a 409.
    ("POST", "/v1/servers/{server_uuid}/remote_consoles"): Case(
        "/v1/servers/{server}/remote_consoles",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
        {"protocol": "serial"},
    ),
    # NOTE: {request} is the request that created {server}: its action.
    ("GET", "/v1/servers/{server_uuid}/actions"): Case(
        "/v1/servers/{server}/actions",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    ("GET", "/v1/servers/{server_uuid}/actions/{request_id}"): Case(
        "/v1/servers/{server}/actions/{request}",
        statuses(200, 200, 200, 404, 403, 403, 200, 200),
    ),
    # NOTE: {server} has no node: its console log is a 409 too.
    ("GET", "/v1/servers/{server_uuid}/console_log"): Case(
        "/v1/servers/{server}/console_log",
        statuses(409, 409, 403, 404, 403, 403, 403, 409),
    ),
    # NOTE: listing and adopting need an engine, and none runs here: who
    # passes the policy gets a 409. The system admin has no project and
    # names none for the server: 400 (checked before the engine).
    ("GET", "/v1/manageable_servers"): Case(
        "/v1/manageable_servers", statuses(409, 403, 403, 403, 403, 403, 409, 409)
    ),
    ("POST", "/v1/manageable_servers"): Case(
        "/v1/manageable_servers",
        statuses(409, 403, 403, 403, 403, 403, 403, 400),
        {"name": "adopted", "node_uuid": "{node}"},
    ),
    # NOTE: {aggregate} holds no node; {node} is a node row named "policy-node".
    ("GET", "/v1/aggregates"): Case(
        "/v1/aggregates", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("POST", "/v1/aggregates"): Case(
        "/v1/aggregates",
        statuses(201, 403, 403, 403, 403, 403, 403, 201),
        {"name": "new-agg", "metadata": {"availability_zone": "az-new"}},
    ),
    ("GET", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("PATCH", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        [{"op": "replace", "path": "/name", "value": "renamed-agg"}],
    ),
    ("DELETE", "/v1/aggregates/{aggregate_uuid}"): Case(
        "/v1/aggregates/{aggregate}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
    ("GET", "/v1/aggregates/{aggregate_uuid}/nodes"): Case(
        "/v1/aggregates/{aggregate}/nodes",
        statuses(200, 403, 403, 403, 403, 403, 200, 200),
    ),
    ("POST", "/v1/aggregates/{aggregate_uuid}/nodes"): Case(
        "/v1/aggregates/{aggregate}/nodes",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
        {"node": "{node}"},
    ),
    ("DELETE", "/v1/aggregates/{aggregate_uuid}/nodes/{node}"): Case(
        "/v1/aggregates/{aggregate}/nodes/{node}",
        statuses(204, 403, 403, 403, 403, 403, 403, 204),
    ),
    ("GET", "/v1/nodes"): Case(
        "/v1/nodes", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("GET", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    # NOTE: enrolment needs an engine, and none runs here: admins get a 409.
    ("POST", "/v1/nodes"): Case(
        "/v1/nodes",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        {
            "name": "policy-enrolled",
            "driver": "fake",
            "driver_info": {"address": "fake://p", "username": "u", "password": "p"},
            "resource_class": "gold",
        },
    ),
    ("PATCH", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        [{"op": "replace", "path": "/name", "value": "policy-renamed"}],
    ),
    ("DELETE", "/v1/nodes/{node_ident}"): Case(
        "/v1/nodes/{node}", statuses(409, 403, 403, 403, 403, 403, 403, 409)
    ),
    # NOTE: composition services are admin-only, reads too (1.7); changes
    # need an engine, and none runs here: admins get a 409.
    ("GET", "/v1/composition_services"): Case(
        "/v1/composition_services", statuses(200, 403, 403, 403, 403, 403, 403, 200)
    ),
    ("GET", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
    ),
    ("GET", "/v1/composition_services/{service_uuid}/blocks"): Case(
        "/v1/composition_services/{composition}/blocks",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
    ),
    ("POST", "/v1/composition_services"): Case(
        "/v1/composition_services",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        {
            "name": "policy-pool",
            "driver_info": {
                "address": "https://composer",
                "username": "u",
                "password": "p",
            },
        },
    ),
    ("PATCH", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
        [{"op": "replace", "path": "/name", "value": "policy-renamed"}],
    ),
    ("DELETE", "/v1/composition_services/{service_uuid}"): Case(
        "/v1/composition_services/{composition}",
        statuses(409, 403, 403, 403, 403, 403, 403, 409),
    ),
    # NOTE: {group} is a server group of {project_a}; another project is told
    # it does not exist (404), and lists only its own groups (200).
    ("GET", "/v1/server_groups"): Case(
        "/v1/server_groups", statuses(200, 200, 200, 200, 403, 403, 200, 200)
    ),
    ("POST", "/v1/server_groups"): Case(
        "/v1/server_groups",
        statuses(201, 201, 403, 201, 403, 403, 403, 403),
        {"name": "new-group", "policies": ["anti-affinity"]},
    ),
    ("GET", "/v1/server_groups/{server_group_uuid}"): Case(
        "/v1/server_groups/{group}", statuses(200, 200, 200, 404, 403, 403, 200, 200)
    ),
    ("DELETE", "/v1/server_groups/{server_group_uuid}"): Case(
        "/v1/server_groups/{group}", statuses(204, 204, 403, 404, 403, 403, 403, 204)
    ),
    # NOTE: limits of {project_a}: its readers and cloud readers; quotas: the
    # admin's to change, cloud readers' to read.
    ("GET", "/v1/limits"): Case(
        "/v1/limits?project_id={project_a}",
        statuses(200, 200, 200, 403, 403, 403, 200, 200),
    ),
    ("GET", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/{project_a}", statuses(200, 403, 403, 403, 403, 403, 200, 200)
    ),
    ("PUT", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/{project_a}",
        statuses(200, 403, 403, 403, 403, 403, 403, 200),
        {"quota": {"servers": 20}},
    ),
    ("DELETE", "/v1/quotas/{project_id}"): Case(
        "/v1/quotas/{project_a}", statuses(204, 403, 403, 403, 403, 403, 403, 204)
    ),
}


def protected_routes() -> set[tuple[str, str]]:
    """(method, path) of every route that needs authentication."""
    return {(r.method, r.path) for r in router.ROUTES if not r.public}


def fill(value: Any, resources: Mapping[str, str]) -> Any:
    """``value`` with ``{name}`` placeholders in its strings filled in."""
    if isinstance(value, str):
        return value.format(**resources)
    if isinstance(value, list):
        return [fill(v, resources) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, resources) for k, v in value.items()}
    return value
