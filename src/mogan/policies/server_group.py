"""Policy defaults for server groups.

The target of the per-group rules is the group's own project and user, so a
project's members manage their groups and readers only read (v1 bug 2 made
every call admin-only); creating is open to any project member, with a
project-scoped token. System readers read every project's groups.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:server_group:%s"
GROUP = "/v1/server_groups/{server_group_uuid}"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description=(
            "List the project's server groups. Every project's: cloud readers "
            "with all_tenants, and system-scoped callers (who have no project)."
        ),
        operations=[{"path": "/v1/server_groups", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description="Show a server group.",
        operations=[{"path": GROUP, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(base.PROJECT_ONLY),
        description="Create a server group in the caller's project.",
        operations=[{"path": "/v1/server_groups", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Delete a server group.",
        operations=[{"path": GROUP, "method": "DELETE"}],
    ),
]
