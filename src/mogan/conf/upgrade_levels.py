"""Options of the ``[upgrade_levels]`` group: RPC version caps for rolling upgrades.

During a rolling upgrade the processes already upgraded keep talking to
the ones not yet upgraded by sending nothing newer than the cap: pin each
service's cap to the RPC version of its oldest running release, then lift
the pin once every process runs the new release.
"""

from oslo_config import cfg

group = cfg.OptGroup(
    "upgrade_levels",
    title="RPC version caps",
    help="Caps on the RPC versions sent to each service (rolling upgrades).",
)

VERSION = r"^\d+\.\d+$"

opts = [
    cfg.StrOpt(
        "engine",
        regex=VERSION,
        help=(
            "Highest engine RPC API version to send (e.g. 1.2); unset sends "
            "the newest. Calls and arguments newer than the cap are "
            "downgraded where they can be, refused with an error saying so "
            "where they cannot."
        ),
    ),
    cfg.StrOpt(
        "scheduler",
        regex=VERSION,
        help="Highest scheduler RPC API version to send; unset sends the newest.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[upgrade_levels]`` options."""
    # NOTE: a group object of its own per ConfigOpts: oslo.config keeps
    # overrides in the group object, which would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title, help=group.help)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
