"""The documentation stays true to the repository and to the code.

Links point at files that exist; no page cites a file the repository does
not have; the API's status table puts each error code under the status the
API really answers; the README's commands work on a fresh machine with the
demo; ``.ci/run`` starts only services the tests use.
"""

import pathlib
import re

import pytest

from mogan import exception
from mogan.api import errors
from mogan.cmd import demo

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
SHELL_BLOCK = re.compile(r"```(?:sh|console)\n(.*?)```", re.DOTALL)
# NOTE: spelled in two pieces so this file does not cite it itself.
MISSING_FILE = "ARCHITECTURE" + ".md"


def _sources() -> list[pathlib.Path]:
    """Every text file a reader of the repository meets."""
    files = [*PAGES, ROOT / "pyproject.toml", ROOT / "client" / "README.md"]
    for tree in (ROOT / "src", ROOT / "client" / "src", ROOT / "tools"):
        files.extend(p for p in tree.rglob("*") if p.is_file() and p.suffix != ".pyc")
    return files


def test_no_reference_to_a_missing_architecture_file():
    """Nothing cites the architecture file under a name the repository lacks."""
    assert not (ROOT / MISSING_FILE).exists()
    citing = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if MISSING_FILE in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert citing == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    """Every relative link of a page names a file that exists."""
    broken = [
        target
        for target in LINK.findall(page.read_text(encoding="utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert broken == []


# NOTE: the codes a client meets most, from each status the table documents.
DOCUMENTED = [
    exception.InvalidParameter,
    exception.InvalidState,
    exception.ServerLocked,
    exception.OverQuota,
    exception.FlavorExists,
    exception.KeypairExists,
    exception.FlavorInUse,
    exception.NodeNotManageable,
    exception.ConsoleUnavailable,
    exception.EngineUnavailable,
    exception.NetworkNotUsable,
    exception.FloatingIpNotAssociated,
    exception.FloatingIpInUse,
    exception.FloatingIpAmbiguous,
    exception.PortInUse,
    exception.InterfaceAttachFailed,
    exception.InterfaceDetachFailed,
    exception.NetworkCannot,
]


@pytest.mark.parametrize("error", DOCUMENTED, ids=lambda e: e.code)
def test_status_table_puts_each_code_under_its_real_status(error):
    """docs/api/index.md names the code in the row of the status the API sends."""
    page = (ROOT / "docs" / "api" / "index.md").read_text(encoding="utf-8")
    rows = {
        int(match[1]): match[2]
        for match in re.finditer(r"^\| (\d{3}) \| (.*) \|$", page, re.MULTILINE)
    }
    status = errors.status_for(error("any message"))
    assert f"`{error.code}`" in rows[status]
    others = [s for s, row in rows.items() if s != status and error.code in row]
    assert others == []


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        line.split("#", 1)[0].strip()
        for block in SHELL_BLOCK.findall(readme)
        for line in block.splitlines()
    ]


def test_readme_commands_need_no_files_of_the_readers():
    """The README's commands use no file a fresh machine may lack (~/.ssh ...)."""
    assert [c for c in _readme_commands() if "~/" in c] == []


@pytest.mark.parametrize("name", ["README.md", "docs/cli.md"])
def test_flavor_examples_name_flavors_that_exist(name):
    """Every ``flavor show X`` example names a demo flavor or one made above it."""
    known = {c.flavor for c in demo.CLASSES}
    missing = []
    commands = r"mogan(?: --\S+ \S+)* flavor (create|show) (\S+)"
    for verb, flavor in re.findall(commands, (ROOT / name).read_text("utf-8")):
        if verb == "create":
            known.add(flavor)
        elif flavor not in known:
            missing.append(flavor)
    assert missing == []


def test_ci_starts_only_services_the_tests_use():
    """Each port .ci/run waits for is one a test connects to."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ports = re.findall(r"^ensure \S+ (\d+) ", script, re.MULTILINE)
    assert ports
    tests = "\n".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py")
    )
    unused = [port for port in ports if f"127.0.0.1:{port}" not in tests]
    assert unused == []
