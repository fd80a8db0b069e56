"""Policy defaults for server consoles.

The target is the server's own project and user: a console is interactive
access to the machine, so project members (not readers) get one for their
project's servers, admins for any.
"""

from oslo_policy import policy

from mogan.policies import base

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:server:create_remote_console",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description="Get the URL of a server's serial console.",
        operations=[
            {"path": "/v1/servers/{server_uuid}/remote_consoles", "method": "POST"}
        ],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:server:console_log",
        check_str=base.ADMIN_OR_PROJECT_MEMBER,
        scope_types=base.scopes(),
        description=(
            "Read a server's recent serial console output (it may show what "
            "cloud-init printed, so readers do not get it)."
        ),
        operations=[{"path": "/v1/servers/{server_uuid}/console_log", "method": "GET"}],
    ),
]
