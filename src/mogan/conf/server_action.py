"""Options of the ``[server_actions]`` group: how much action history is kept."""

from oslo_config import cfg

group = cfg.OptGroup("server_actions", title="Server action history")

opts = [
    cfg.IntOpt(
        "max_actions_per_server",
        default=100,
        min=1,
        max=10000,
        help=(
            "Actions kept per server (create, power, rebuild ...). Recording "
            "one more drops the oldest finished ones beyond this number."
        ),
    ),
    cfg.IntOpt(
        "max_events_per_action",
        default=50,
        min=2,
        max=1000,
        help=(
            "Events kept per action (schedule, deploy attempt ...). A build "
            "rescheduled many times drops its oldest events, never its first."
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[server_actions]`` options on ``conf``."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
