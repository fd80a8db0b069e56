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
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
