"""Serve the real Placement on a loopback port: the child process's program.

``tests.keystone.placement`` runs this file as a script with the
interpreter of Mogan's venv (where openstack-placement and cheroot are
installed)::

    python placement_server.py CONFIG_DIR PORT

Placement reads ``CONFIG_DIR/placement.conf`` through
``OS_PLACEMENT_CONFIG_DIR``, as its own WSGI entry point does, and builds
its app with ``placement.wsgi.init_application`` (logging, database,
keystonemiddleware and its policy, all from that file). SIGTERM ends it.

What must not live here: anything of Mogan or of the tests (this runs
outside the test process, with none of it imported).
"""

import os
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from cheroot import wsgi

USAGE = "usage: placement_server.py CONFIG_DIR PORT"
ARGS = 3


class OneAtATime:
    """Runs one request at a time through Placement on SQLite.

    SQLite has one writer: two Placement transactions that both read and
    then write fail with "database is locked" (a 500) instead of waiting.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        """Wrap ``app``."""
        self.app = app
        self.lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> list[bytes]:
        """Run the request and read its whole body under the lock."""
        with self.lock:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()


def main(argv: list[str]) -> int:
    """Serve Placement from ``argv``'s configuration directory until killed."""
    if len(argv) != ARGS:
        print(USAGE, file=sys.stderr)  # noqa: T201 - a script's usage line
        return 2
    config_dir, port = argv[1], int(argv[2])
    os.environ["OS_PLACEMENT_CONFIG_DIR"] = config_dir
    # NOTE: imported only once the directory is set (Placement reads it then).
    from placement import wsgi as placement_wsgi  # noqa: PLC0415

    app = placement_wsgi.init_application()
    server = wsgi.Server(("127.0.0.1", port), OneAtATime(app), numthreads=4)
    server.safe_start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
