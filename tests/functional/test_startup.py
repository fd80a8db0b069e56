"""Process start-up as an operator sees it: the console scripts as subprocesses.

A process that cannot start says why on one line of stderr and exits 1,
having started nothing (no traceback); no stray library warning is printed
on start or on ``--help``.
"""

import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

BIN = pathlib.Path(sys.executable).parent
SCRIPTS = [
    "mogan-api",
    "mogan-all-in-one",
    "mogan-engine",
    "mogan-scheduler",
    "mogan-dbsync",
]
RUN_TIMEOUT = 60
READY_TIMEOUT = 60
CLIENT_TIMEOUT = 10
API_WORKERS = 2


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def _one_line_failure(result: subprocess.CompletedProcess[str], prog: str) -> str:
    """The single stderr line of a failed start (asserted to be just that)."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{prog}: "), result.stderr
    return lines[0]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port another socket is listening on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def _conf(tmp_path: pathlib.Path, port: int, **api: str) -> str:
    lines = [
        "[DEFAULT]",
        f"state_path = {tmp_path}",
        "transport_url = fake://",
        "[api]",
        "host_ip = 127.0.0.1",
        f"port = {port}",
        *(f"{key} = {value}" for key, value in api.items()),
    ]
    path = tmp_path / "mogan.conf"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiProcess:
    """A running mogan-api (noauth, few workers) on a free loopback port."""

    def __init__(self, tmp_path: pathlib.Path) -> None:
        """Start it and wait until it answers."""
        self.port = _free_port()
        conf = _conf(
            tmp_path, self.port, auth_strategy="noauth", api_workers=str(API_WORKERS)
        )
        self.proc = subprocess.Popen(
            [str(BIN / "mogan-api"), "--config-file", conf],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            assert self.proc.poll() is None, "mogan-api exited"
            assert time.monotonic() < deadline, "mogan-api never answered"
            time.sleep(0.2)

    def _answers(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/"
            return httpx.get(url, timeout=2).is_success
        except httpx.TransportError:
            return False

    def stop(self) -> str:
        """SIGTERM it; its stderr (asserting it exited 0)."""
        self.proc.send_signal(signal.SIGTERM)
        _, stderr = self.proc.communicate(timeout=RUN_TIMEOUT)
        assert self.proc.returncode == 0, stderr
        return str(stderr)

    def kill(self) -> None:
        """Kill it if still running."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def api_process(tmp_path) -> Iterator[ApiProcess]:
    """mogan-api running; killed at teardown if the test did not stop it."""
    proc = ApiProcess(tmp_path)
    try:
        yield proc
    finally:
        proc.kill()


class TestPortTaken:
    def test_all_in_one_says_so_and_starts_nothing(self, tmp_path, taken_port):
        """A taken port: one line, exit 1, before the state dir is even made."""
        state = tmp_path / "state"
        result = _run(
            "mogan-all-in-one", "--port", str(taken_port), "--state-dir", str(state)
        )
        line = _one_line_failure(result, "mogan-all-in-one")
        assert line == (
            f"mogan-all-in-one: cannot listen on 127.0.0.1:{taken_port}: "
            "address already in use"
        )
        assert not state.exists()

    def test_api_says_so(self, tmp_path, taken_port):
        """mogan-api on a taken [api] port: one line, exit 1."""
        result = _run("mogan-api", "--config-file", _conf(tmp_path, taken_port))
        line = _one_line_failure(result, "mogan-api")
        assert line.endswith(f"127.0.0.1:{taken_port}: address already in use")


class TestBadHtpasswd:
    @pytest.mark.parametrize("script", ["mogan-api", "mogan-all-in-one"])
    def test_non_bcrypt_entry(self, tmp_path, script):
        """An htpasswd entry that is not bcrypt: one line naming the file, exit 1."""
        htpasswd = tmp_path / "htpasswd"
        htpasswd.write_text("alice:$apr1$salt$0123456789abcdefghijkl\n")
        port = _free_port()
        conf = _conf(
            tmp_path,
            port,
            auth_strategy="http_basic",
            http_basic_auth_user_file=str(htpasswd),
        )
        args = ["--config-file", conf]
        if script == "mogan-all-in-one":
            args += ["--port", str(port), "--state-dir", str(tmp_path / "state")]
        line = _one_line_failure(_run(script, *args), script)
        assert f"{htpasswd}:1: only bcrypt entries" in line
        # NOTE: the port was let go: nothing kept listening.
        with socket.socket() as again:
            again.bind(("127.0.0.1", port))

    def test_unreadable_file(self, tmp_path):
        """A missing htpasswd file: one line naming it, exit 1."""
        missing = tmp_path / "no-such-htpasswd"
        conf = _conf(
            tmp_path,
            _free_port(),
            auth_strategy="http_basic",
            http_basic_auth_user_file=str(missing),
        )
        line = _one_line_failure(_run("mogan-api", "--config-file", conf), "mogan-api")
        assert f"cannot read the http_basic_auth_user_file {missing}" in line


class TestNoStrayWarnings:
    @pytest.mark.parametrize("script", SCRIPTS)
    def test_help_prints_only_help(self, script):
        """--help writes usage to stdout and nothing at all to stderr."""
        result = _run(script, "--help")
        assert result.returncode == 0
        assert result.stdout.startswith(f"usage: {script}")
        assert result.stderr == ""

    def test_api_start_and_stop_log_no_warning(self, api_process):
        """A normal start and SIGTERM stop of mogan-api log no warning."""
        stderr = api_process.stop()
        assert "mogan-api listening on" in stderr
        assert "warning" not in stderr.lower(), stderr
        assert "Traceback" not in stderr


class TestApiProcess:
    def test_answers_behind_more_tricklers_than_workers(self, api_process):
        """The real mogan-api answers while 3x api_workers connections trickle."""
        tricklers = []
        try:
            for _ in range(3 * API_WORKERS):
                sock = socket.create_connection(("127.0.0.1", api_process.port))
                tricklers.append(sock)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a")
            for _ in range(3):
                for sock in tricklers:
                    sock.sendall(b"a")
                resp = httpx.get(
                    f"http://127.0.0.1:{api_process.port}/", timeout=CLIENT_TIMEOUT
                )
                assert resp.status_code == 200
        finally:
            for sock in tricklers:
                sock.close()
        api_process.stop()
