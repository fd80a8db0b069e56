"""Node enrolment bodies (microversion 1.6): ``POST /v1/nodes`` and its patches.

Every value is bounded (a 400 names the field past its bound): names and
classes as elsewhere, traits in Placement's form, at most
``MAX_PROPERTIES`` properties whose values are text, whole numbers or
booleans (Ironic's node properties are flat too), BMC addresses as URLs (the scheme the
engine's driver takes is checked by ``services.node_enrolment``), and
credentials of bounded length. The password is write-only: no response
model here or in ``node`` has it.
"""

from typing import Annotated

import pydantic

from mogan.api.schemas import common
from mogan.api.schemas import flavor as flavor_schema

MAX_PROPERTIES = 64
MAX_ADDRESS = 1024
MAX_SYSTEM_ID = 512
MAX_CREDENTIAL = 255
# NOTE: whole numbers exactly representable as doubles, as clients parse JSON.
MAX_PROPERTY_INT = 2**53


def _property_value(value: object) -> str | int | bool:
    """One property value: text, a whole number or a boolean (never nested).

    Raises:
        ValueError: anything else, or past its bound.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > common.MAX_NAME:
            msg = f"longer than {common.MAX_NAME} characters"
            raise ValueError(msg)
        return value
    if isinstance(value, int):
        if not -MAX_PROPERTY_INT <= value <= MAX_PROPERTY_INT:
            msg = f"out of the range +-{MAX_PROPERTY_INT}"
            raise ValueError(msg)
        return value
    msg = "must be text, a whole number or a boolean (properties do not nest)"
    raise ValueError(msg)


PropertyValue = Annotated[
    str | int | bool,
    pydantic.PlainValidator(_property_value),
    pydantic.WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": common.MAX_NAME},
                {
                    "type": "integer",
                    "minimum": -MAX_PROPERTY_INT,
                    "maximum": MAX_PROPERTY_INT,
                },
                {"type": "boolean"},
            ]
        }
    ),
]
Properties = Annotated[
    dict[common.MetadataKey, PropertyValue],
    pydantic.Field(max_length=MAX_PROPERTIES),
]
Traits = Annotated[
    list[common.Trait], pydantic.Field(max_length=flavor_schema.MAX_TRAITS)
]
# NOTE: no "@": credentials in the URL (user:pass@host) would be shown with
# the address, which is not write-only.
Address = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=1, max_length=MAX_ADDRESS, pattern=r"^[a-z][a-z0-9+.-]*://[^\s@]+$"
    ),
]
SystemId = Annotated[
    str,
    pydantic.StringConstraints(
        min_length=2, max_length=MAX_SYSTEM_ID, pattern=r"^/[\x21-\x7e]+$"
    ),
]
Credential = Annotated[
    str, pydantic.StringConstraints(min_length=1, max_length=MAX_CREDENTIAL)
]
DriverName = Annotated[
    str, pydantic.StringConstraints(min_length=1, max_length=64, pattern=r"^\S+$")
]


class DriverInfoIn(common.Request):
    """How the engine's driver reaches the node's BMC (``password`` write-only)."""

    address: Address = pydantic.Field(
        description="The BMC's URL (``https://bmc.example``; http or https for "
        "redfish)."
    )
    system_id: SystemId | None = pydantic.Field(
        default=None,
        description="The system's path on the BMC (``/redfish/v1/Systems/1``).",
    )
    username: Credential
    password: Credential = pydantic.Field(
        description="Write-only: stored sealed, never shown.",
        json_schema_extra={"writeOnly": True},
    )
    verify_ca: bool = pydantic.Field(
        default=True, description="Check the BMC's TLS certificate."
    )


class NodeCreate(common.Request):
    """``POST /v1/nodes``: enrol a node into the engine's driver."""

    name: common.Name
    driver: DriverName = pydantic.Field(
        description="Must be the engine's driver (``[engine] driver``)."
    )
    driver_info: DriverInfoIn
    resource_class: common.ResourceClass
    traits: Traits = pydantic.Field(default_factory=list)
    properties: Properties = pydantic.Field(default_factory=dict)


class NodeUpdate(common.Request):
    """A node's patchable attributes after a JSON patch (re-validated)."""

    name: common.Name
    resource_class: common.ResourceClass
    traits: Traits
    properties: Properties
    driver_info: DriverInfoIn | None = None


class NodeDriverInfo(common.Response):
    """How the node's BMC is reached, as shown (never the password)."""

    address: str
    system_id: str | None = None
    username: str | None = None
    verify_ca: bool
