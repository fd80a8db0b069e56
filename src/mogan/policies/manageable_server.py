"""Policy defaults for manageable servers: adopting deployed nodes (admin, as v1)."""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:manageable_servers:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ADMIN,
        description="List the nodes deployed outside Mogan that may be adopted.",
        operations=[{"path": "/v1/manageable_servers", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        description="Adopt a deployed node as a server of a project.",
        operations=[{"path": "/v1/manageable_servers", "method": "POST"}],
    ),
]
