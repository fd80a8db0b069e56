"""Fixtures on a real Glance: the process, and Mogan configured to use it.

One Glance per test process (``support.shared``), on the process's real
Keystone (``tests.keystone.support.shared``), started on first use from
the prepared template and stopped when the process exits. When either
cannot be installed or started the tests skip, or fail with
``MOGAN_REQUIRE_SERVICES=1``. ``tests/glance``'s conftest imports them.
"""

import pathlib

import pytest
from oslo_config import cfg

from mogan import conf as mogan_conf
from tests.conftest import unavailable
from tests.glance import support
from tests.keystone import support as keystone_support

# NOTE: where the temporary image URLs point: the in-process API's host.
BASE_URL = "http://mogan.test"


def running() -> support.Glance:
    """This process's Glance; skips (or fails) the test when there is none."""
    try:
        return support.shared()
    except support.GlanceUnavailable as err:
        unavailable("Glance", err)
        raise  # pragma: no cover - unavailable() always raises


def glance_options(glance: support.Glance) -> dict[str, str]:
    """Mogan's ``[glance]`` section: a service user, endpoint from the catalog."""
    user = glance.admin_service_user()
    return {
        "auth_type": "password",
        "auth_url": glance.keystone.url,
        "username": user["username"],
        "password": user["password"],
        "project_name": user["project_name"],
        "user_domain_id": "default",
        "project_domain_id": "default",
        "region_name": keystone_support.REGION,
        "valid_interfaces": "public",
        "timeout": "10",
    }


def write_conf(
    path: pathlib.Path,
    glance: support.Glance,
    glance_section: dict[str, str] | None = None,
) -> str:
    """A Mogan configuration file: ``[keystone_authtoken]`` and ``[glance]``.

    A file, as an operator writes it: keystoneauth and keystonemiddleware
    register their plugins' options (``username`` ...) only while loading.
    """
    sections = {
        "keystone_authtoken": glance.keystone.authtoken_options(),
        "glance": glance_section or glance_options(glance),
    }
    lines: list[str] = []
    for name, options in sections.items():
        lines.append(f"[{name}]")
        lines.extend(f"{key} = {value}" for key, value in options.items())
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def make_conf(
    tmp_path: pathlib.Path,
    glance: support.Glance,
    auth_strategy: str = "keystone",
    glance_section: dict[str, str] | None = None,
    **api: object,
) -> cfg.ConfigOpts:
    """Mogan with ``[image] backend = glance`` and Keystone auth on ``glance``'s.

    ``auth_strategy`` and more ``[api]`` options (``api``) may say otherwise.
    """
    path = write_conf(tmp_path / "mogan.conf", glance, glance_section)
    return mogan_conf.make_conf(
        default_config_files=[path],
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": {"auth_strategy": auth_strategy, **api},
            "image": {"backend": "glance"},
            "deploy_media": {"base_url": BASE_URL},
        },
    )


@pytest.fixture(name="glance", scope="session")
def glance_fixture() -> support.Glance:
    """The real Glance of this test process (on its real Keystone)."""
    return running()


@pytest.fixture(name="glance_conf")
def glance_conf_fixture(glance: support.Glance, tmp_path) -> cfg.ConfigOpts:
    """Mogan's configuration: Keystone auth, images from ``glance``."""
    return make_conf(tmp_path, glance)
