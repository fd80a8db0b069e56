"""JSON-patch application rules (v1 restrictions), without HTTP."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mogan import exception
from mogan.api import patch

DOC = {"name": "n", "description": None, "metadata": {"a": "1"}}
PATCHABLE = {"name", "description", "metadata"}


def ops(*items):
    """Patch operations from dicts."""
    return [patch.PatchOp.model_validate(i) for i in items]


class TestApply:
    def test_replace_add_remove_nested(self):
        """Nested add/remove and top-level replace compose in order."""
        result = patch.apply(
            DOC,
            ops(
                {"op": "replace", "path": "/name", "value": "m"},
                {"op": "add", "path": "/metadata/b", "value": "2"},
                {"op": "remove", "path": "/metadata/a"},
            ),
            PATCHABLE,
        )
        assert result == {"name": "m", "description": None, "metadata": {"b": "2"}}

    def test_input_is_not_mutated(self):
        """Applying works on a copy."""
        patch.apply(
            DOC, ops({"op": "add", "path": "/metadata/z", "value": "9"}), PATCHABLE
        )
        assert DOC["metadata"] == {"a": "1"}

    @pytest.mark.parametrize(
        ("op", "message"),
        [
            ({"op": "replace", "path": "/uuid", "value": "x"}, "internal attribute"),
            ({"op": "replace", "path": "/other", "value": "x"}, "not an attribute"),
            ({"op": "remove", "path": "/metadata/missing"}, "does not exist"),
            (
                {"op": "replace", "path": "/metadata/missing", "value": "x"},
                "does not exist",
            ),
            ({"op": "add", "path": "/name"}, "needs a value"),
            ({"op": "add", "path": "/name/deeper", "value": "x"}, "does not exist"),
        ],
    )
    def test_refusals(self, op, message):
        """Internal, unknown or missing targets and value-less adds are refused."""
        with pytest.raises(exception.PatchError, match=message):
            patch.apply(DOC, ops(op), PATCHABLE, internal={"uuid"})

    def test_pointer_escapes(self):
        """~1 and ~0 in a path segment mean / and ~ (RFC 6901)."""
        result = patch.apply(
            DOC,
            ops({"op": "add", "path": "/metadata/a~1b~0c", "value": "v"}),
            PATCHABLE,
        )
        assert result["metadata"]["a/b~c"] == "v"

    @given(
        st.dictionaries(
            st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(max_size=5)
        )
    )
    def test_adding_then_removing_keys_restores_metadata(self, extra):
        """Any set of added metadata keys can be removed again to the original."""
        extra = {k: v for k, v in extra.items() if k != "a"}
        added = patch.apply(
            DOC,
            ops(
                *(
                    {"op": "add", "path": f"/metadata/{k}", "value": v}
                    for k, v in extra.items()
                )
            ),
            PATCHABLE,
        )
        restored = patch.apply(
            added,
            ops(*({"op": "remove", "path": f"/metadata/{k}"} for k in extra)),
            PATCHABLE,
        )
        assert restored == DOC
