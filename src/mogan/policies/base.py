"""Building-block rules referenced by the per-resource defaults, and scope types.

Scopes follow OpenStack's consistent and secure RBAC. Mogan's resources
belong to projects or to the cloud, never to a domain, so no rule accepts a
domain-scoped token. Rules that create something a project owns accept only
project-scoped tokens; every other rule accepts project- and system-scoped
ones, and the check string says what each persona may do:

- system admin (``admin`` on the system): the cloud administrator;
- system reader (``reader`` on the system): reads every project's
  resources and the cloud's, changes nothing;
- project admin, member, reader: within their project, as before; an
  ``admin`` in any project stays a cloud administrator (``context_is_admin``),
  as Mogan v1 and Nova have it.
"""

from oslo_policy import policy

ADMIN = "rule:context_is_admin"
CLOUD_READER = "rule:context_is_cloud_reader"
PROJECT_MEMBER = "rule:project_member"
PROJECT_READER = "rule:project_reader"
ADMIN_OR_PROJECT_MEMBER = f"{ADMIN} or {PROJECT_MEMBER}"
CLOUD_READER_OR_PROJECT_READER = f"{CLOUD_READER} or {PROJECT_READER}"
ANY_READER = "rule:any_reader"
ADMIN_OR_OWNING_USER_MEMBER = f"{ADMIN} or (role:member and user_id:%(user_id)s)"
CLOUD_READER_OR_OWNING_USER_READER = (
    f"{CLOUD_READER} or (role:reader and user_id:%(user_id)s)"
)

# NOTE: a fresh list per rule: oslo.policy keeps the object it is given.
SYSTEM_OR_PROJECT = ("system", "project")
PROJECT_ONLY = ("project",)


def scopes(kinds: tuple[str, ...] = SYSTEM_OR_PROJECT) -> list[str]:
    """The ``scope_types`` of a rule: the token scopes it accepts."""
    return list(kinds)


def documented(
    name: str, check_str: str, description: str, *operations: tuple[str, str]
) -> policy.DocumentedRuleDefault:
    """A rule for system- and project-scoped tokens on ``(method, path)`` pairs."""
    return policy.DocumentedRuleDefault(
        name=name,
        check_str=check_str,
        scope_types=scopes(),
        description=description,
        operations=[{"path": path, "method": method} for method, path in operations],
    )


def admin_only(
    name: str, description: str, *operations: tuple[str, str]
) -> policy.DocumentedRuleDefault:
    """A rule only cloud administrators pass (``documented`` with ``ADMIN``)."""
    return documented(name, ADMIN, description, *operations)


rules = [
    policy.RuleDefault(
        "context_is_admin",
        "role:admin or role:administrator",
        description=(
            "The caller is a cloud administrator: an admin of the system, or "
            "(as in Mogan v1) of any project."
        ),
        scope_types=scopes(),
    ),
    policy.RuleDefault(
        "system_reader",
        "role:reader and system_scope:all",
        description="The caller reads the whole cloud with a system-scoped token.",
        scope_types=scopes(),
    ),
    policy.RuleDefault(
        "context_is_cloud_reader",
        "rule:context_is_admin or rule:system_reader",
        description=(
            "The caller may read every project's resources and the cloud's "
            "(a cloud administrator or a system reader)."
        ),
        scope_types=scopes(),
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
        description=(
            "The caller holds at least read access in its project or on the system."
        ),
    ),
]
