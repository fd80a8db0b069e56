"""Policy defaults for floating IPs of the embedded network backend.

A project member allocates floating IPs for their project and releases
them; readers list and show their project's. Admins act on any project's.
The target of show and release is the floating IP's own project.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:floating_ip:%s"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        # NOTE: what it creates belongs to the caller's project.
        scope_types=base.scopes(base.PROJECT_ONLY),
        description=(
            "Allocate a floating IP of an external network for the caller's project."
        ),
        operations=[
            {"path": "/v1/networks/{network_uuid}/floating_ips", "method": "POST"}
        ],
    ),
    base.documented(
        PREFIX % "get_all",
        base.ANY_READER,
        "List floating IPs (the caller's project's; all_tenants for cloud readers).",
        ("GET", "/v1/floating_ips"),
    ),
    base.documented(
        PREFIX % "get",
        base.CLOUD_READER_OR_PROJECT_READER,
        "Show a floating IP.",
        ("GET", "/v1/floating_ips/{floating_ip_uuid}"),
    ),
    base.documented(
        PREFIX % "delete",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Release a floating IP that no server uses.",
        ("DELETE", "/v1/floating_ips/{floating_ip_uuid}"),
    ),
]
