"""The separate processes: mogan-api, mogan-engine and mogan-scheduler.

The engine and scheduler answer RPC over the in-process bus and, in the
services tier, over a real RabbitMQ between OS processes.
"""

import contextlib
import pathlib
import socket
import subprocess
import sys
import time
import uuid

import httpx
import oslo_messaging
import pytest

from mogan import conf as mogan_conf
from mogan import rpc
from mogan.engine import manager as engine_manager
from mogan.engine import rpcapi as engine_rpcapi
from mogan.scheduler import manager as scheduler_manager
from mogan.scheduler import rpcapi as scheduler_rpcapi
from tests.conftest import unavailable

BIN = pathlib.Path(sys.executable).parent
RABBIT_URL = "rabbit://guest:guest@127.0.0.1:5672/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_conf(
    path: pathlib.Path, host: str, transport_url: str, extra: str = ""
) -> str:
    path.write_text(
        f"[DEFAULT]\nhost = {host}\ntransport_url = {transport_url}\n"
        f"state_path = {path.parent}\n{extra}"
    )
    return str(path)


class TestInProcessRPC:
    def test_engine_and_scheduler_answer_ping(self):
        """Both managers answer over the in-process bus with their host name."""
        conf = mogan_conf.make_conf(
            overrides={"DEFAULT": {"transport_url": "fake://", "host": "aio-host"}}
        )
        servers = [
            rpc.server(conf, rpc.ENGINE_TOPIC, [engine_manager.EngineManager(conf)]),
            rpc.server(
                conf, rpc.SCHEDULER_TOPIC, [scheduler_manager.SchedulerManager(conf)]
            ),
        ]
        for s in servers:
            s.start()
        try:
            assert engine_rpcapi.EngineAPI(conf).ping({}) == "aio-host"
            assert scheduler_rpcapi.SchedulerAPI(conf).ping({}) == "aio-host"
        finally:
            for s in servers:
                s.stop()
                s.wait()


@pytest.mark.services
class TestRabbitMQProcesses:
    def test_engine_and_scheduler_processes_answer_over_rabbitmq(self, tmp_path):
        """mogan-engine and mogan-scheduler processes answer RPC over RabbitMQ."""
        try:
            socket.create_connection(("127.0.0.1", 5672), timeout=2).close()
        except OSError as err:
            unavailable("RabbitMQ", err)
        host = f"ci-{uuid.uuid4().hex[:8]}"
        cfg_file = _write_conf(
            tmp_path / "mogan.conf",
            host,
            RABBIT_URL,
            # NOTE: both processes open the same embedded Placement database.
            "[placement]\nembedded = true\n",
        )
        subprocess.run(
            [str(BIN / "mogan-dbsync"), "--config-file", cfg_file, "upgrade"],
            check=True,
            capture_output=True,
        )
        procs = [
            subprocess.Popen(
                [str(BIN / name), "--config-file", cfg_file],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name in ("mogan-engine", "mogan-scheduler")
        ]
        try:
            conf = mogan_conf.make_conf(
                args=["--config-file", cfg_file],
            )
            engine = engine_rpcapi.EngineAPI(conf)
            scheduler = scheduler_rpcapi.SchedulerAPI(conf)
            deadline = time.monotonic() + 60
            answers: dict[str, str] = {}
            while time.monotonic() < deadline and len(answers) < 2:
                for name, api in (("engine", engine), ("scheduler", scheduler)):
                    if name in answers:
                        continue
                    with contextlib.suppress(oslo_messaging.MessagingTimeout):
                        answers[name] = api.ping({}, timeout=3)
            assert answers == {"engine": host, "scheduler": host}
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=30)


class TestApiProcess:
    def test_mogan_api_serves_with_a_config_file(self, tmp_path):
        """mogan-api serves on [api] port with the configured auth strategy."""
        port = _free_port()
        db = tmp_path / "api.sqlite"
        cfg_file = _write_conf(
            tmp_path / "mogan.conf",
            "api-host",
            "fake://",
            f"[api]\nhost_ip = 127.0.0.1\nport = {port}\nauth_strategy = noauth\n"
            f"[database]\nconnection = sqlite:///{db}\n",
        )
        subprocess.run(
            [str(BIN / "mogan-dbsync"), "--config-file", cfg_file, "upgrade"],
            check=True,
            capture_output=True,
        )
        proc = subprocess.Popen(
            [str(BIN / "mogan-api"), "--config-file", cfg_file],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    resp = httpx.get(f"http://127.0.0.1:{port}/v1/flavors", timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail("mogan-api did not start")
            assert resp.status_code == 200
            assert resp.json() == {"flavors": []}
        finally:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
