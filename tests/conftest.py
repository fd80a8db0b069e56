"""Shared fixtures: configuration, a migrated database, the API app and personas.

Default tier: a fresh SQLite file per test, copied from a template migrated
once per session (Ironic's build-once trick), and the real WSGI app driven
through httpx's WSGI transport (no sockets).

Services tier (``@pytest.mark.services``): PostgreSQL and MariaDB on
loopback. Unreachable services skip those tests, unless
``MOGAN_REQUIRE_SERVICES=1``, when they fail instead: ``unavailable()`` fails
them at the source, and a report hook turns any other skip of a services test
into a failure too. The terminal summary says how many services tests ran.
"""

import os
import shutil
import uuid
from collections import Counter
from collections.abc import Generator, Iterator

import httpx
import pytest
import sqlalchemy as sa
from oslo_config import cfg

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.db.api import node_sync as node_sync_db

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


def mark_nodes_loaded(db: db_session.Database, driver: str = "fake") -> None:
    """Record a node sync, as an engine's first one would.

    The API refuses server creates until an engine has loaded the nodes;
    tests without an engine write node rows themselves and need this too.
    """
    with db.transaction() as session:
        node_sync_db.record(
            session,
            node_sync_db.Synced(driver=driver, host="test", nodes=0),
            at=models.utcnow(),
        )


@pytest.fixture
def database(sqlite_template: str, tmp_path) -> Iterator[db_session.Database]:
    """A fresh, migrated SQLite database for one test, its nodes "loaded".

    Tests of readiness delete the ``node_syncs`` row first.
    """
    path = tmp_path / "mogan.sqlite"
    shutil.copyfile(sqlite_template, path)
    db = db_session.Database.from_url(f"sqlite:///{path}")
    mark_nodes_loaded(db)
    yield db
    db.dispose()


