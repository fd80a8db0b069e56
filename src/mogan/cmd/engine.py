"""``mogan-engine``: serve the engine's RPC topic."""

import sys
import threading

from mogan.cmd import common
from mogan.engine import service


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    conf = common.parse(argv)
    common.setup_logging()
    engine = service.EngineService(conf, common.database(conf))
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
