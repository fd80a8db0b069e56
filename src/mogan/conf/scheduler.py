"""Options of the ``[scheduler]`` group."""

from oslo_config import cfg

group = cfg.OptGroup("scheduler", title="Scheduler options")

opts = [
    cfg.IntOpt(
        "claim_retries",
        default=5,
        min=0,
        help=(
            "Times a claim that lost a race in Placement is retried (with "
            "fresh candidates and jittered backoff) before giving up."
        ),
    ),
    cfg.IntOpt(
        "candidate_limit",
        default=50,
        min=1,
        help="Extra candidates asked for beyond the servers of a request.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[scheduler]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
