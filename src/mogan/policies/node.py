"""Policy defaults for nodes (admin, as in v1; system readers may read).

Enrolling, changing and removing nodes (microversion 1.6) is for admins only.
"""

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
    policy.DocumentedRuleDefault(
        name="mogan:node:create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Enrol a node into the engine's driver.",
        operations=[{"path": "/v1/nodes", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:node:update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Change an enrolled node (name, class, traits, BMC access).",
        operations=[{"path": "/v1/nodes/{node_ident}", "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:node:delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Remove a node carrying no server.",
        operations=[{"path": "/v1/nodes/{node_ident}", "method": "DELETE"}],
    ),
]
