"""WSGI entry point for uWSGI or gunicorn: ``mogan.cmd.wsgi:application``.

The configuration file comes from ``MOGAN_CONFIG_FILE`` (default
``/etc/mogan/mogan.conf``).
"""

import os
import pathlib
from typing import Any

from mogan.api import app as api_app
from mogan.cmd import common


def init_application() -> Any:
    """Build the API application from the configured file."""
    path = pathlib.Path(os.environ.get("MOGAN_CONFIG_FILE", "/etc/mogan/mogan.conf"))
    conf = common.parse(["--config-file", str(path)] if path.exists() else [])
    return api_app.create_app(conf)


def __getattr__(name: str) -> Any:
    # NOTE: built on first access so importing this module has no side effects.
    if name == "application":
        return init_application()
    raise AttributeError(name)
