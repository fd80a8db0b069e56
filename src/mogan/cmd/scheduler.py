"""``mogan-scheduler``: serve the scheduler's RPC topic."""

import signal
import sys

from mogan import rpc
from mogan.cmd import common
from mogan.scheduler import manager


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    conf = common.parse(argv)
    common.setup_logging()
    # NOTE: SIGTERM stops like Ctrl-C: the RPC server stops cleanly.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    common.run_rpc_server(
        conf,
        rpc.SCHEDULER_TOPIC,
        [manager.SchedulerManager(conf, database=common.database(conf))],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
