"""Redfish wire helpers: JSON responses, collections, messages and error bodies.

Messages use the standard ``Base.1.4.0`` registry (the one sushy 5.14 ships),
so a client parses them the way it parses a real BMC's.
"""

import json
from typing import Any

import flask

BASE = "Base.1.4.0"

# NOTE: (severity, text with %1.. placeholders, resolution) of the Base
# messages this emulator sends; the identifiers are the standard's.
MESSAGES = {
    "Success": ("OK", "Successfully Completed Request", "None"),
    "Created": ("OK", "The resource has been created successfully", "None"),
    "GeneralError": (
        "Critical",
        "A general error has occurred. See ExtendedInfo for more information.",
        "See ExtendedInfo for more information.",
    ),
    "InternalError": (
        "Critical",
        "The request failed due to an internal service error.",
        "Resubmit the request.  If the problem persists, reset the service.",
    ),
    "MalformedJSON": (
        "Critical",
        "The request body submitted was malformed JSON.",
        "Ensure that the request body is valid JSON and resubmit the request.",
    ),
    "PropertyMissing": (
        "Warning",
        "The property %1 is a required property and must be included in the request.",
        "Ensure that the property is in the request body and has a valid value.",
    ),
    "PropertyUnknown": (
        "Warning",
        "The property %1 is not in the list of valid properties for the resource.",
        "Remove the unknown property from the request body and resubmit.",
    ),
    "PropertyNotWritable": (
        "Warning",
        "The property %1 is a read only property and cannot be assigned a value.",
        "Remove the property from the request body and resubmit the request.",
    ),
    "PropertyValueNotInList": (
        "Warning",
        "The value %1 for the property %2 is not in the list of acceptable values.",
        "Choose a value from the enumeration list and resubmit the request.",
    ),
    "PropertyValueTypeError": (
        "Warning",
        (
            "The value %1 for the property %2 is of a different type than the "
            "property can accept."
        ),
        "Correct the value for the property in the request body and resubmit.",
    ),
    "StringValueTooLong": (
        "Warning",
        "The string %1 exceeds the length limit %2.",
        "Resubmit the request with an appropriate string length.",
    ),
    "ResourceInUse": (
        "Warning",
        (
            "The change to the requested resource failed because the resource is "
            "in use or in transition."
        ),
        "Remove the condition and resubmit the request.",
    ),
    "ResourceAlreadyExists": (
        "Critical",
        (
            "The requested resource of type %1 with the property %2 with the value "
            "%3 already exists."
        ),
        "Do not repeat the create operation as the resource has already been created.",
    ),
    "ResourceMissingAtURI": (
        "Critical",
        "The resource at the URI %1 was not found.",
        "Place a valid resource at the URI or correct the URI and resubmit.",
    ),
    "ResourceNotFound": (
        "Critical",
        "The requested resource of type %1 named %2 was not found.",
        "Provide a valid resource identifier and resubmit the request.",
    ),
    "ResourceCannotBeDeleted": (
        "Critical",
        "The delete request failed because the resource requested cannot be deleted.",
        "Do not attempt to delete a non-deletable resource.",
    ),
    "InvalidObject": (
        "Critical",
        "The object at %1 is invalid.",
        "Either the object is malformed or the URI is not correct.",
    ),
    "ActionParameterMissing": (
        "Critical",
        "The action %1 requires the parameter %2 to be present in the request body.",
        "Supply the action with the required parameter in the request body.",
    ),
    "ActionParameterValueFormatError": (
        "Critical",
        (
            "The value %1 for the parameter %2 in the action %3 is of a different "
            "format than the parameter can accept."
        ),
        "Correct the value for the parameter in the request body and resubmit.",
    ),
    "NoValidSession": (
        "Critical",
        "There is no valid session established with the implementation.",
        "Establish a session before attempting any operations.",
    ),
    "ServiceTemporarilyUnavailable": (
        "Critical",
        "The service is temporarily unavailable.  Retry in %1 seconds.",
        "Wait for the indicated retry duration and retry the operation.",
    ),
}


def message(
    message_id: str, *args: Any, related: tuple[str, ...] = (), text: str = ""
) -> dict[str, Any]:
    """One Redfish Message object of the Base registry.

    Args:
        message_id: the registry key (``PropertyUnknown`` ...).
        args: the message arguments (rendered as strings).
        related: JSON pointers of the properties concerned.
        text: a message to send instead of the registry's rendering (the
            emulator's own explanation, e.g. a scripted failure).
    """
    severity, template, resolution = MESSAGES[message_id]
    rendered = template
    for index, arg in enumerate(args, start=1):
        rendered = rendered.replace(f"%{index}", str(arg))
    body: dict[str, Any] = {
        "@odata.type": "#Message.v1_1_1.Message",
        "MessageId": f"{BASE}.{message_id}",
        "Message": text or rendered,
        "MessageArgs": [str(arg) for arg in args],
        "Severity": severity,
        "Resolution": resolution,
    }
    if related:
        body["RelatedProperties"] = list(related)
    return body


class RedfishError(Exception):
    """A request the emulator refuses: answered with a Redfish ``error`` body."""

    def __init__(
        self,
        status: int,
        message_id: str,
        *args: Any,
        text: str = "",
        related: tuple[str, ...] = (),
        extra: list[dict[str, Any]] | None = None,
    ) -> None:
        """Remember the status and the message of the error body."""
        self.status = status
        self.info = [message(message_id, *args, related=related, text=text)]
        self.info += extra or []
        super().__init__(self.info[0]["Message"])

    def body(self) -> dict[str, Any]:
        """The Redfish error body (``error.code``, ``@Message.ExtendedInfo``)."""
        first = self.info[0]
        return {
            "error": {
                "code": first["MessageId"],
                "message": first["Message"],
                "@Message.ExtendedInfo": self.info,
            }
        }


def error_response(err: RedfishError) -> flask.Response:
    """The response for a refused request."""
    return respond(err.body(), err.status)


def respond(
    body: Any = None, status: int = 200, headers: dict[str, str] | None = None
) -> flask.Response:
    """A JSON response (an empty one when ``body`` is None)."""
    text = "" if body is None else json.dumps(body, indent=2)
    return flask.Response(
        text, status=status, headers=headers, content_type="application/json"
    )


def odata(path: str, odata_type: str, **fields: Any) -> dict[str, Any]:
    """A resource body with its ``@odata.id`` and ``@odata.type``."""
    return {"@odata.id": path, "@odata.type": odata_type, **fields}


def link(path: str) -> dict[str, str]:
    """A reference to another resource."""
    return {"@odata.id": path}


def collection(path: str, kind: str, name: str, members: list[str]) -> dict[str, Any]:
    """A standard resource collection of ``members`` (their paths)."""
    return odata(
        path,
        f"#{kind}Collection.{kind}Collection",
        Name=name,
        Members=[link(member) for member in members],
        **{"Members@odata.count": len(members)},
    )


def request_json() -> dict[str, Any]:
    """The request body, which must be a JSON object.

    Raises:
        RedfishError: 400 ``MalformedJSON`` otherwise.
    """
    body = flask.request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RedfishError(400, "MalformedJSON")
    return body


def link_path(value: Any) -> str | None:
    """The ``@odata.id`` of a reference object, or None when it is not one."""
    if isinstance(value, dict) and isinstance(value.get("@odata.id"), str):
        return value["@odata.id"].rstrip("/")
    return None
