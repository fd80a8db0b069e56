"""Options of the ``[hardware]`` group: how a node is restored after a server."""

from oslo_config import cfg

group = cfg.OptGroup("hardware", title="Hardware configuration")

RESTORE_BIOS = ("previous", "factory", "none")

opts = [
    cfg.StrOpt(
        "restore_bios",
        default="previous",
        choices=[
            ("previous", "the values the node had before the server's deploy"),
            ("factory", "the BIOS's factory defaults"),
            ("none", "leave the server's values in place"),
        ],
        help=(
            "What a node's BIOS settings go back to when its server is torn "
            "down. RAID volumes and bonds a server asked for are always "
            "removed; flashed firmware stays. A node whose restore fails is "
            "put in maintenance with the reason."
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[hardware]`` options on ``conf`` (again is harmless)."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
