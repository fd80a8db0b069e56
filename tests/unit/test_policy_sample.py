"""The policy defaults agree with the routes, the sample file and the docs."""

import importlib.metadata
import os
import pathlib
import subprocess
import sys

import pytest
from oslo_policy import policy as oslo_policy

from mogan import policies, policy
from mogan.api import router
from mogan.api import routes as _routes  # noqa: F401 - declares every route

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "etc" / "policy.yaml.sample"
SCRIPT = ROOT / "tools" / "gen-policy-sample"
DOCS = ROOT / "docs" / "auth-and-policy.md"


def documented_rules() -> list[oslo_policy.DocumentedRuleDefault]:
    """The rules that guard API operations."""
    return [
        r
        for r in policies.list_rules()
        if isinstance(r, oslo_policy.DocumentedRuleDefault)
    ]


class TestSample:
    def test_checked_in_sample_is_current(self, tmp_path):
        """etc/policy.yaml.sample equals what the generator writes today."""
        out = tmp_path / "policy.yaml.sample"
        env = {
            **os.environ,
            "PATH": f"{pathlib.Path(sys.executable).parent}{os.pathsep}"
            + os.environ.get("PATH", ""),
        }
        subprocess.run(
            [str(SCRIPT), str(out)], check=True, env=env, capture_output=True
        )
        assert out.read_text() == SAMPLE.read_text(), (
            "etc/policy.yaml.sample is stale: run tools/gen-policy-sample "
            "and commit the result"
        )

    def test_sample_lists_every_rule(self):
        """Each registered rule appears, commented out, in the sample."""
        text = SAMPLE.read_text()
        for rule in policies.list_rules():
            assert f'#"{rule.name}": "{rule.check_str}"' in text


class TestEntryPoints:
    def test_policies_entry_point_lists_the_rules(self):
        """The oslo.policy.policies entry point ``mogan`` is list_rules."""
        (ep,) = importlib.metadata.entry_points(
            group="oslo.policy.policies", name="mogan"
        )
        assert ep.load() is policies.list_rules

    def test_enforcer_entry_point_registers_every_rule(self):
        """The oslo.policy.enforcer entry point gives an enforcer with all defaults."""
        (ep,) = importlib.metadata.entry_points(
            group="oslo.policy.enforcer", name="mogan"
        )
        assert ep.load() is policy.get_enforcer
        enforcer = policy.get_enforcer()
        names = {r.name for r in policies.list_rules()}
        assert names == set(enforcer.registered_rules)

    def test_rule_names_are_unique(self):
        """No rule is registered twice."""
        names = [r.name for r in policies.list_rules()]
        assert len(names) == len(set(names))


class TestRoutesAndRules:
    def test_every_protected_route_names_a_registered_rule(self):
        """A route's policy is a rule with a default (else every call is 500)."""
        registered = {r.name for r in documented_rules()}
        for r in router.ROUTES:
            if not r.public:
                assert r.policy in registered, f"{r.method} {r.path}: {r.policy}"

    @pytest.mark.parametrize("rule", documented_rules(), ids=lambda r: r.name)
    def test_documented_operations_match_the_routes(self, rule):
        """The operations a rule documents are exactly the routes that check it."""
        documented = {(op["method"], op["path"]) for op in rule.operations}
        routed = {(r.method, r.path) for r in router.ROUTES if r.policy == rule.name}
        assert documented == routed


class TestDocs:
    @pytest.mark.parametrize("rule", policies.list_rules(), ids=lambda r: r.name)
    def test_docs_table_lists_every_rule_with_its_default(self, rule):
        """docs/auth-and-policy.md has a table row for each rule and its default."""
        row = f"| `{rule.name}` | `{rule.check_str}` |"
        assert row in DOCS.read_text(), f"add {row} to {DOCS.name}"
