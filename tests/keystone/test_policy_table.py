"""The whole persona table with real Keystone tokens (issue 13, section 1).

``tests/functional/api/test_policy.py`` proves every protected route for
every persona with the identity headers keystonemiddleware would set; here
the same table (``policy_table.EXPECTED``, not a copy) is driven with real
Keystone 30 tokens through real keystonemiddleware (``auth_strategy =
keystone``). The personas:

- ``admin``: ``admin`` on a project of its own (Mogan's ``context_is_admin``
  is the admin role, as in the legacy policies it keeps);
- ``member``, ``reader``: ``member`` and ``reader`` on project A;
- ``other``: ``member`` on project B;
- ``no_project``: an *unscoped* token of a user who is a member of project
  A. Keystone issues it (password auth without a scope) and
  keystonemiddleware accepts it: it carries no project and no role, which
  is what the functional persona (headers without a project) stands for;
- ``domain``: ``admin`` on the ``default`` domain, domain-scoped;
- ``system_reader``, ``system_admin``: ``reader`` / ``admin`` on the system,
  system-scoped.

Cost: the tokens are issued once per module, and one app serves the module
(keystonemiddleware caches each validated token in-process, so Keystone
validates each once). The resources are made once, through the API with
those tokens, into an SQLite file; before each test that may write, the
app's database is put back to that file (the engine's connections closed,
the file copied over), instead of making them again.
"""

import dataclasses
import shutil
from collections.abc import Iterator

import httpx
import pytest

from mogan.api import app as api_app
from mogan.db import session as db_session
from tests.conftest import mark_nodes_loaded
from tests.functional.api.policy_resources import Snapshot, build_resources
from tests.functional.api.policy_table import (
    EXPECTED,
    FORBIDDEN_CODES,
    LATEST,
    PERSONA_NAMES,
    fill,
)
from tests.keystone import fixtures, support

pytestmark = pytest.mark.services


def make_tokens(keystone: support.Keystone) -> dict[str, support.Token]:
    """One real token per persona of the table (see the module docstring)."""
    project_a = keystone.create_project()
    nobody = keystone.create_user()
    keystone.assign(nobody, "member", project=project_a)
    return {
        "admin": keystone.project_persona("admin"),
        "member": keystone.project_persona("member", project_a),
        "reader": keystone.project_persona("reader", project_a),
        "other": keystone.project_persona("member"),
        "no_project": keystone.issue(nobody),
        "domain": keystone.domain_persona("admin"),
        "system_reader": keystone.system_persona("reader"),
        "system_admin": keystone.system_persona("admin"),
    }


@dataclasses.dataclass
class Table:
    """Mogan behind keystonemiddleware, the tokens, and the table's resources."""

    client: httpx.Client
    tokens: dict[str, support.Token]
    resources: dict[str, str]
    snapshot: Snapshot


@pytest.fixture(scope="module")
def table(
    keystone: support.Keystone,
    sqlite_template: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Table]:
    """One app (keystone mode) and one set of tokens and resources per module."""
    tmp = tmp_path_factory.mktemp("keystone-policy")
    live = tmp / "mogan.sqlite"
    shutil.copyfile(sqlite_template, live)
    database = db_session.Database.from_url(f"sqlite:///{live}")
    mark_nodes_loaded(database)
    app = api_app.create_app(fixtures.make_conf(tmp, keystone), database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url="http://mogan.test"
    ) as client:
        tokens = make_tokens(keystone)
        resources = build_resources(client, tokens, database)
        yield Table(client, tokens, resources, Snapshot.take(database, live))
    database.dispose()


@pytest.fixture
def fresh(table: Table) -> Table:
    """The module's table, its database as built if the last test wrote."""
    table.snapshot.restore()
    return table


def test_tokens_have_the_personas_scopes(table):
    """Each persona's token carries the scope the table's column stands for."""
    tokens = table.tokens
    assert set(tokens) == set(PERSONA_NAMES)
    assert tokens["member"].project_id == tokens["reader"].project_id
    assert tokens["other"].project_id not in {None, tokens["member"].project_id}
    assert tokens["admin"].project_id not in {None, tokens["member"].project_id}
    assert "admin" in tokens["admin"].roles
    assert tokens["reader"].roles == ("reader",)
    no_project = tokens["no_project"]
    assert (no_project.project_id, no_project.domain_id, no_project.system) == (
        None,
        None,
        False,
    )
    assert no_project.roles == ()
    assert tokens["domain"].domain_id == "default"
    assert tokens["system_reader"].system
    assert tokens["system_admin"].system
    assert table.resources["project_a"] == tokens["member"].project_id


@pytest.mark.parametrize("persona", PERSONA_NAMES)
@pytest.mark.parametrize("route", sorted(EXPECTED), ids=lambda r: f"{r[0]} {r[1]}")
def test_token_gets_expected_status(fresh, route, persona):
    """The persona's real token gets exactly the status the table states."""
    method, _ = route
    case = EXPECTED[route]
    # NOTE: a refused or read-only request changes nothing; anything else
    # may have, so the next test starts from the built database.
    fresh.snapshot.dirty = method != "GET"
    resp = fresh.client.request(
        method,
        fill(case.url, fresh.resources),
        json=fill(case.body, fresh.resources),
        headers={**fresh.tokens[persona].headers, **LATEST},
    )
    assert resp.status_code == case.expected[persona], resp.text
    if resp.status_code == 403:
        assert resp.json()["code"] in FORBIDDEN_CODES
