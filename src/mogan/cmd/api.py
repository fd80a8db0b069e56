"""``mogan-api``: serve the REST API (``[api] host_ip``/``port``)."""

import logging
import sys

from mogan.api import app as api_app
from mogan.cmd import common, wsgi_server

LOG = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    """Serve the API until stopped."""
    conf = common.parse(argv)
    common.setup_logging()
    server = wsgi_server.make_server(
        api_app.create_app(conf), conf.api.host_ip, conf.api.port, conf.api.api_workers
    )
    LOG.info("mogan-api listening on http://%s:%s/", conf.api.host_ip, conf.api.port)
    wsgi_server.serve_forever(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
