"""The peer of ``slow_clients.py``: Mogan's API on its former server, cheroot.

Serves the same app on the same SQLite state directory the way
``mogan.cmd.wsgi_server`` did before waitress (cheroot, ``api_workers``
threads, backlog 1024, cheroot's own timeouts), API only::

    .venv/bin/python benchmarks/_slow_clients_cheroot.py STATE_DIR PORT

Needs ``cheroot`` (a test dependency). Stops on SIGINT/SIGTERM.
"""

import signal
import sys
import threading

from cheroot import wsgi

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.cmd import common

BACKLOG = 1024


def main() -> None:
    """Serve until a signal."""
    state_dir, port = sys.argv[1], int(sys.argv[2])
    # NOTE: logs as mogan-api does (one line per request), for a fair peer.
    common.setup_logging()
    conf = mogan_conf.make_conf(
        overrides={
            "DEFAULT": {"state_path": state_dir, "transport_url": "fake://"},
            "api": {"auth_strategy": "noauth"},
        }
    )
    server = wsgi.Server(
        ("127.0.0.1", port),
        api_app.create_app(conf),
        numthreads=conf.api.api_workers,
        server_name="mogan-api",
        request_queue_size=BACKLOG,
    )

    def _stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server.prepare()
    server.serve()


if __name__ == "__main__":
    main()
