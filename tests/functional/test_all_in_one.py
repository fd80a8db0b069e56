"""``mogan-all-in-one`` as a real process: no config file, --demo, clean stop."""

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from mogan.db import session as db_session
from mogan.drivers import fake
from mogan.engine import deploy_media

READY_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(state_dir: pathlib.Path, port: int) -> tuple[subprocess.Popen[str], str]:
    script = pathlib.Path(sys.executable).parent / "mogan-all-in-one"
    proc = subprocess.Popen(
        [str(script), "--demo", "--port", str(port), "--state-dir", str(state_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + READY_TIMEOUT
    banner = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner.append(line)
        if "mogan flavor show" in line:
            return proc, "".join(banner)
    proc.kill()
    proc.wait()
    proc.stdout.close()
    pytest.fail(f"all-in-one did not become ready: {''.join(banner)}")


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    if proc.stdout is not None:
        proc.stdout.close()
    return code


@pytest.fixture
def state_dir(tmp_path):
    """An empty state directory."""
    return tmp_path / "state"


class TestAllInOne:
    def test_demo_serves_flavors_and_fleet(self, state_dir):
        """--demo enrolls 8 fake nodes in two classes and serves their flavors."""
        port = _free_port()
        proc, banner = _start(state_dir, port)
        try:
            assert f"http://127.0.0.1:{port}" in banner
            assert "export OS_ENDPOINT=" in banner
            # NOTE: the README's quickstart creates demo-key; a suggestion
            # that makes it first turns the quickstart into a conflict.
            assert "keypair create" not in banner
            resp = httpx.get(f"http://127.0.0.1:{port}/v1/flavors", timeout=10)
            names = sorted(f["name"] for f in resp.json()["flavors"])
            assert names == ["bm.gold", "bm.silver"]
            root = httpx.get(f"http://127.0.0.1:{port}/", timeout=10).json()
            assert root["versions"][0]["id"] == "v1"
        finally:
            assert _stop(proc) == 0
        fleet = fake.FakeDriver(str(state_dir)).list_nodes()
        classes = {n.resource_class for n in fleet}
        assert len(fleet) >= 8
        assert len(classes) == 2

    def test_restart_keeps_state_and_demo_is_idempotent(self, state_dir):
        """A second start finds the same flavors and enrolls nothing new."""
        port = _free_port()
        proc, _ = _start(state_dir, port)
        httpx.post(
            f"http://127.0.0.1:{port}/v1/keypairs", json={"name": "kept"}, timeout=10
        )
        assert _stop(proc) == 0
        proc, banner = _start(state_dir, port)
        try:
            assert "Demo: 0 new fake nodes" in banner
            flavors = httpx.get(
                f"http://127.0.0.1:{port}/v1/flavors", timeout=10
            ).json()
            assert len(flavors["flavors"]) == 2
            keypairs = httpx.get(
                f"http://127.0.0.1:{port}/v1/keypairs", timeout=10
            ).json()
            assert [k["name"] for k in keypairs["keypairs"]] == ["kept"]
        finally:
            assert _stop(proc) == 0

    def test_serves_deploy_media_over_http_in_ranges(self, state_dir):
        """A medium in the all-in-one's database is served over a real socket."""
        port = _free_port()
        proc, _ = _start(state_dir, port)
        base = f"http://127.0.0.1:{port}"
        database = db_session.Database.from_url(
            f"sqlite:///{state_dir.resolve() / 'mogan.sqlite'}"
        )
        try:
            store = deploy_media.DbMediaStore(database, base, 8 * 1024 * 1024, 60)
            data = os.urandom(3 * 1024 * 1024 + 17)
            url = store.publish("node-1/config-drive", data, 60)
            with httpx.Client(timeout=30) as bmc:
                assert bmc.get(url).content == data
                part = bmc.get(url, headers={"Range": "bytes=1048000-1050047"})
                assert part.status_code == 206
                assert part.content == data[1048000:1050048]
                head = bmc.head(url)
                assert head.headers["Content-Length"] == str(len(data))
                store.withdraw("node-1/config-drive")
                assert bmc.get(url).status_code == 404
        finally:
            database.dispose()
            assert _stop(proc) == 0
