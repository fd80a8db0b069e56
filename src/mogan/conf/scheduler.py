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
        help=(
            "Extra free nodes the weigher chooses among, beyond one per "
            "server of a request."
        ),
    ),
    cfg.ListOpt(
        "failure_domain_hierarchy",
        default=[],
        help=(
            "Nested failure-domain levels, outermost first (for example "
            "'room,row,rack'). Each is an aggregate metadata key; a node's "
            "domain at a level is the path of its values down to that level "
            "(room-a/row-3/rack-12), so equal rack names in different rooms "
            "are different racks. 'affinity_zone' is always a level of its own."
        ),
    ),
    cfg.ListOpt(
        "failure_domain_orthogonal",
        default=[],
        help=(
            "Failure-domain levels outside the hierarchy (for example "
            "'power_circuit'): aggregate metadata keys whose value alone is "
            "the domain."
        ),
    ),
    cfg.StrOpt(
        "weigher",
        default="spread",
        choices=[
            ("spread", "prefer failure domains with the fewest used nodes"),
            ("pack", "prefer failure domains with the most used nodes"),
        ],
        help="How candidate nodes are ordered once every filter passed.",
    ),
    cfg.StrOpt(
        "weigher_level",
        default="affinity_zone",
        help=(
            "The failure-domain level (or 'aggregate') the weigher packs or "
            "spreads over."
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[scheduler]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
