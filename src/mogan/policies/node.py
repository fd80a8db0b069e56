"""Policy defaults for nodes (admin, as in v1; system readers may read)."""

from oslo_policy import policy

from mogan.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:node:get_all",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List nodes.",
        operations=[{"path": "/v1/nodes", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:node:get",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="Show a node.",
        operations=[{"path": "/v1/nodes/{node_ident}", "method": "GET"}],
    ),
]
