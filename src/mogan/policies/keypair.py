"""Policy defaults for keypairs.

Keypairs belong to a user. The target's ``user_id`` is the user named by the
request (the caller unless an admin names another), so a non-admin can only
ever act on their own keys (fixes v1 bug 3); a system reader may read
anyone's. Creating needs a project-scoped token: the key records the project
it was made in.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:keypair:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.CLOUD_READER_OR_OWNING_USER_READER,
        scope_types=base.scopes(),
        description="List a user's keypairs.",
        operations=[{"path": "/v1/keypairs", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.CLOUD_READER_OR_OWNING_USER_READER,
        scope_types=base.scopes(),
        description="Show one of a user's keypairs.",
        operations=[{"path": "/v1/keypairs/{key_name}", "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN_OR_OWNING_USER_MEMBER,
        scope_types=base.scopes(base.PROJECT_ONLY),
        description="Generate or import a keypair.",
        operations=[{"path": "/v1/keypairs", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN_OR_OWNING_USER_MEMBER,
        scope_types=base.scopes(),
        description="Delete a keypair.",
        operations=[{"path": "/v1/keypairs/{key_name}", "method": "DELETE"}],
    ),
]
