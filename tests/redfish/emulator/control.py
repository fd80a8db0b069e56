"""The tests' side door: ``/mogan-test/...`` (not Redfish, no credentials).

- ``POST /mogan-test/reset`` ``{"systems": [specs], "pool": spec|null,
  "delays": {...}}``: forget everything (media ejected, faults, tasks,
  sessions, the request log) and start over; 204.
- ``POST /mogan-test/systems`` (a spec) -> 201 ``{"uuid", "name",
  "path"}``; ``GET`` lists them so. ``GET /mogan-test/systems/<uuid>`` ->
  the whole record (power, boot, BIOS current and pending, versions,
  storage, ``last_boot``, the installer's last run ``install`` and what it
  wrote, ``disk``: see ``installer``) plus ``media`` (virtual media per
  device);
  ``DELETE`` removes it;
  ``POST /mogan-test/systems/<uuid>/power {"state": "On"|"Off"}`` changes
  power out of band (powering on boots).
- ``PUT /mogan-test/pool`` (a pool spec, see ``composition``) replaces the
  composition pool (systems composed from the old one go); ``GET`` shows
  every block's state, reservation and system.
- ``POST /mogan-test/faults`` ``{"action", "system"?, "times"? (default 1;
  null: forever), "status"?, "message"?, "method"?, "path"?}``;
  ``GET``/``DELETE /mogan-test/faults``. Actions: ``FAULT_ACTIONS``.
  ``compose`` faults answer before the service's own checks and also
  take ``block`` (only compositions of that block fail), ``after``
  (true: the system is composed, then the error is answered, as when the
  service's response is lost) and ``message_id`` (the error's
  ``MessageId``, default ``GeneralError``).
- ``PUT /mogan-test/delays`` ``{"power", "boot", "firmware", "compose",
  "install"}`` (seconds).
- ``GET``/``DELETE /mogan-test/requests``: the request log.
- ``DELETE /mogan-test/sessions``: every session expires (clients must log
  in again).
"""

import time
from typing import Any

import flask

from . import composition, redfish
from .state import DELAYS, STORE

PREFIX = "/mogan-test"
FAULT_ACTIONS = (
    "power",
    "boot",
    "bios.patch",
    "bios.apply",
    "firmware",
    "media.insert",
    "media.eject",
    "volume.create",
    "volume.delete",
    "compose",
    "decompose",
    "install",
    "http",
)


class ControlError(Exception):
    """A control request that makes no sense (400 with a plain message)."""


def _body() -> Any:
    return flask.request.get_json(silent=True)


def _json(body: Any = None, status: int = 200) -> flask.Response:
    return redfish.respond(body, status)


def _delays(delays: dict[str, Any]) -> None:
    unknown = set(delays) - set(DELAYS)
    if unknown:
        raise ControlError(f"unknown delays {sorted(unknown)}")
    for name, value in delays.items():
        if not isinstance(value, int | float) or value < 0:
            raise ControlError(f"delay {name} must be >= 0")
    STORE.delays.update({name: float(value) for name, value in delays.items()})


def _set_pool(spec: dict[str, Any] | None) -> None:
    with STORE.lock:
        for system_uuid in [
            s["uuid"] for s in STORE.systems.values() if s["system_type"] == "Composed"
        ]:
            STORE.eject_all(system_uuid)
            del STORE.systems[system_uuid]
        STORE.pool = None if spec is None else composition.normalize_pool(spec)


def reset() -> flask.Response:
    """Start over with new systems (and a pool and delays)."""
    body = _body() or {}
    with STORE.lock:
        try:
            STORE.reset(body.get("systems", []))
            _set_pool(body.get("pool"))
            _delays(body.get("delays", {}))
        except (KeyError, TypeError, ValueError) as err:
            raise ControlError(str(err)) from err
    return _json(None, 204)


def add_system() -> flask.Response:
    """Add a system (POST), or list them (GET: uuid, name, path)."""
    if flask.request.method == "GET":
        with STORE.lock:
            return _json(
                [
                    {"uuid": u, "name": s["name"], "path": f"/redfish/v1/Systems/{u}"}
                    for u, s in STORE.systems.items()
                ]
            )
    try:
        record = STORE.add_system(_body() or {})
    except (KeyError, TypeError, ValueError) as err:
        raise ControlError(str(err)) from err
    body = {
        "uuid": record["uuid"],
        "name": record["name"],
        "path": f"/redfish/v1/Systems/{record['uuid']}",
    }
    return _json(body, 201)


