"""Shared fixtures: configuration, a migrated database, the API app and personas.

Default tier: a fresh SQLite file per test, copied from a template migrated
once per session (Ironic's build-once trick), and the real WSGI app driven
through httpx's WSGI transport (no sockets).

Services tier (``@pytest.mark.services``): PostgreSQL and MariaDB on
loopback. Unreachable services skip those tests, unless
``MOGAN_REQUIRE_SERVICES=1``, when they fail instead.
"""

import os
import shutil
import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import migration
from mogan.db import session as db_session

POSTGRES_ADMIN_URL = os.environ.get(
    "MOGAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_ADMIN_URL = os.environ.get(
    "MOGAN_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/"
)


def services_required() -> bool:
    """Whether unreachable services must fail tests rather than skip them."""
    return os.environ.get("MOGAN_REQUIRE_SERVICES") == "1"


def unavailable(service: str, err: Exception) -> None:
    """Skip (or, when services are required, fail) for an unreachable service."""
    message = f"{service} unreachable: {err}"
    if services_required():
        pytest.fail(message)
    pytest.skip(message)


# ---------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Path of an SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("template") / "mogan.sqlite"
    engine = db_session.make_engine(f"sqlite:///{path}")
    migration.upgrade(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database(sqlite_template: str, tmp_path) -> Iterator[db_session.Database]:
    """A fresh, migrated SQLite database for one test."""
    path = tmp_path / "mogan.sqlite"
    shutil.copyfile(sqlite_template, path)
    db = db_session.Database.from_url(f"sqlite:///{path}")
    yield db
    db.dispose()


def _fresh_server_database(admin_url: str, service: str) -> Iterator[str]:
    name = f"mogan_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except Exception as err:  # noqa: BLE001 - any connection failure means unreachable
        unavailable(service, err)
    url = sa.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped afterwards."""
    yield from _fresh_server_database(POSTGRES_ADMIN_URL, "PostgreSQL")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """URL of a new, empty MariaDB database, dropped afterwards."""
    yield from _fresh_server_database(MYSQL_ADMIN_URL.rstrip("/") + "/mysql", "MariaDB")


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database URL on each backend in turn (services tier for two)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.sqlite'}"
    request.applymarker(pytest.mark.services)
    return str(request.getfixturevalue(f"{request.param}_url"))


# ---------------------------------------------------------------- the API


@pytest.fixture
def conf(tmp_path) -> cfg.ConfigOpts:
    """Configuration on the embedded defaults, noauth, state in tmp_path."""
    return mogan_conf.make_conf(
        overrides={
            "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
            "api": {"auth_strategy": "noauth"},
        }
    )


@pytest.fixture
def app(conf: cfg.ConfigOpts, database: db_session.Database):
    """The full WSGI app (middleware included) on the test database."""
    return api_app.create_app(conf, database)


@pytest.fixture
def client(app) -> Iterator[httpx.Client]:
    """An HTTP client talking to the app in-process."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as c:
        yield c


class Persona:
    """Identity headers for one of the policy personas."""

    def __init__(self, user: str, project: str, roles: str) -> None:
        """Identity of ``user`` in ``project`` with comma-separated ``roles``."""
        self.user_id = user
        self.project_id = project
        self.headers = {"X-User-Id": user, "X-Project-Id": project, "X-Roles": roles}


ADMIN = Persona("admin-user", "admin-project", "admin")
MEMBER = Persona("alice", "project-a", "member")
READER = Persona("rita", "project-a", "reader")
OTHER = Persona("bob", "project-b", "member")
PERSONAS = {"admin": ADMIN, "member": MEMBER, "reader": READER, "other": OTHER}
