"""Policy defaults for networks of the embedded backend.

Admins manage them; anyone with read access lists and shows the ones
visible to their project (the visibility filter is the service's job).
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:network:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="List networks visible to the caller.",
        operations=[{"path": "/v1/networks", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="Show a network visible to the caller.",
        operations=[{"path": "/v1/networks/{network_uuid}", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Define a flat network.",
        operations=[{"path": "/v1/networks", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Delete a network.",
        operations=[{"path": "/v1/networks/{network_uuid}", "method": "DELETE"}],
    ),
]
