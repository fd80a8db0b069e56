"""Policy defaults for composition services and their blocks (admin only, 1.7).

Their addresses and blocks describe the site's hardware: admins only, for
reading too.
"""

from oslo_policy import policy

from mogan.policies import base

PATH = "/v1/composition_services"

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:composition_service:get_all",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="List composition services.",
        operations=[{"path": PATH, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:composition_service:get",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Show a composition service, or list its resource blocks.",
        operations=[
            {"path": PATH + "/{service_uuid}", "method": "GET"},
            {"path": PATH + "/{service_uuid}/blocks", "method": "GET"},
        ],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:composition_service:create",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Register a composition service.",
        operations=[{"path": PATH, "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:composition_service:update",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Rename a composition service or change how it is reached.",
        operations=[{"path": PATH + "/{service_uuid}", "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:composition_service:delete",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description="Remove a composition service none of whose blocks is claimed.",
        operations=[{"path": PATH + "/{service_uuid}", "method": "DELETE"}],
    ),
]
