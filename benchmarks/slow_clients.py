"""Slow-clients benchmark: normal requests' latency behind trickling connections.

Run from the repository root::

    .venv/bin/python benchmarks/slow_clients.py

What it does, in one run on one machine:

1. Mogan: a fresh ``mogan-all-in-one --demo`` subprocess on a temporary
   state directory, with its defaults (8 API worker threads, 20 s header
   deadline). Two phases of ``--seconds`` (30 s) of normal requests (``GET
   /v1/flavors``, one after another, each on a new connection):

   - ``0`` tricklers: nothing else is connected;
   - ``--tricklers`` (50) tricklers: each connection sends a request line
     and then one header byte a second, and is re-opened whenever the server
     cuts it off, so that many stay open for the whole phase.

   Then ``mogan-api`` alone on the same state directory, the same phases:
   the API without the scheduler and engine beside it, as the peer runs.

2. The peer, when ``cheroot`` is installed (a test dependency):
   the same app on the server Mogan used before, cheroot with the same 8
   threads and backlog (``_slow_clients_cheroot.py``), on the same state
   directory, the same two phases.

Each normal request has a 10 s client timeout; a timed-out request counts
as 10 s in the percentiles. A phase lasts longer than the header deadline,
so Mogan cuts every trickler off at least once (they re-connect). It prints
p50/p99/max per phase and how often the server cut a trickler off, and
exits non-zero when Mogan's p99 with tricklers open is 1 s or more.
"""

import argparse
import contextlib
import math
import pathlib
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator

import httpx

HERE = pathlib.Path(__file__).resolve().parent
CLIENT_TIMEOUT = 10.0
READY_TIMEOUT = 120.0
ACCEPTANCE_P99 = 1.0
WARM_UP = 2.0
REQUEST_HEAD = b"GET /v1/flavors HTTP/1.1\r\nHost: bench\r\nX-Trickle: "


def free_port() -> int:
    """A loopback port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Tricklers:
    """``count`` connections trickling a request's header, a byte per interval.

    Each one re-connects when the server closes it, so ``count`` stay open.
    """

    def __init__(self, port: int, count: int, interval: float) -> None:
        """Open ``count`` trickling connections to ``port``."""
        self.port = port
        self.interval = interval
        self.cut_offs = 0
        self.connected = threading.Semaphore(0)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._trickle, daemon=True) for _ in range(count)
        ]
        for thread in self._threads:
            thread.start()
        for _ in range(count):
            if not self.connected.acquire(timeout=READY_TIMEOUT):
                msg = "tricklers could not connect"
                raise RuntimeError(msg)

    def _trickle(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            except OSError:
                time.sleep(self.interval)
                continue
            with sock:
                sock.sendall(REQUEST_HEAD)
                if first:
                    self.connected.release()
                    first = False
                self._drip(sock)

    def _drip(self, sock: socket.socket) -> None:
        sock.settimeout(self.interval)
        while not self._stop.is_set():
            try:
                sock.send(b"a")
                if not sock.recv(4096):
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        if not self._stop.is_set():
            with self._lock:
                self.cut_offs += 1

    def close(self) -> None:
        """Stop trickling and close every connection."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2 * self.interval + 10)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of already sorted values."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def measure(port: int, seconds: float) -> tuple[list[float], int]:
    """Latencies (s) of sequential GETs for ``seconds``, and how many timed out."""
    latencies: list[float] = []
    timeouts = 0
    # NOTE: one client (its set-up is not the server's cost), no keep-alive:
    # every request opens a new connection, as the tricklers' do.
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}",
        timeout=CLIENT_TIMEOUT,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            begin = time.monotonic()
            try:
                ok = client.get("/v1/flavors").status_code == 200  # noqa: PLR2004
            except httpx.TimeoutException:
                ok = False
            if ok:
                latencies.append(time.monotonic() - begin)
            else:
                timeouts += 1
                latencies.append(CLIENT_TIMEOUT)
    return latencies, timeouts


