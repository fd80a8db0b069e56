"""JSON-Patch (RFC 6902) for PATCH endpoints, restricted as in Mogan v1.

Only ``add``, ``replace`` and ``remove`` are accepted, paths look like
``/name`` or ``/metadata/key``, and only the resource's patchable
attributes may be touched. The result is re-validated by the resource's
update model, so a patch can never store what a create would refuse.
"""

import copy
from typing import Annotated, Any, Literal

import pydantic

from mogan import exception
from mogan.api import errors
from mogan.api.schemas import common

PATH_RE = r"^(/[\w\-.: ~]+)+$"
# NOTE: the longest path is ``/metadata/<key>`` with a key of 255 characters,
# each escaped (``~0``, ``~1``) at worst.
MAX_PATH = 600
MAX_OPS = 1000


class PatchOp(common.Request):
    """One JSON-patch operation."""

    op: Literal["add", "replace", "remove"]
    path: Annotated[
        str, pydantic.StringConstraints(max_length=MAX_PATH, pattern=PATH_RE)
    ]
    # NOTE: any JSON, bounded by the body's size and depth; the patched
    # document is re-validated by the resource's update model (``validated``).
    value: Any = None


PatchDocument = pydantic.RootModel[
    Annotated[list[PatchOp], pydantic.Field(min_length=1, max_length=MAX_OPS)]
]


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def apply(
    doc: dict[str, Any],
    ops: list[PatchOp],
    patchable: set[str],
    internal: set[str] | None = None,
) -> dict[str, Any]:
    """Apply ``ops`` to a copy of ``doc``.

    Args:
        doc: current values of the patchable attributes.
        ops: the operations, in order.
        patchable: top-level attributes that may change.
        internal: attributes that exist but may never change (for a clearer
            message than "unknown attribute").

    Returns:
        The patched copy.

    Raises:
        PatchError: an operation names an attribute it may not touch, a
            missing member, or lacks a value.
    """
    result = copy.deepcopy(doc)
    for op in ops:
        segments = [_unescape(s) for s in op.path.split("/")[1:]]
        top = segments[0]
        if internal and top in internal:
            raise exception.PatchError(
                reason=f"'{op.path}' is an internal attribute and can not be updated"
            )
        if top not in patchable:
            raise exception.PatchError(
                reason=f"'{op.path}' is not an attribute that can be updated"
            )
        if op.op != "remove" and "value" not in op.model_fields_set:
            raise exception.PatchError(reason=f"'{op.op}' on '{op.path}' needs a value")
        parent: Any = result
        for segment in segments[:-1]:
            if not isinstance(parent, dict) or segment not in parent:
                raise exception.PatchError(reason=f"'{op.path}' does not exist")
            parent = parent[segment]
        leaf = segments[-1]
        if not isinstance(parent, dict):
            raise exception.PatchError(reason=f"'{op.path}' does not exist")
        if op.op in {"remove", "replace"} and leaf not in parent:
            raise exception.PatchError(reason=f"'{op.path}' does not exist")
        if op.op == "remove":
            del parent[leaf]
        else:
            parent[leaf] = op.value
    return result


def validated(model: type[pydantic.BaseModel], doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` checked against ``model``, as a plain dict.

    Raises:
        InvalidParameter: the patched document is invalid, naming the field.
    """
    try:
        return model.model_validate(doc).model_dump()
    except pydantic.ValidationError as err:
        field, reason = errors.describe_validation_error(err)
        raise exception.InvalidParameter(field=field, reason=reason) from err
