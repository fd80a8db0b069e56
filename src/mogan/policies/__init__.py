"""Policy-in-code defaults, one module per resource (Placement's layout).

The personas are Keystone's secure-RBAC defaults: a system ``admin`` and a
system ``reader``, and a project's ``admin``, ``member`` and ``reader``
(scopes and what each persona may do: ``mogan.policies.base``). Role
implication (admin ⊃ member ⊃ reader) is Keystone's job with real tokens;
the noauth and http_basic modes expand roles the same way before policy
runs, so one rule set serves all.
"""

from oslo_policy import policy

from mogan.policies import (
    aggregate,
    availability_zone,
    base,
    composition_service,
    console,
    flavor,
    floating_ip,
    hardware_profile,
    image,
    keypair,
    manageable_server,
    network,
    node,
    quota,
    server,
    server_action,
    server_group,
    server_network,
)


def list_rules() -> list[policy.RuleDefault]:
    """Every default rule, for the enforcer and the sample generator."""
    return [
        *base.rules,
        *flavor.rules,
        *hardware_profile.rules,
        *keypair.rules,
        *availability_zone.rules,
        *image.rules,
        *network.rules,
        *floating_ip.rules,
        *server.rules,
        *server_network.rules,
        *aggregate.rules,
        *node.rules,
        *server_group.rules,
        *manageable_server.rules,
        *console.rules,
        *quota.rules,
        *server_action.rules,
        *composition_service.rules,
    ]
