"""Policy defaults for nodes (admin only, as in v1)."""

from oslo_policy import policy

from mogan.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:node:get_all",
        check_str=base.ADMIN,
        description="List nodes.",
        operations=[{"path": "/v1/nodes", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:node:get",
        check_str=base.ADMIN,
        description="Show a node.",
        operations=[{"path": "/v1/nodes/{node_ident}", "method": "GET"}],
    ),
]
