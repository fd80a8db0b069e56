"""Policy defaults for servers.

The target of every per-server rule is the server's own project and user,
so project members act on their project's servers (v1's owner-or-admin),
readers only read, and nobody reaches another project's servers.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:server:%s"
SERVER = "/v1/servers/{server_uuid}"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Create servers in the caller's project.",
        operations=[{"path": "/v1/servers", "method": "POST"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="List the project's servers (all projects: admin, all_tenants).",
        operations=[
            {"path": "/v1/servers", "method": "GET"},
            {"path": "/v1/servers/detail", "method": "GET"},
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.ADMIN_OR_PROJECT_READER,
        description="Show a server.",
        operations=[{"path": SERVER, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "update",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Change a server's name, description or metadata.",
        operations=[{"path": SERVER, "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Delete a server.",
        operations=[{"path": SERVER, "method": "DELETE"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_power_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Power a server on, off or reboot it.",
        operations=[{"path": SERVER + "/states/power", "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_lock_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Lock or unlock a server.",
        operations=[{"path": SERVER + "/states/lock", "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_provision_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        description="Rebuild a server.",
        operations=[{"path": SERVER + "/states/provision", "method": "PUT"}],
    ),
]
