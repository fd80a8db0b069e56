"""Configuration objects are independent of each other."""

import pytest

from mogan import conf as mogan_conf

OPTIONS = [
    ("quota", "keypairs_hard_limit", 1),
    ("api", "max_limit", 7),
    ("database", "connection", "sqlite://"),
    ("engine", "workers", 3),
    ("scheduler", "claim_retries", 0),
    ("placement", "embedded", True),
]


class TestIsolation:
    @pytest.mark.parametrize(("group", "name", "value"), OPTIONS)
    def test_override_does_not_leak_into_another_conf(self, group, name, value):
        """Overriding an option on one ConfigOpts leaves another untouched."""
        default = getattr(getattr(mogan_conf.make_conf(), group), name)
        first = mogan_conf.make_conf()
        first.set_override(name, value, group)
        # NOTE: built after the override, as a later test's fixture would be.
        second = mogan_conf.make_conf()
        assert (value, default) == (
            getattr(getattr(first, group), name),
            getattr(getattr(second, group), name),
        )
