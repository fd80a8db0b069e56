"""Configuration: one module per option group, registered on a given ConfigOpts.

Nothing reads configuration at import time. A process builds its own
``cfg.ConfigOpts`` with :func:`make_conf` (or registers onto one it was
given with :func:`register_opts`) and passes it down explicitly.
"""

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts
from oslo_policy import opts as policy_opts

from mogan.conf import (
    api,
    database,
    default,
    deploy_media,
    engine,
    hardware,
    image,
    network,
    placement,
    quota,
    scheduler,
    server_action,
    upgrade_levels,
)


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register every Mogan option group on ``conf``.

    Drivers' groups (``[fake]``, ``[ironic]`` ...) are not among them: each
    driver registers its own when it is built (``Driver.from_conf``).

    oslo.messaging's ``[DEFAULT]`` options (``transport_url`` ...) are
    registered too, so a process can default them before parsing.
    """
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)
    _register_messaging_tracing(conf)
    # NOTE: registered here (not only when an Enforcer is built) so
    # [oslo_policy] can be set, overridden and read before the enforcer exists.
    policy_opts.set_defaults(conf)
    default.register_opts(conf)
    deploy_media.register_opts(conf)
    api.register_opts(conf)
    database.register_opts(conf)
    engine.register_opts(conf)
    hardware.register_opts(conf)
    image.register_opts(conf)
    network.register_opts(conf)
    placement.register_opts(conf)
    quota.register_opts(conf)
    scheduler.register_opts(conf)
    server_action.register_opts(conf)
    upgrade_levels.register_opts(conf)


def _register_messaging_tracing(conf: cfg.ConfigOpts) -> None:
    # NOTE: oslo.messaging 18 registers its tracing and metrics options only
    # on the global cfg.CONF yet reads them from the ConfigOpts it is handed,
    # so an RPC call on a private ConfigOpts fails without this.
    from oslo_messaging._metrics import client as metrics  # noqa: PLC0415
    from oslo_messaging._tracing import client as tracing  # noqa: PLC0415

    conf.register_opts(tracing.oslo_messaging_tracing, group="oslo_messaging_tracing")
    conf.register_opts(metrics.oslo_messaging_metrics, group="oslo_messaging_metrics")


def make_conf(
    args: list[str] | None = None,
    default_config_files: list[str] | None = None,
    overrides: dict[str, dict[str, object]] | None = None,
) -> cfg.ConfigOpts:
    """Build a fresh, parsed ConfigOpts holding Mogan's options.

    Args:
        args: command-line arguments for oslo.config (``--config-file`` ...).
        default_config_files: files read when none are given on the command
            line; an empty list means "no file at all" (the embedded default).
        overrides: ``{group: {option: value}}`` applied after parsing;
            ``DEFAULT`` names the default group.

    Returns:
        The parsed configuration.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    conf(
        args=args or [],
        project="mogan",
        default_config_files=default_config_files or [],
        default_config_dirs=[],
    )
    for group, values in (overrides or {}).items():
        for name, value in values.items():
            conf.set_override(name, value, None if group == "DEFAULT" else group)
    return conf
