"""Fixtures on a real Keystone: the process, and Mogan's app validating its tokens.

One Keystone per test process (``support.shared``), started on first use
from the prepared template (made by the first session on the machine, see
``support.default_template``), and stopped when the process exits. When it
cannot be installed or started the tests skip, or fail with
``MOGAN_REQUIRE_SERVICES=1``. ``tests/keystone``'s conftest imports them.
"""

import pathlib
from collections.abc import Iterator

import httpx
import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import unavailable
from tests.keystone import support


def running() -> support.Keystone:
    """This process's Keystone; skips (or fails) the test when there is none."""
    try:
        return support.shared()
    except support.KeystoneUnavailable as err:
        unavailable("Keystone", err)
        raise  # pragma: no cover - unavailable() always raises


def write_conf(path: pathlib.Path, authtoken: dict[str, str]) -> str:
    """A Mogan configuration file with this ``[keystone_authtoken]``; its path."""
    lines = [
        "[keystone_authtoken]",
        *(f"{key} = {value}" for key, value in authtoken.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def make_conf(tmp_path: pathlib.Path, keystone: support.Keystone) -> cfg.ConfigOpts:
    """Mogan's configuration validating tokens with ``keystone``.

    A file, as an operator writes it: keystonemiddleware registers the
    options of its auth plugin (``username`` ...) only while loading it.
    """
    path = write_conf(tmp_path / "mogan.conf", keystone.authtoken_options())
    return mogan_conf.make_conf(
        default_config_files=[path],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": {"auth_strategy": "keystone"},
        },
    )


def section_conf(
    tmp_path: pathlib.Path, group: str, section: dict[str, str]
) -> cfg.ConfigOpts:
    """Mogan's configuration read from a file holding ``[group]`` as given.

    A file, as an operator writes it: keystoneauth registers its auth
    plugin's options (``username`` ...) only while loading it.
    """
    path = tmp_path / "mogan.conf"
    lines = [f"[{group}]", *(f"{key} = {value}" for key, value in section.items())]
    path.write_text("\n".join(lines) + "\n")
    return mogan_conf.make_conf(
        default_config_files=[str(path)],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"}
        },
    )


@pytest.fixture(name="keystone", scope="session")
def keystone_fixture() -> support.Keystone:
    """The real Keystone of this test process."""
    return running()


@pytest.fixture(name="keystone_conf")
def keystone_conf_fixture(keystone, tmp_path) -> cfg.ConfigOpts:
    """Mogan's configuration with ``auth_strategy = keystone`` on ``keystone``."""
    return make_conf(tmp_path, keystone)


@pytest.fixture(name="keystone_client")
def keystone_client_fixture(
    keystone_conf: cfg.ConfigOpts, database: db_session.Database
) -> Iterator[httpx.Client]:
    """An in-process client of Mogan's real app behind keystonemiddleware."""
    app = api_app.create_app(keystone_conf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        yield client
