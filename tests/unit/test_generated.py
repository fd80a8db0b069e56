"""Generated files that are checked in match the code, and the API document is sound.

``tools/regenerate`` writes ``docs/api/openapi.json`` and
``etc/mogan.conf.sample``; here it writes them again into a temporary
directory, and any difference means someone changed the code without
regenerating.
"""

import difflib
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from mogan.api import microversion, router, spec
from mogan.conf import opts as conf_opts

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "regenerate"
OPENAPI = "docs/api/openapi.json"
CONF_SAMPLE = "etc/mogan.conf.sample"
API_DOC = ROOT / "docs" / "api" / "index.md"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A directory holding what tools/regenerate writes from today's code."""
    out = tmp_path_factory.mktemp("regenerated")
    env = {
        **os.environ,
        "MOGAN_PYTHON": sys.executable,
        "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}"
        + os.environ.get("PATH", ""),
    }
    subprocess.run([str(SCRIPT), str(out)], check=True, env=env, capture_output=True)
    return out


def stale_message(name: str, expected: str, actual: str) -> str:
    """How to fix a stale file, with the first lines of the difference."""
    diff = difflib.unified_diff(
        actual.splitlines(),
        expected.splitlines(),
        f"{name} (checked in)",
        f"{name} (generated)",
        lineterm="",
    )
    head = "\n".join(list(diff)[:40])
    return f"{name} is stale: run tools/regenerate and commit the result\n{head}"


def refs(node: Any) -> Iterator[str]:
    """Every ``$ref`` value in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


class TestCheckedInCopies:
    @pytest.mark.parametrize("name", [OPENAPI, CONF_SAMPLE])
    def test_checked_in_copy_is_current(self, regenerated, name):
        """The checked-in file equals what tools/regenerate writes today."""
        expected = (regenerated / name).read_text()
        path = ROOT / name
        actual = path.read_text() if path.exists() else ""
        assert expected == actual, stale_message(name, expected, actual)

    def test_openapi_copy_is_the_generator_output(self, regenerated):
        """The script writes exactly what ``python -m mogan.api.spec`` prints."""
        assert spec.render() == (regenerated / OPENAPI).read_text()

    def test_conf_sample_has_every_mogan_option_and_no_kafka(self, regenerated):
        """Each Mogan option is in the sample; the unused Kafka driver is not."""
        text = (regenerated / CONF_SAMPLE).read_text()
        for group, options in conf_opts.list_opts():
            section = "DEFAULT" if group is None else getattr(group, "name", group)
            assert f"[{section}]" in text
            for opt in options:
                assert f"\n#{opt.dest} =" in text, f"[{section}] {opt.dest}"
        assert "[oslo_messaging_kafka]" not in text
        assert "[keystone_authtoken]" in text


class TestOpenApiDocument:
    def test_is_valid_openapi_3_1(self):
        """The document validates against the OpenAPI 3.1 meta-schema."""
        validator = pytest.importorskip("openapi_spec_validator")
        validator.validate(spec.document(), cls=validator.OpenAPIV31SpecValidator)

    def test_every_ref_resolves(self):
        """Each ``$ref`` names a component schema that exists."""
        document = spec.document()
        schemas = document["components"]["schemas"]
        prefix = "#/components/schemas/"
        for ref in refs(document):
            assert ref.startswith(prefix), ref
            assert ref.removeprefix(prefix) in schemas, ref

    def test_schema_names_are_plain_identifiers(self):
        """Component names are readable identifiers, not generic type reprs."""
        for name in spec.document()["components"]["schemas"]:
            assert name.isidentifier(), name
            assert "_" not in name, name

    def test_every_route_is_described_with_its_status(self):
        """Each declared route is an operation with its success status and errors."""
        paths = spec.document()["paths"]
        for r in router.ROUTES:
            operation = paths[r.path][r.method.lower()]
            responses = operation["responses"]
            assert str(r.status) in responses, f"{r.method} {r.path}"
            assert {"400", "406"} <= set(responses)
            if not r.public:
                assert {"401", "403"} <= set(responses)
                assert operation["security"]
            if r.path_params:
                assert "404" in responses

    def test_operation_ids_are_unique(self):
        """No two operations share an operationId."""
        ids = [
            op["operationId"]
            for ops in spec.document()["paths"].values()
            for op in ops.values()
        ]
        assert len(ids) == len(set(ids))

    def test_rendering_is_deterministic(self):
        """Two renderings are byte-identical, so the staleness check cannot flap."""
        assert spec.render() == spec.render()
        assert json.loads(spec.render()) == spec.document()


class TestApiDoc:
    @pytest.mark.parametrize("version", sorted(microversion.HISTORY), ids=str)
    def test_user_doc_lists_every_microversion(self, version):
        """docs/api/index.md has a row for each microversion."""
        assert f"| {version} |" in API_DOC.read_text(), f"add {version} to the doc"
