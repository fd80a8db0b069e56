"""``mogan-scheduler``: serve the scheduler's RPC topic."""

import sys

from mogan import rpc
from mogan.cmd import common
from mogan.scheduler import manager


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGINT/SIGTERM."""
    conf = common.parse(argv)
    common.setup_logging()
    common.run_rpc_server(
        conf,
        rpc.SCHEDULER_TOPIC,
        [manager.SchedulerManager(conf, database=common.database(conf))],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
