"""Policy defaults for server actions and their events (microversion 1.4).

The target is the server's project and user (once the server is deleted,
those its actions were recorded under): the project's readers read their
servers' history, cloud readers every project's. What each sees (node
names and tracebacks for cloud readers only) is the route's business.
"""

from oslo_policy import policy

from mogan.policies import base

ACTIONS = "/v1/servers/{server_uuid}/actions"

rules = [
    policy.DocumentedRuleDefault(
        name="mogan:server:actions:list",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description="List a server's actions (create, power, rebuild ...).",
        operations=[{"path": ACTIONS, "method": "GET"}],
    ),
    policy.DocumentedRuleDefault(
        name="mogan:server:actions:show",
        check_str=base.CLOUD_READER_OR_PROJECT_READER,
        scope_types=base.scopes(),
        description="Show a server's action with its events.",
        operations=[{"path": ACTIONS + "/{request_id}", "method": "GET"}],
    ),
]
