"""Policy defaults for aggregates (admin, as in v1; system readers may read)."""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:aggregate:%s"
AGGREGATE = "/v1/aggregates/{aggregate_uuid}"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List aggregates.",
        operations=[{"path": "/v1/aggregates", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="Show an aggregate.",
        operations=[{"path": AGGREGATE, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Create an aggregate.",
        operations=[{"path": "/v1/aggregates", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Rename an aggregate or change its metadata.",
        operations=[{"path": AGGREGATE, "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Delete an aggregate.",
        operations=[{"path": AGGREGATE, "method": "DELETE"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_nodes",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List the nodes of an aggregate.",
        operations=[{"path": f"{AGGREGATE}/nodes", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "add_node",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Add a node to an aggregate.",
        operations=[{"path": f"{AGGREGATE}/nodes", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "remove_node",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Remove a node from an aggregate.",
        operations=[{"path": f"{AGGREGATE}/nodes/{{node}}", "method": "DELETE"}],
    ),
]
