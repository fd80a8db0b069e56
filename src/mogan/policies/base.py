"""Building-block rules referenced by the per-resource defaults."""

from oslo_policy import policy

ADMIN = "rule:context_is_admin"
PROJECT_MEMBER = "rule:project_member"
PROJECT_READER = "rule:project_reader"
ADMIN_OR_PROJECT_MEMBER = f"{ADMIN} or {PROJECT_MEMBER}"
ADMIN_OR_PROJECT_READER = f"{ADMIN} or {PROJECT_READER}"
ANY_READER = "rule:any_reader"
ADMIN_OR_OWNING_USER_MEMBER = f"{ADMIN} or (role:member and user_id:%(user_id)s)"
ADMIN_OR_OWNING_USER_READER = f"{ADMIN} or (role:reader and user_id:%(user_id)s)"

rules = [
    policy.RuleDefault(
        "context_is_admin",
        "role:admin or role:administrator",
        description="The caller is a cloud administrator.",
    ),
    policy.RuleDefault(
        "project_member",
        "role:member and project_id:%(project_id)s",
        description="The caller is a member of the project that owns the target.",
    ),
    policy.RuleDefault(
        "project_reader",
        "role:reader and project_id:%(project_id)s",
        description="The caller can read in the project that owns the target.",
    ),
    policy.RuleDefault(
        "any_reader",
        "role:reader or rule:context_is_admin",
        description="The caller holds at least read access somewhere.",
    ),
]
