"""``mogan-all-in-one``: API, scheduler and engine in one process.

Runs with no configuration file on the embedded defaults: SQLite in the
state directory, the in-process message bus, ``noauth`` on loopback and the
fake driver. ``--demo`` enrolls a fake fleet and flavors for it.
"""

import logging
import pathlib
import sys

from oslo_config import cfg

from mogan import context as mogan_context
from mogan import rpc
from mogan.api import app as api_app
from mogan.cmd import common, demo, wsgi_server
from mogan.db import migration
from mogan.engine import service as engine_service
from mogan.scheduler import manager as scheduler_manager

LOG = logging.getLogger(__name__)

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
        "  mogan keypair create demo-key",
        "  mogan availability zone list",
    ]
    if demo_flavors:
        lines.insert(
            1,
            f"Demo: {nodes} new fake nodes, flavors {', '.join(demo_flavors)}, "
            f"image {demo.DEMO_IMAGE}, network {demo.DEMO_NETWORK}",
        )
        lines.append(f"  mogan flavor show {demo_flavors[0]}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Migrate, optionally seed the demo, and serve until stopped."""
    conf = common.parse(argv, cli_opts=CLI_OPTS, overrides=EMBEDDED_DEFAULTS)
    common.setup_logging()
    state_dir = str(pathlib.Path(conf.state_dir).expanduser().resolve())
    pathlib.Path(state_dir).mkdir(parents=True, exist_ok=True)
    conf.set_override("state_path", state_dir)
    db = common.database(conf)
    migration.upgrade(db.engine)

    new_nodes, flavors = 0, None
    if conf.demo:
        ctx = mogan_context.RequestContext(
            user_id="admin", project_id="admin", roles=["admin"], db=db
        )
        new_nodes, flavors = demo.enroll(ctx, state_dir)

    scheduler = rpc.server(
        conf,
        rpc.SCHEDULER_TOPIC,
        [scheduler_manager.SchedulerManager(conf, database=db)],
    )
    scheduler.start()
    engine = engine_service.EngineService(conf, db)
    engine.start()
    web = wsgi_server.make_server(
        api_app.create_app(conf, db),
        conf.listen_host,
        conf.listen_port,
        conf.api.api_workers,
    )
    web.prepare()
    host, port = web.bind_addr[:2]
    endpoint = f"http://{host}:{port}"
    sys.stdout.write(_banner(endpoint, flavors, new_nodes))
    sys.stdout.flush()
    try:
        wsgi_server.serve_forever(web, prepared=True)
    finally:
        engine.stop()
        scheduler.stop()
        scheduler.wait()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