def fresh_server_database(admin_url: str, service: str) -> Iterator[str]:
    """Create an empty database on a server, yield its URL, drop it after."""
    name = f"mogan_test_{uuid.uuid4().hex[:12]}"
    is_postgres = admin_url.startswith("postgresql")
    try:
        # NOTE: a short connect timeout so a firewalled port skips (or fails)
        # quickly instead of hanging until the test timeout.
        admin = sa.create_engine(
            admin_url,
            isolation_level="AUTOCOMMIT",
            poolclass=sa.NullPool,
            connect_args={"connect_timeout": 5},
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name}"))
    except Exception as err:  # noqa: BLE001 - any connection failure means unreachable
        unavailable(service, err)
    url = sa.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        # NOTE: FORCE ends sessions a failed test left open, which would
        # otherwise make PostgreSQL refuse the drop.
        force = " WITH (FORCE)" if is_postgres else ""
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE {name}{force}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped afterwards."""
    yield from fresh_server_database(POSTGRES_ADMIN_URL, "PostgreSQL")


@pytest.fixture
def mysql_url() -> Iterator[str]:
    """URL of a new, empty MariaDB database, dropped afterwards."""
    yield from fresh_server_database(MYSQL_ADMIN_URL.rstrip("/") + "/mysql", "MariaDB")


BACKENDS = ["sqlite", "postgresql", "mysql"]
"""Every database backend Mogan supports, as ``any_db_url`` parameters."""

_SERVER_FIXTURE = {"postgresql": "postgres", "mysql": "mysql"}


@pytest.fixture(params=BACKENDS)
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty database URL on each backend in turn (services tier for two)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.sqlite'}"
    request.applymarker(pytest.mark.services)
    return str(request.getfixturevalue(_SERVER_FIXTURE[request.param] + "_url"))


@pytest.fixture(scope="session")
def postgres_migrated_url() -> Iterator[str]:
    """URL of a PostgreSQL database migrated to head, shared by the session."""
    yield from _migrated(fresh_server_database(POSTGRES_ADMIN_URL, "PostgreSQL"))


@pytest.fixture(scope="session")
def mysql_migrated_url() -> Iterator[str]:
    """URL of a MariaDB database migrated to head, shared by the session."""
    admin_url = MYSQL_ADMIN_URL.rstrip("/") + "/mysql"
    yield from _migrated(fresh_server_database(admin_url, "MariaDB"))


@pytest.fixture(scope="session")
def sqlite_migrated_url(
    sqlite_template: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """URL of an SQLite file migrated to head, shared by the session."""
    # NOTE: a copy, so a test that fails to roll back cannot spoil the
    # template every API test starts from.
    path = tmp_path_factory.mktemp("migrated") / "mogan.sqlite"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


def _migrated(urls: Iterator[str]) -> Iterator[str]:
    """Migrate the database ``urls`` yields to head and pass its URL on."""
    for url in urls:
        engine = db_session.make_engine(url)
        migration.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(params=BACKENDS)
def migrated_db_url(request: pytest.FixtureRequest) -> str:
    """A database migrated to head on each backend in turn, shared by the session.

    Tests must leave it as they found it (roll back); ``tests/db`` wraps each
    test in a transaction for that.
    """
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_migrated_url"))
    request.applymarker(pytest.mark.services)
    name = _SERVER_FIXTURE[request.param]
    return str(request.getfixturevalue(f"{name}_migrated_url"))


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

    def __init__(
        self,
        user: str,
        project: str | None,
        roles: str,
        scope: dict[str, str] | None = None,
    ) -> None:
        """Identity of ``user`` in ``project`` with comma-separated ``roles``.

        Without a project the caller has no project scope; ``scope`` adds
        the headers of another one (``OpenStack-System-Scope: all``,
        ``X-Domain-Id``), as keystonemiddleware sets them.
        """
        self.user_id = user
        self.project_id = project
        self.headers = {"X-User-Id": user, "X-Roles": roles, **(scope or {})}
        if project is not None:
            self.headers["X-Project-Id"] = project


ADMIN = Persona("admin-user", "admin-project", "admin")
MEMBER = Persona("alice", "project-a", "member")
READER = Persona("rita", "project-a", "reader")
OTHER = Persona("bob", "project-b", "member")
# NOTE: the callers without a project (issue 9, section 4). A member with no
# project holds no role at all; a domain admin is no cloud admin; the system
# personas are secure RBAC's cloud-wide reader and administrator.
NO_PROJECT = Persona("nadia", None, "member")
DOMAIN = Persona("dora", None, "admin", {"X-Domain-Id": "default"})
SYSTEM_READER = Persona("sam", None, "reader", {"OpenStack-System-Scope": "all"})
SYSTEM_ADMIN = Persona("sally", None, "admin", {"OpenStack-System-Scope": "all"})
PERSONAS = {
    "admin": ADMIN,
    "member": MEMBER,
    "reader": READER,
    "other": OTHER,
    "no_project": NO_PROJECT,
    "domain": DOMAIN,
    "system_reader": SYSTEM_READER,
    "system_admin": SYSTEM_ADMIN,
}


# ---------------------------------------------------------------- services tier

_SERVICES_OUTCOMES: Counter[str] = Counter()
_REQUIRED_BUT_SKIPPED = "mogan_services_required_but_skipped"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Turn a skipped services test into a failure when services are required."""
    report = yield
    if (
        report.skipped
        and not hasattr(report, "wasxfail")
        and services_required()
        and item.get_closest_marker("services") is not None
    ):
        # NOTE: belt and braces beside unavailable(): a skipif, an importorskip
        # or a fixture's own skip must not hide a services test in CI either.
        reason = (
            report.longrepr[2]
            if isinstance(report.longrepr, tuple)
            else str(report.longrepr)
        )
        report.outcome = "failed"
        report.longrepr = (
            f"services test skipped while MOGAN_REQUIRE_SERVICES=1 "
            f"({call.when}): {reason}"
        )
        report.user_properties.append((_REQUIRED_BUT_SKIPPED, reason))
    return report


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count services-tier outcomes (on the controller, under xdist too)."""
    if "services" not in report.keywords:
        return
    if any(name == _REQUIRED_BUT_SKIPPED for name, _ in report.user_properties):
        _SERVICES_OUTCOMES["skipped"] += 1
    elif hasattr(report, "wasxfail"):
        _SERVICES_OUTCOMES["xfailed" if report.skipped else "xpassed"] += 1
    elif report.when == "call":
        _SERVICES_OUTCOMES[report.outcome] += 1
    elif not report.passed:
        _SERVICES_OUTCOMES["skipped" if report.skipped else "error"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many services-tier tests ran, so a silent skip is visible."""
    outcomes = _SERVICES_OUTCOMES
    ran = sum(outcomes[k] for k in ("passed", "failed", "xfailed", "xpassed"))
    skipped = f"{outcomes['skipped']} skipped"
    if services_required() and outcomes["skipped"]:
        skipped += " (counted as failures: MOGAN_REQUIRE_SERVICES=1)"
    terminalreporter.write_sep("-", "services tier")
    terminalreporter.write_line(
        f"services tier: {ran} ran ({outcomes['passed']} passed, "
        f"{outcomes['failed']} failed, {outcomes['xfailed']} xfailed, "
        f"{outcomes['xpassed']} xpassed), {skipped}, "
        f"{outcomes['error']} errors outside the test body"
    )
