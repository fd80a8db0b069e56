"""Without sushy-tools the fixtures skip, or fail when services are required."""

import pytest

from tests.redfish import fixtures, support


def no_emulator(tls=False):
    """``support.shared`` on a machine where sushy-tools cannot be installed."""
    raise support.EmulatorUnavailable(f"no sushy-tools here (tls={tls})")


def test_unavailable_emulator_skips(monkeypatch):
    """Without MOGAN_REQUIRE_SERVICES the test is skipped, naming the cause."""
    monkeypatch.setattr(support, "shared", no_emulator)
    monkeypatch.delenv("MOGAN_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no sushy-tools here"):
        fixtures.running()


def test_unavailable_emulator_fails_when_services_are_required(monkeypatch):
    """With MOGAN_REQUIRE_SERVICES=1 the same test fails instead."""
    monkeypatch.setattr(support, "shared", no_emulator)
    monkeypatch.setenv("MOGAN_REQUIRE_SERVICES", "1")
    with pytest.raises(
        pytest.fail.Exception, match=r"no sushy-tools here \(tls=True\)"
    ):
        fixtures.running(tls=True)
