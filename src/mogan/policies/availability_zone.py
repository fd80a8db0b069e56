"""Policy defaults for availability zones."""

from oslo_policy import policy

from mogan.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:availability_zone:get_all",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="List availability zones that have nodes.",
        operations=[{"path": "/v1/availability_zones", "method": "GET"}],
    ),
]
