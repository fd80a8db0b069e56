"""The real-service fixtures' shared process handling (``tests/children.py``).

A fixture that cannot start must say why and must not be retried per test;
one that starts must be stoppable with everything it forked.
"""

import os
import pathlib
import sys

import pytest

from tests import children


class Down(Exception):
    """A service's own "unavailable" error."""


def process(tmp_path: pathlib.Path) -> children.Process:
    """A process handle logging to ``child.log`` in ``tmp_path``."""
    return children.Process(tmp_path, ("child.log",), Down, "the child")


def test_a_child_that_exits_is_reported_with_its_log(tmp_path):
    """The service's error names the exit code and carries the log's end."""
    child = process(tmp_path)
    child.spawn(
        [sys.executable, "-c", "import sys; sys.stderr.write('boom'); sys.exit(3)"],
        dict(os.environ),
    )
    with pytest.raises(Down, match=r"(?s)the child exited with 3: .*boom"):
        child.wait(lambda: False, timeout=30)


def test_a_child_that_never_answers_is_stopped(tmp_path):
    """After the timeout the child is stopped and the error says so."""
    child = process(tmp_path)
    child.spawn([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    proc = child.proc
    assert proc is not None
    with pytest.raises(Down, match=r"did not answer in 0\.3 s"):
        child.wait(lambda: False, timeout=0.3)
    assert proc.poll() is not None
    assert child.proc is None


def test_a_failure_seen_in_the_logs_ends_the_wait(tmp_path):
    """``failed`` names a failure before the timeout; the child is stopped."""
    child = process(tmp_path)
    child.spawn([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    with pytest.raises(Down, match="broken driver"):
        child.wait(lambda: False, timeout=60, failed=lambda: "broken driver")
    assert child.proc is None


def test_per_process_tries_a_failing_service_once(tmp_path):
    """A service that cannot be built raises the same error on every later call."""
    built: list[pathlib.Path] = []

    def build(state: pathlib.Path) -> str:
        built.append(state)
        raise Down("not installable here")

    services: children.PerProcess[str] = children.PerProcess((Down,))
    for _ in range(3):
        with pytest.raises(Down, match="not installable here"):
            services.get("svc", build, lambda _: None, lambda _: None)
    assert len(built) == 1
    assert not built[0].exists()


def test_per_process_makes_each_key_once(tmp_path):
    """The same key gives the same started service; another key another one."""
    started: list[str] = []
    services: children.PerProcess[str] = children.PerProcess((Down,))

    def get(key: str) -> str:
        return services.get(
            key, lambda state: f"{key}@{state}", started.append, lambda _: None
        )

    first = get("a")
    assert get("a") == first
    assert get("b") != first
    assert started == [first, get("b")]
