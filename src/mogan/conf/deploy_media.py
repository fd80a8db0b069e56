"""Options of the ``[deploy_media]`` group: media Mogan serves to BMCs.

A driver deploying by virtual media (Redfish) hands the BMC a URL for a
medium Mogan builds, the config drive ISO; the API serves it at
``/v1/deploy_media/<token>`` until it expires.
"""

from oslo_config import cfg

group = cfg.OptGroup("deploy_media", title="Deploy media served to BMCs")

opts = [
    cfg.URIOpt(
        "base_url",
        schemes=["http", "https"],
        help=(
            "URL at which BMCs reach Mogan's API (e.g. "
            "http://192.0.2.10:6688), on the network the BMCs are on; media "
            "URLs are built on it. Required when a driver publishes media "
            "(redfish); the all-in-one defaults it to the address it listens "
            "on."
        ),
    ),
    cfg.IntOpt(
        "max_bytes",
        default=64 * 1024 * 1024,
        min=1024,
        help=(
            "Largest medium accepted, in bytes (a config drive ISO is a few "
            "hundred KiB to a few MiB). A bigger one fails the deploy with "
            "an error naming this option. Media are kept in the database: "
            "on MariaDB, max_allowed_packet must be larger."
        ),
    ),
    cfg.FloatOpt(
        "default_ttl",
        default=3600.0,
        min=1.0,
        help=(
            "Seconds a medium stays served when its publisher names no "
            "lifetime. An expired medium answers 404; the engine deletes it "
            "within purge_interval."
        ),
    ),
    cfg.FloatOpt(
        "purge_interval",
        default=60.0,
        min=1.0,
        help="Seconds between the engine's deletions of expired media.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[deploy_media]`` options on ``conf``."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
