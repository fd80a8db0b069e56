"""Run sushy-tools' emulator with the team's plugin: ``python -m emulator``.

Takes sushy-tools' own arguments (``--config FILE``, ``-i``, ``-p``,
``--fake``, ...): the plugin is installed on its app, then its ``main()``
runs as the ``sushy-emulator`` command would.
"""

import logging
import sys

from sushy_tools.emulator import main as emulator_main

from . import plugin


def run() -> int:
    """Install the plugin and serve until terminated."""
    # NOTE: werkzeug logs every request at INFO; the Gate keeps a log the
    # tests can read instead.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    plugin.install(emulator_main.app)
    return int(emulator_main.main() or 0)


if __name__ == "__main__":
    sys.exit(run())
