"""Policy defaults for limits (any reader, for their project) and quotas (admin)."""

from oslo_policy import policy

from mogan.policies import base

QUOTA = "/v1/quotas/{project_id}"

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:limits:get",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="Show a project's limits and usage (another project: admin).",
        operations=[{"path": "/v1/limits", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:get",
        check_str=base.ADMIN,
        description="Show a project's quota.",
        operations=[{"path": QUOTA, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:update",
        check_str=base.ADMIN,
        description="Set some of a project's limits.",
        operations=[{"path": QUOTA, "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:delete",
        check_str=base.ADMIN,
        description="Drop a project's own limits (the defaults apply again).",
        operations=[{"path": QUOTA, "method": "DELETE"}],
    ),
]
