"""Serving a WSGI app with cheroot (a production-grade threaded server)."""

import logging
import signal
import threading
from typing import Any

from cheroot import wsgi

LOG = logging.getLogger(__name__)
# NOTE: connections waiting for a free thread; cheroot's default of 5 resets
# bursts of clients (50 concurrent creates) instead of queueing them.
BACKLOG = 1024


def make_server(app: Any, host: str, port: int, threads: int) -> wsgi.Server:
    """A cheroot server for ``app`` (not yet started)."""
    return wsgi.Server(
        (host, port),
        app,
        numthreads=threads,
        server_name="mogan-api",
        request_queue_size=BACKLOG,
    )


def serve_forever(server: wsgi.Server, prepared: bool = False) -> None:
    """Serve until SIGINT or SIGTERM (``prepared``: already bound)."""

    def _stop(signum: int, _frame: object) -> None:
        LOG.info("Signal %s received, stopping", signum)
        threading.Thread(target=server.stop, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if prepared:
        server.serve()
    else:
        server.safe_start()