def row(server: str, tricklers: int, latencies: list[float], timeouts: int) -> str:
    """One line of the results table."""
    ordered = sorted(latencies)
    p50, p99 = percentile(ordered, 0.5), percentile(ordered, 0.99)
    return (
        f"{server:<20} {tricklers:>9} {len(latencies):>8} {timeouts:>8} "
        f"{p50 * 1000:>9.1f} {p99 * 1000:>9.1f} {ordered[-1] * 1000:>9.1f}"
    )


@contextlib.contextmanager
def process(args: list[str], port: int, log: pathlib.Path) -> Iterator[None]:
    """Run ``args`` until its API answers on ``port``; stop it after."""
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            args, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                msg = f"{' '.join(args[1:3])} did not start:\n{tail}"
                raise RuntimeError(msg)
            time.sleep(0.2)
        yield
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def answers(port: int) -> bool:
    """Whether an API on ``port`` lists flavors."""
    try:
        url = f"http://127.0.0.1:{port}/v1/flavors"
        return httpx.get(url, timeout=2).status_code == 200  # noqa: PLR2004
    except httpx.TransportError:
        return False


def run_phases(
    name: str, port: int, args: argparse.Namespace
) -> tuple[list[str], float]:
    """Both phases against the server on ``port``: table rows, p99 with tricklers."""
    measure(port, WARM_UP)  # NOTE: not reported
    latencies, timeouts = measure(port, args.seconds)
    rows = [row(name, 0, latencies, timeouts)]
    pool = Tricklers(port, args.tricklers, args.interval)
    try:
        latencies, timeouts = measure(port, args.seconds)
    finally:
        pool.close()
    rows.append(
        row(name, args.tricklers, latencies, timeouts)
        + f"   (cut-offs: {pool.cut_offs})"
    )
    return rows, percentile(sorted(latencies), 0.99)


def main() -> int:
    """Run the benchmark; 1 when Mogan misses the acceptance figure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tricklers", type=int, default=50)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()

    state = pathlib.Path(tempfile.mkdtemp(prefix="mogan-slow-clients-"))
    conf = state / "mogan.conf"
    conf.write_text(
        f"[DEFAULT]\nstate_path = {state}\ntransport_url = fake://\n"
        "[api]\nhost_ip = 127.0.0.1\nauth_strategy = noauth\n"
    )
    rows: list[str] = []
    try:
        port = free_port()
        aio = [sys.executable, "-m", "mogan.cmd.all_in_one", "--demo"]
        aio += ["--state-dir", str(state), "--port", str(port)]
        with process(aio, port, state / "all-in-one.log"):
            aio_rows, mogan_p99 = run_phases("mogan-all-in-one", port, args)
        rows += aio_rows
        port = free_port()
        api = [sys.executable, "-m", "mogan.cmd.api", "--config-file", str(conf)]
        # NOTE: oslo.config reads the port from the file only.
        conf.write_text(conf.read_text() + f"port = {port}\n")
        with process(api, port, state / "api.log"):
            rows += run_phases("mogan-api", port, args)[0]
        try:
            import cheroot  # noqa: F401, PLC0415 - only the peer needs it
        except ImportError:
            rows.append("peer skipped: cheroot is not installed (.[test])")
        else:
            port = free_port()
            peer = [sys.executable, str(HERE / "_slow_clients_cheroot.py")]
            peer += [str(state), str(port)]
            with process(peer, port, state / "cheroot.log"):
                rows += run_phases("peer: cheroot", port, args)[0]
    finally:
        shutil.rmtree(state, ignore_errors=True)

    print(
        f"Machine: {platform.machine()}, Python {platform.python_version()}; "
        f"sequential GET /v1/flavors for {args.seconds:g} s per phase, a new "
        f"connection each, {CLIENT_TIMEOUT:g} s client timeout; tricklers send "
        f"a header byte every {args.interval:g} s"
    )
    print(
        f"{'server':<20} {'tricklers':>9} {'requests':>8} {'timeouts':>8} "
        f"{'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}"
    )
    for line in rows:
        print(line)
    if mogan_p99 >= ACCEPTANCE_P99:
        print(f"FAIL: Mogan's p99 with tricklers is {mogan_p99:.3f} s (>= 1 s)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
