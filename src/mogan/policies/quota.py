"""Policy defaults for limits (project and cloud readers) and quotas (admin)."""

from oslo_policy import policy

from mogan.policies import base

QUOTA = "/v1/quotas/{project_id}"

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:limits:get",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description=(
            "Show a project's limits and usage (another project: cloud readers)."
        ),
        operations=[{"path": "/v1/limits", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:get",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="Show a project's quota.",
        operations=[{"path": QUOTA, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Set some of a project's limits.",
        operations=[{"path": QUOTA, "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:quota:delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Drop a project's own limits (the defaults apply again).",
        operations=[{"path": QUOTA, "method": "DELETE"}],
    ),
]
