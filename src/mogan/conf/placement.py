"""Options of the ``[placement]`` group: embedded or remote Placement.

With ``embedded = true`` (the all-in-one and tests) the real Placement app
runs inside the process on its own database; otherwise the keystoneauth
options below find the Placement endpoint and authenticate to it.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

group = cfg.OptGroup("placement", title="Placement options")

opts = [
    cfg.BoolOpt(
        "embedded",
        default=False,
        help=(
            "Run the real OpenStack Placement in-process with its own SQLite "
            "database in state_path (all-in-one, tests)."
        ),
    ),
    cfg.StrOpt(
        "embedded_connection",
        secret=True,
        help="Database URL of the embedded Placement (default: SQLite).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``[placement]`` and keystoneauth session, auth, adapter options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so the options keystoneauth adds would leak between
    # configurations built in one process.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
    ks_loading.register_session_conf_options(conf, group.name)
    ks_loading.register_auth_conf_options(conf, group.name)
    ks_loading.register_adapter_conf_options(conf, group.name)


def list_opts() -> list[cfg.Opt]:
    """Every ``[placement]`` option, for the sample generator."""
    return [
        *opts,
        *ks_loading.get_session_conf_options(),
        *ks_loading.get_auth_common_conf_options(),
        *ks_loading.get_auth_plugin_conf_options("password"),
        *ks_loading.get_adapter_conf_options(include_deprecated=False),
    ]
