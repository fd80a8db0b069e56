"""Policy defaults for flavors and flavor access lists."""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:flavor:%s"
ACCESS_PREFIX = "mogan:flavor_access:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description=(
            "List flavors. Non-admins see enabled public flavors and the "
            "private ones shared with their project."
        ),
        operations=[{"path": "/v1/flavors", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="Show a flavor visible to the caller.",
        operations=[{"path": "/v1/flavors/{flavor_uuid}", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Create a flavor.",
        operations=[{"path": "/v1/flavors", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Update a flavor.",
        operations=[{"path": "/v1/flavors/{flavor_uuid}", "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Delete a flavor.",
        operations=[{"path": "/v1/flavors/{flavor_uuid}", "method": "DELETE"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "get_all",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List the projects that may use a private flavor.",
        operations=[{"path": "/v1/flavors/{flavor_uuid}/access", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "add_tenant_access",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Share a private flavor with a project.",
        operations=[{"path": "/v1/flavors/{flavor_uuid}/access", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "remove_tenant_access",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Stop sharing a private flavor with a project.",
        operations=[
            {"path": "/v1/flavors/{flavor_uuid}/access/{tenant_id}", "method": "DELETE"}
        ],
    ),
]
