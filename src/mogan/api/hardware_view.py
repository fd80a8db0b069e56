"""``server.hardware`` as shown at microversion 1.5: the request and its results.

The request is ``servers.hardware`` (the effective request in wire form).
Per-section results come from ``servers.hardware_result``, which the engine
writes while it deploys; until it has, every section asked for is
``pending``. The results are read in any of the forms the engine may store
(a ``HardwareResult`` dump, or a map of section → result), so this view does
not break when the engine's side changes.
"""

from typing import Any

from mogan.api.schemas import hardware as schema
from mogan.db import models
from mogan.drivers import hardware

PENDING = "pending"
APPLIED = "applied"
FAILED = "failed"
_SHOWN = ("profile", "raid", "partitions", "bios", "firmware", "bonds", "traits")


def _one(value: Any) -> dict[str, Any]:
    """One section's result, from any stored form."""
    if not isinstance(value, dict):
        return {"status": PENDING}
    if value.get("status") in {PENDING, APPLIED, FAILED}:
        return {"status": value["status"], "message": value.get("message")}
    if "applied" in value:
        if value["applied"]:
            return {"status": APPLIED}
        return {"status": FAILED, "message": value.get("error") or value.get("message")}
    return {"status": PENDING}


def _results(stored: Any) -> dict[str, dict[str, Any]]:
    """Section name → result, from what the engine stored (or nothing)."""
    if not isinstance(stored, dict):
        return {}
    sections = stored.get("sections")
    if isinstance(sections, list):
        return {
            str(item["section"]): _one(item)
            for item in sections
            if isinstance(item, dict) and "section" in item
        }
    if isinstance(sections, dict):
        stored = sections
    return {
        name: _one(value)
        for name, value in stored.items()
        if name in {s.value for s in hardware.HardwareSection}
    }


def view(server: models.Server, *, admin: bool) -> schema.ServerHardware | None:
    """The server's hardware request with a result per section, or None."""
    requested: dict[str, Any] | None = server.hardware
    if not requested:
        return None
    # NOTE: ``hardware_result`` is the engine's column; read defensively.
    stored = getattr(server, "hardware_result", None)
    results = _results(stored)
    asked = [s.value for s in hardware.HardwareSection if requested.get(s.value)]
    fields: dict[str, Any] = {k: requested[k] for k in _SHOWN if k in requested}
    fields["result"] = {name: results.get(name, {"status": PENDING}) for name in asked}
    if admin and isinstance(stored, dict):
        # NOTE: what each section left on the node (the engine's ``applied``).
        ended = {
            name: value["applied"]
            for name, value in stored.items()
            if isinstance(value, dict) and isinstance(value.get("applied"), dict)
        }
        if isinstance(stored.get("node"), dict):
            ended = {**stored["node"], **ended}
        if ended:
            fields["node"] = ended
    return schema.ServerHardware.model_validate(fields)
