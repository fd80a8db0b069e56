"""Policy defaults for manageable servers: adopting deployed nodes.

Admin only, as in v1; system readers may list the candidates.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:manageable_servers:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.CLOUD_READER,
        scope_types=base.scopes(),
        description="List the nodes deployed outside Mogan that may be adopted.",
        operations=[{"path": "/v1/manageable_servers", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Adopt a deployed node as a server of a project.",
        operations=[{"path": "/v1/manageable_servers", "method": "POST"}],
    ),
]