def system(system_uuid: str) -> flask.Response:
    """Inspect (GET) or remove (DELETE) a system."""
    driver = flask.current_app.systems
    with STORE.lock:
        if system_uuid not in STORE.systems:
            return _json({"error": f"no system {system_uuid}"}, 404)
        if flask.request.method == "DELETE":
            STORE.eject_all(system_uuid)
            del STORE.systems[system_uuid]
            return _json(None, 204)
        record = dict(driver.record(system_uuid))
        record["media"] = {
            device: dict(
                zip(
                    ("image", "inserted"),
                    STORE.media_info(system_uuid, device),
                    strict=True,
                )
            )
            for device in ("Cd", "Floppy")
        }
    return _json(record)


def power(system_uuid: str) -> flask.Response:
    """Change power out of band (``{"state": "On"|"Off"}``)."""
    target = (_body() or {}).get("state")
    if target not in {"On", "Off"}:
        raise ControlError("state must be On or Off")
    driver = flask.current_app.systems
    with STORE.lock:
        if system_uuid not in STORE.systems:
            return _json({"error": f"no system {system_uuid}"}, 404)
        driver._apply_power(driver.record(system_uuid), target, time.time())
    return _json(None, 204)


def pool() -> flask.Response:
    """Replace (PUT) or inspect (GET) the composition pool."""
    if flask.request.method == "PUT":
        try:
            _set_pool(_body())
        except (KeyError, TypeError, ValueError) as err:
            raise ControlError(str(err)) from err
        return _json(None, 204)
    with STORE.lock:
        if STORE.pool is None:
            return _json(None)
        body = {
            "zones": list(STORE.pool["zones"]),
            "limits": STORE.pool["limits"],
            "blocks": {
                block_id: {
                    "state": composition.block_state(block),
                    "reserved": block["reserved"],
                    "system": block["system"],
                    "types": block["types"],
                    "zones": block["zones"],
                    "chassis": block["chassis"],
                }
                for block_id, block in STORE.pool["blocks"].items()
            },
        }
    return _json(body)


def faults() -> flask.Response:
    """Script (POST), list (GET) or clear (DELETE) failures."""
    if flask.request.method == "GET":
        with STORE.lock:
            return _json(list(STORE.faults))
    if flask.request.method == "DELETE":
        with STORE.lock:
            STORE.faults.clear()
        return _json(None, 204)
    fault = _body()
    if not isinstance(fault, dict) or fault.get("action") not in FAULT_ACTIONS:
        raise ControlError(f"a fault needs an action among {FAULT_ACTIONS}")
    fault.setdefault("times", 1)
    STORE.add_fault(fault)
    return _json(fault, 201)


def delays() -> flask.Response:
    """Set delays (seconds) for power, boot, firmware, compose and install."""
    body = _body()
    if not isinstance(body, dict):
        raise ControlError("delays must be an object")
    with STORE.lock:
        _delays(body)
    return _json(None, 204)


def requests_log() -> flask.Response:
    """The requests served since the last reset (GET), or forget them (DELETE)."""
    with STORE.lock:
        if flask.request.method == "DELETE":
            STORE.requests.clear()
            return _json(None, 204)
        return _json(list(STORE.requests))


def expire_sessions() -> flask.Response:
    """Every session ends (as when a BMC restarts)."""
    with STORE.lock:
        STORE.sessions.clear()
    return _json(None, 204)


def install(app: flask.Flask) -> None:
    """Put the control endpoints on the emulator's app."""
    rules = [
        ("/reset", reset, ["POST"]),
        ("/systems", add_system, ["GET", "POST"]),
        ("/systems/<system_uuid>", system, ["GET", "DELETE"]),
        ("/systems/<system_uuid>/power", power, ["POST"]),
        ("/pool", pool, ["GET", "PUT"]),
        ("/faults", faults, ["GET", "POST", "DELETE"]),
        ("/delays", delays, ["PUT"]),
        ("/requests", requests_log, ["GET", "DELETE"]),
        ("/sessions", expire_sessions, ["DELETE"]),
    ]
    for rule, view, methods in rules:
        app.add_url_rule(
            f"{PREFIX}{rule}", f"mogan_control_{view.__name__}", view, methods=methods
        )
    app.register_error_handler(
        ControlError, lambda err: _json({"error": str(err)}, 400)
    )
