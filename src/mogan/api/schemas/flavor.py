"""Flavor request and response bodies (v1 section 1.7, bugs fixed).

Fixed from v1: boolean strings such as ``"false"`` mean false (bug 7);
``resource_traits`` is accepted and shown from microversion 1.1; duplicate
names on update are a 409, not a 500.
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

_TRUE = {"true", "1", "on", "yes"}
_FALSE = {"false", "0", "off", "no"}


def _bool_from_string(value: object) -> object:
    """Accept the boolean strings v1 clients send (``--disabled false``)."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        msg = f"{value!r} is not a boolean"
        raise ValueError(msg)
    return value


Boolean = Annotated[bool, pydantic.BeforeValidator(_bool_from_string)]
MAX_RESOURCES = 32
MAX_TRAITS = 128
Amount = Annotated[int, pydantic.Field(ge=1, le=common.PLACEMENT_MAX_INT)]
Resources = Annotated[
    dict[common.ResourceClass, Amount], pydantic.Field(max_length=MAX_RESOURCES)
]
MAX_PROFILES = 64
ProfileRef = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=255)]
TraitRequirement = Literal["required", "forbidden"]
ResourceTraits = Annotated[
    dict[common.Trait, TraitRequirement], pydantic.Field(max_length=MAX_TRAITS)
]


class FlavorCreate(common.Request):
    """``POST /v1/flavors``."""

    name: common.Name
    description: common.Description | None = None
    resources: Resources
    resource_traits: ResourceTraits = pydantic.Field(
        default_factory=dict,
        description="Microversion 1.1: trait name -> required or forbidden.",
    )
    resource_aggregates: common.Metadata = pydantic.Field(default_factory=dict)
    is_public: Boolean = True
    disabled: Boolean = False
    default_hardware_profile: ProfileRef | None = pydantic.Field(
        default=None,
        description=(
            "Microversion 1.5: the hardware profile (name or uuid) servers get "
            "when their request names none."
        ),
    )
    allowed_hardware_profiles: Annotated[
        list[ProfileRef], pydantic.Field(max_length=MAX_PROFILES)
    ] = pydantic.Field(
        default_factory=list,
        description=(
            "Microversion 1.5: the hardware profiles (names or uuids) a request "
            "may name; empty: any the caller may see."
        ),
    )

    composable: Boolean = pydantic.Field(
        default=False,
        description=(
            "Microversion 1.8: servers of this flavor are composed from "
            "resource blocks within one zone; `resources` are the amounts "
            "each server needs (VCPU, MEMORY_MB, DISK_GB, CUSTOM_*; VCPU "
            "required). Cannot change after creation."
        ),
    )

    @pydantic.field_validator("resources", mode="before")
    @classmethod
    def _digit_strings(cls, value: object) -> object:
        # NOTE: v1's positive_integer also took digit strings ("1").
        if isinstance(value, dict):
            return {
                k: int(v) if isinstance(v, str) and v.isdigit() else v
                for k, v in value.items()
            }
        return value


class FlavorUpdate(common.Request):
    """The patchable part of a flavor, re-validated after a JSON patch."""

    model_config = pydantic.ConfigDict(extra="forbid", strict=True)

    name: common.Name
    description: common.Description | None = None
    is_public: Boolean
    disabled: Boolean
    default_hardware_profile: ProfileRef | None = None
    allowed_hardware_profiles: Annotated[
        list[ProfileRef], pydantic.Field(max_length=MAX_PROFILES)
    ] = pydantic.Field(default_factory=list)


class Flavor(common.Response):
    """A flavor. Non-admins see only uuid, name, description, is_public, links."""

    uuid: str
    name: str
    description: str | None = None
    is_public: bool
    disabled: bool | None = None
    resources: dict[str, int] | None = None
    resource_traits: dict[str, str] | None = None
    resource_aggregates: dict[str, str] | None = None
    default_hardware_profile: str | None = None
    allowed_hardware_profiles: list[str] | None = None
    composable: bool | None = None
    links: list[common.Link]
    created_at: str | None = None
    updated_at: str | None = None


class FlavorList(common.Response):
    """``GET /v1/flavors``."""

    flavors: list[Flavor]


class FlavorListQuery(common.PageQuery):
    """Sorting and paging of the flavor list."""

    sort_key: Literal["name", "created_at", "updated_at", "uuid"] = "name"
    sort_dir: Literal["asc", "desc"] = "asc"


class FlavorAccess(common.Response):
    """``GET /v1/flavors/{uuid}/access``."""

    flavor_access: list[str]


class FlavorAccessAdd(common.Request):
    """``POST /v1/flavors/{uuid}/access``."""

    tenant_id: common.ProjectId
