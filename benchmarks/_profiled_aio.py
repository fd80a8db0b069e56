"""``mogan-all-in-one`` under yappi (CPU clock, every thread), for ``--profile``.

Run as ``python benchmarks/_profiled_aio.py OUT.pstat <all-in-one args>``:
SIGUSR1 clears the statistics and starts profiling; SIGUSR2 stops and saves
them to OUT.pstat (``pstats`` format). Needs ``pip install yappi`` (not a
dependency of Mogan's).
"""

import signal
import sys
from typing import Any

import yappi

from mogan.cmd import all_in_one


def main() -> int:
    """Serve as the all-in-one does, profiled between the two signals."""
    out, argv = sys.argv[1], sys.argv[2:]
    yappi.set_clock_type("cpu")

    def begin(*_: Any) -> None:
        yappi.clear_stats()
        yappi.start(builtins=False, profile_threads=True)

    def end(*_: Any) -> None:
        yappi.stop()
        yappi.get_func_stats().save(out, type="pstat")

    signal.signal(signal.SIGUSR1, begin)
    signal.signal(signal.SIGUSR2, end)
    return all_in_one.main(argv)


if __name__ == "__main__":
    sys.exit(main())
