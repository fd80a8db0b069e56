"""``mogan-all-in-one``: API, scheduler and engine in one process.

Runs with no configuration file on the embedded defaults: SQLite in the
state directory, the in-process message bus, ``noauth`` on loopback and the
fake driver. ``--demo`` enrolls a fake fleet and flavors for it.
"""

import logging
import pathlib
import socket
import sys

from oslo_config import cfg

from mogan import context as mogan_context
from mogan import rpc
from mogan.api import app as api_app
from mogan.cmd import common, demo, wsgi_server
from mogan.db import migration
from mogan.engine import deploy_media
from mogan.engine import service as engine_service
from mogan.scheduler import manager as scheduler_manager

LOG = logging.getLogger(__name__)
PROG = "mogan-all-in-one"

DEFAULT_STATE_DIR = str(pathlib.Path.home() / ".local" / "share" / "mogan")

CLI_OPTS = [
    cfg.StrOpt(
        "host",
        positional=False,
        dest="listen_host",
        default="127.0.0.1",
        help="Address to listen on (noauth trusts headers: keep it local).",
    ),
    cfg.PortOpt("port", dest="listen_port", default=6688, help="Port to listen on."),
    cfg.StrOpt(
        "state-dir",
        dest="state_dir",
        default=DEFAULT_STATE_DIR,
        help="Directory for the SQLite database and the fake fleet.",
    ),
    cfg.BoolOpt(
        "demo",
        default=False,
        help="Enroll a fake fleet (8 nodes, 2 resource classes) and its flavors.",
    ),
]

EMBEDDED_DEFAULTS: dict[str, dict[str, object]] = {
    "DEFAULT": {"transport_url": rpc.EMBEDDED_TRANSPORT_URL},
    "api": {"auth_strategy": "noauth"},
    "placement": {"embedded": True},
}


def _banner(endpoint: str, demo_flavors: list[str] | None, nodes: int) -> str:
    lines = [
        f"Mogan all-in-one is serving {endpoint}",
        "",
        "Try it (in another shell, with the same virtualenv active):",
        f"  export OS_ENDPOINT={endpoint}",
        "  mogan flavor list",
        "  mogan availability zone list",
        "  mogan server list",
    ]
    if demo_flavors:
        lines.insert(
            1,
            f"Demo: {nodes} new fake nodes, flavors {', '.join(demo_flavors)}, "
            f"image {demo.DEMO_IMAGE}, network {demo.DEMO_NETWORK}",
        )
        lines.append(f"  mogan flavor show {demo_flavors[0]}")
    return "\n".join(lines) + "\n"


def media_base_url(host: str, port: int) -> str:
    """Where BMCs reach an API listening on ``host:port``.

    A wildcard address is no destination: the host's name stands for it.
    """
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - compared, not bound
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def main(argv: list[str] | None = None) -> int:
    """Migrate, optionally seed the demo, and serve until stopped.

    The address is bound and the application built before anything starts,
    so a taken port or a bad htpasswd file ends the process with one line on
    stderr and exit code 1.
    """
    conf = common.parse(argv, cli_opts=CLI_OPTS, overrides=EMBEDDED_DEFAULTS)
    common.setup_logging()
    try:
        sock = wsgi_server.bind(conf.listen_host, conf.listen_port)
    except wsgi_server.ListenError as err:
        return common.fail(PROG, str(err))
    state_dir = str(pathlib.Path(conf.state_dir).expanduser().resolve())
    pathlib.Path(state_dir).mkdir(parents=True, exist_ok=True)
    conf.set_override("state_path", state_dir)
    db = common.database(conf)
    migration.upgrade(db.engine)
    try:
        app = api_app.create_app(conf, db)
    except ValueError as err:
        # NOTE: a configuration the app refuses (an unreadable or non-bcrypt
        # htpasswd file): the operator needs the reason, not a traceback.
        sock.close()
        db.dispose()
        return common.fail(PROG, str(err))

    new_nodes, flavors = 0, None
    if conf.demo:
        ctx = mogan_context.RequestContext(
            user_id="admin", project_id="admin", roles=["admin"], db=db
        )
        new_nodes, flavors = demo.enroll(ctx, state_dir)

    web = wsgi_server.Server(app, sock, wsgi_server.Limits.from_conf(conf))
    scheduler = rpc.server(
        conf,
        rpc.SCHEDULER_TOPIC,
        [scheduler_manager.SchedulerManager(conf, database=db)],
    )
    scheduler.start()
    host, port = web.address
    endpoint = f"http://{host}:{port}"
    # NOTE(#12): BMCs fetch deploy media from this API; unless told
    # otherwise, at the address it listens on.
    if not conf.deploy_media.base_url:
        conf.set_override("base_url", media_base_url(host, port), "deploy_media")
    engine = engine_service.EngineService(
        conf, db, media=deploy_media.from_conf(conf, db)
    )
    engine.start()
    sys.stdout.write(_banner(endpoint, flavors, new_nodes))
    sys.stdout.flush()
    try:
        web.serve_forever()
    finally:
        engine.stop()
        scheduler.stop()
        scheduler.wait()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
