"""Options of the ``[quota]`` group: per-project limits."""

from oslo_config import cfg

group = cfg.OptGroup("quota", title="Quota options")

opts = [
    cfg.IntOpt(
        "keypairs_hard_limit",
        default=100,
        min=-1,
        help="Keypairs each user may hold; -1 means unlimited.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[quota]`` options."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
