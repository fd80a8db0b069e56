"""``mogan-engine``: serve the engine's RPC topic."""

import signal
import sys
import threading

from mogan.cmd import common
from mogan.engine import deploy_media, service


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    conf = common.parse(argv)
    common.setup_logging()
    # NOTE: SIGTERM (what service managers send) stops like Ctrl-C, so the
    # engine hands its leases and node locks back instead of leaving them
    # to run out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    database = common.database(conf)
    # NOTE(#12): deploy media (config drive ISOs) for drivers that publish them.
    engine = service.EngineService(
        conf, database, media=deploy_media.from_conf(conf, database)
    )
    engine.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        engine.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
