"""The real OpenStack Placement, embedded: its WSGI app on a private config.

Placement keeps its own SQLite database (``placement.sqlite`` in the state
dir) and runs with ``noauth2`` (the token ``admin`` acts as admin). The
all-in-one and the tests reach it in-process; other processes reach it over
HTTP where the all-in-one serves it (``/placement`` prefix is not used:
it gets its own loopback port).
"""

import pathlib
from typing import Any

from oslo_config import cfg


def make_app(state_path: str, connection: str | None = None) -> Any:
    """A Placement WSGI app with its database migrated.

    Args:
        state_path: directory for ``placement.sqlite``.
        connection: a database URL instead of the SQLite file.

    Returns:
        The WSGI application.
    """
    # NOTE: imported lazily: only processes that embed Placement pay for it.
    import placement.conf  # noqa: PLC0415
    import placement.db_api  # noqa: PLC0415
    import placement.deploy  # noqa: PLC0415

    url = connection or f"sqlite:///{pathlib.Path(state_path) / 'placement.sqlite'}"
    conf = cfg.ConfigOpts()
    placement.conf.register_opts(conf)
    conf.set_default("connection", url, group="placement_database")
    conf([], project="placement", default_config_files=[], default_config_dirs=[])
    conf.set_override("auth_strategy", "noauth2", group="api")
    conf.set_override("sync_on_startup", True, group="placement_database")
    placement.db_api.configure(conf)
    return placement.deploy.loadapp(conf)
