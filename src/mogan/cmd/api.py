"""``mogan-api``: serve the REST API (``[api] host_ip``/``port``)."""

import logging
import sys

from mogan.api import app as api_app
from mogan.cmd import common, wsgi_server

LOG = logging.getLogger(__name__)
PROG = "mogan-api"


def main(argv: list[str] | None = None) -> int:
    """Serve the API until stopped; 1 (and one line on stderr) if it cannot start."""
    conf = common.parse(argv)
    common.setup_logging()
    try:
        sock = wsgi_server.bind(conf.api.host_ip, conf.api.port)
    except wsgi_server.ListenError as err:
        return common.fail(PROG, str(err))
    try:
        app = api_app.create_app(conf)
    except ValueError as err:
        # NOTE: a configuration the app refuses (an unreadable or non-bcrypt
        # htpasswd file): the operator needs the reason, not a traceback.
        sock.close()
        return common.fail(PROG, str(err))
    server = wsgi_server.Server(app, sock, wsgi_server.Limits.from_conf(conf))
    host, port = server.address
    LOG.info("mogan-api listening on http://%s:%s/", host, port)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
