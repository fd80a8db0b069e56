"""Options of the ``[database]`` group."""

from oslo_config import cfg

group = cfg.OptGroup("database", title="Database options")

opts = [
    cfg.StrOpt(
        "connection",
        secret=True,
        help=(
            "SQLAlchemy URL of the Mogan database, e.g. "
            "postgresql+psycopg://mogan:secret@db/mogan or "
            "mysql+pymysql://mogan:secret@db/mogan. When unset, an SQLite file "
            "``mogan.sqlite`` in ``state_path`` is used."
        ),
    ),
    cfg.BoolOpt(
        "connection_debug",
        default=False,
        help="Log every SQL statement (very verbose).",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[database]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
