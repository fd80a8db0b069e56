"""Fixtures on a real Ironic: the process, Mogan's configuration for it, the driver.

One Ironic per test process (``support.shared``), started on first use and
stopped when the process exits. When it cannot be installed or started the
tests skip, or fail with ``MOGAN_REQUIRE_SERVICES=1``. ``tests/ironic``'s
conftest and ``tests/drivers/test_ironic.py`` import them (fixture names
differ from the function names so the importing modules can take them as
arguments).
"""

import pathlib

import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.drivers import ironic as ironic_driver_module
from tests.conftest import unavailable
from tests.ironic import support


def running() -> support.Ironic:
    """This process's Ironic; skips (or fails) the test when there is none."""
    try:
        return support.shared()
    except support.IronicUnavailable as err:
        unavailable("Ironic", err)
        raise  # pragma: no cover - unavailable() always raises


def write_conf(path: pathlib.Path, ironic: dict[str, object]) -> str:
    """A Mogan configuration file with this ``[ironic]`` section; its path."""
    lines = ["[ironic]", *(f"{key} = {value}" for key, value in ironic.items())]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def make_conf(tmp_path: pathlib.Path, **ironic: object) -> cfg.ConfigOpts:
    """Mogan's configuration read from a file with this ``[ironic]`` section.

    A file, as an operator writes it: keystoneauth registers the options of
    the chosen auth plugin (``username`` ...) only while loading it.
    """
    path = write_conf(tmp_path / "mogan.conf", ironic)
    return mogan_conf.make_conf(args=["--config-file", path])


@pytest.fixture(name="ironic")
def ironic_fixture() -> support.Ironic:
    """The real Ironic of this test process."""
    return running()


@pytest.fixture(name="ironic_conf")
def ironic_conf_fixture(ironic, tmp_path) -> cfg.ConfigOpts:
    """Configuration pointing the driver at ``ironic`` (auth none, quick retries).

    Retries last about 1.5 s in all: the conductor can hold a node's lock
    for a moment after an operation ends, and this Ironic answers 409 at
    once where a default one would wait.
    """
    return make_conf(
        tmp_path,
        auth_type="none",
        endpoint_override=ironic.url,
        api_retry_interval=0.05,
        api_max_retries=5,
    )


@pytest.fixture(name="ironic_driver")
def ironic_driver_fixture(ironic_conf) -> ironic_driver_module.IronicDriver:
    """The Ironic driver on ``ironic``."""
    return ironic_driver_module.IronicDriver(ironic_conf)
