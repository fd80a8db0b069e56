"""Policy defaults for images of the embedded backend.

Admins manage them; anyone with read access lists and shows the ones
visible to their project (the visibility filter is the service's job).
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:image:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="List images visible to the caller.",
        operations=[{"path": "/v1/images", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.ANY_READER,
        scope_types=base.scopes(),
        description="Show an image visible to the caller.",
        operations=[{"path": "/v1/images/{image_uuid}", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Register an image.",
        operations=[{"path": "/v1/images", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Delete an image.",
        operations=[{"path": "/v1/images/{image_uuid}", "method": "DELETE"}],
    ),
]
