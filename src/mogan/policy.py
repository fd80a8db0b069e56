"""The policy enforcer and the one call every route makes: ``authorize``.

Rules live in ``mogan.policies``; operators override them with a
``policy.yaml`` (``[oslo_policy] policy_file``). Failure raises the domain
``Forbidden`` error; the API turns it into 403.
"""

from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from mogan import context as mogan_context
from mogan import exception, policies


def make_enforcer(conf: cfg.ConfigOpts) -> policy.Enforcer:
    """An enforcer for ``conf`` with every default registered."""
    enforcer = policy.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def get_enforcer() -> policy.Enforcer:
    """Enforcer for oslopolicy-* tools (entry point ``oslo.policy.enforcer``).

    ``oslopolicy-policy-generator`` and ``oslopolicy-policy-upgrade`` call
    this. It reads the usual ``mogan.conf`` (``/etc/mogan/mogan.conf`` ...)
    so an ``[oslo_policy] policy_file`` set there is the one they merge.
    """
    conf = cfg.ConfigOpts()
    # NOTE: no command-line arguments: the calling tool owns sys.argv.
    conf([], project="mogan")
    return make_enforcer(conf)


def check(
    enforcer: policy.Enforcer,
    rule: str,
    ctx: mogan_context.RequestContext,
    target: dict[str, Any] | None = None,
) -> bool:
    """Whether ``rule`` passes for ``ctx`` on ``target`` (no exception).

    Target attributes that are None are left out, as the caller's are
    (``RequestContext.policy_credentials``): a check against a missing
    attribute fails instead of comparing ``"None"`` with ``"None"``.
    """
    if target is None:
        target = {"project_id": ctx.project_id, "user_id": ctx.user_id}
    target = {key: value for key, value in target.items() if value is not None}
    return bool(
        enforcer.authorize(rule, target, ctx.policy_credentials(), do_raise=False)
    )


def _scope_refusal(
    enforcer: policy.Enforcer, rule: str, ctx: mogan_context.RequestContext
) -> str | None:
    """Why the caller's token scope cannot pass ``rule``; None if it can."""
    registered = enforcer.registered_rules.get(rule)
    accepted = list(registered.scope_types or []) if registered else []
    scope = ctx.scope
    if not accepted or (scope is not None and scope in accepted):
        return None
    needed = " or ".join(f"{kind}-scoped" for kind in accepted)
    has = f"is {scope}-scoped" if scope else "has no scope"
    return f"{rule} needs a {needed} token; this request {has}."


def authorize(
    enforcer: policy.Enforcer,
    rule: str,
    ctx: mogan_context.RequestContext,
    target: dict[str, Any] | None = None,
) -> None:
    """Raise ``Forbidden`` unless ``ctx`` may act on ``target`` under ``rule``.

    Args:
        enforcer: the process's enforcer.
        rule: a registered rule name, e.g. ``mogan:flavor:create``.
        ctx: the caller.
        target: attributes of the object acted on; defaults to the caller's
            own project and user.

    Raises:
        Forbidden: the rule does not pass.
    """
    if not check(enforcer, rule, ctx, target):
        raise exception.Forbidden(_scope_refusal(enforcer, rule, ctx), rule=rule)
