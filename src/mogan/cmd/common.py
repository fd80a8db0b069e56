"""Start-up helpers shared by the process entry points."""

import logging
import sys

from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan import context as mogan_context
from mogan.db import session as db_session


def parse(
    argv: list[str] | None,
    cli_opts: list[cfg.Opt] | None = None,
    overrides: dict[str, dict[str, object]] | None = None,
) -> cfg.ConfigOpts:
    """Parse ``argv`` (default: ``sys.argv[1:]``) into Mogan's configuration.

    Files given with ``--config-file`` are read; with none, the defaults
    (``/etc/mogan/mogan.conf`` when it exists) apply. ``overrides`` change
    option *defaults*, so a configuration file still wins over them.
    """
    conf = cfg.ConfigOpts()
    mogan_conf.register_opts(conf)
    if cli_opts:
        conf.register_cli_opts(cli_opts)
    for group, values in (overrides or {}).items():
        for name, value in values.items():
            conf.set_default(name, value, None if group == "DEFAULT" else group)
    conf(
        args=sys.argv[1:] if argv is None else argv,
        project="mogan",
    )
    return conf


class _RequestIdDefault(logging.Filter):
    """Give records made outside any request ``request_id = "-"``."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Default the attribute; never drop a record."""
        if not hasattr(record, "request_id"):
            record.request_id = "-"
        return True


def setup_logging(debug: bool = False) -> None:
    """Log to stderr at INFO (DEBUG with ``debug``), each line with its request id.

    The request id is the one of the API request the work belongs to, also
    in the engine and the scheduler (see ``mogan.context.bound``).
    """
    mogan_context.install_log_record_factory()
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RequestIdDefault())
    if not debug:
        # NOTE: one line per Placement request drowns what matters.
        for chatty in ("httpx", "placement.requestlog", "alembic.runtime.migration"):
            logging.getLogger(chatty).setLevel(logging.WARNING)


def database(conf: cfg.ConfigOpts) -> db_session.Database:
    """The database configured in ``conf``."""
    return db_session.Database.from_conf(conf)


def run_rpc_server(conf: cfg.ConfigOpts, topic: str, endpoints: list[object]) -> None:
    """Serve ``topic`` with ``endpoints`` until interrupted."""
    # NOTE: imported here so processes that serve no RPC never load the bus.
    import threading  # noqa: PLC0415

    from mogan import rpc  # noqa: PLC0415

    server = rpc.server(conf, topic, endpoints)
    server.start()
    logging.getLogger(__name__).info("%s serving topic %s", conf.host, topic)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        server.wait()


def fail(prog: str, message: str) -> int:
    """Say why ``prog`` cannot start, on one line of stderr; the exit code."""
    sys.stderr.write(f"{prog}: {message}\n")
    sys.stderr.flush()
    return 1
