"""Policy defaults for hardware profiles and their access lists."""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:hardware_profile:%s"
ACCESS_PREFIX = "mogan:hardware_profile_access:%s"
ITEM = "/v1/hardware_profiles/{profile}"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description=(
            "List hardware profiles. Non-admins see public profiles and the "
            "private ones shared with their project."
        ),
        operations=[{"path": "/v1/hardware_profiles", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="Show a hardware profile visible to the caller.",
        operations=[{"path": ITEM, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Create a hardware profile.",
        operations=[{"path": "/v1/hardware_profiles", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Update a hardware profile.",
        operations=[{"path": ITEM, "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Delete a hardware profile.",
        operations=[{"path": ITEM, "method": "DELETE"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "get_all",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List the projects that may use a private hardware profile.",
        operations=[{"path": f"{ITEM}/access", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "add_tenant_access",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Share a private hardware profile with a project.",
        operations=[{"path": f"{ITEM}/access", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=ACCESS_PREFIX % "remove_tenant_access",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Stop sharing a private hardware profile with a project.",
        operations=[{"path": f"{ITEM}/access/{{tenant_id}}", "method": "DELETE"}],
    ),
]
