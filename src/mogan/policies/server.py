"""Policy defaults for servers.

The target of every per-server rule is the server's own project and user,
so project members act on their project's servers (v1's owner-or-admin),
readers only read, and nobody else reaches another project's servers but
cloud admins and (to read) system readers. Creating needs a project-scoped
token: a server always belongs to the caller's project.
"""

from oslo_policy import policy

from mogan.policies import base

PREFIX = "mogan:server:%s"
SERVER = "/v1/servers/{server_uuid}"

rules = [
    policy.DocumentedRuleDefault(
        name=PREFIX % "create",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(base.PROJECT_ONLY),
        description="Create servers in the caller's project.",
        operations=[{"path": "/v1/servers", "method": "POST"}],
    ),
    policy.RuleDefault(
        name=PREFIX % "create:hardware_bios",
        check_str=base.ADMIN,
        scope_types=base.scopes(base.PROJECT_ONLY),
        description=(
            "Create servers with raw BIOS settings (server.hardware.bios); "
            "hardware profiles are for everyone. Checked by POST /v1/servers "
            "on top of mogan:server:create."
        ),
    ),
    policy.RuleDefault(
        name=PREFIX % "create:hardware_firmware",
        check_str=base.ADMIN,
        scope_types=base.scopes(base.PROJECT_ONLY),
        description=(
            "Create servers with raw firmware updates "
            "(server.hardware.firmware); hardware profiles are for everyone. "
            "Checked by POST /v1/servers on top of mogan:server:create."
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get_all",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description=(
            "List the project's servers. Every project's: cloud readers with "
            "all_tenants, and system-scoped callers (who have no project)."
        ),
        operations=[
            {"path": "/v1/servers", "method": "GET"},
            {"path": "/v1/servers/detail", "method": "GET"},
        ],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "get",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description="Show a server.",
        operations=[{"path": SERVER, "method": "GET"}],
    ),
    policy.RuleDefault(
        name=PREFIX % "composition",
        check_str=base.ADMIN,
        scope_types=base.scopes(),
        description=(
            "See the composition a composed server is made of (its "
            "composition service, zone, system and resource blocks): the "
            "server's composition field at microversion 1.8, on top of "
            "mogan:server:get or mogan:server:get_all. Everyone who sees a "
            "server sees whether it is composed."
        ),
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "update",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Change a server's name, description or metadata.",
        operations=[{"path": SERVER, "method": "PATCH"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "delete",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Delete a server.",
        operations=[{"path": SERVER, "method": "DELETE"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_power_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Power a server on, off or reboot it.",
        operations=[{"path": SERVER + "/states/power", "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_lock_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Lock or unlock a server.",
        operations=[{"path": SERVER + "/states/lock", "method": "PUT"}],
    ),
    policy.DocumentedRuleDefault(
        name=PREFIX % "set_provision_state",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Rebuild a server.",
        operations=[{"path": SERVER + "/states/provision", "method": "PUT"}],
    ),
]
