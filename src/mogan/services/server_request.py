"""What one server request may ask for: the validated body, its bounds, checks.

``services.server`` creates servers from a ``CreateRequest`` after these
checks; every bound is a 400 naming the field, checked before any write.
"""

import base64
import binascii
import dataclasses
from typing import Any

from oslo_config import cfg
from sqlalchemy import orm

from mogan import crypto, exception
from mogan.db import models
from mogan.db.api import aggregate as aggregate_db
from mogan.db.api import server_action as action_db
from mogan.image import base as image_base
from mogan.network import base as network_base
from mogan.services import engine_calls
from mogan.services import quota as quota_svc


@dataclasses.dataclass(frozen=True)
class CreateRequest:
    """A validated ``POST /servers`` body."""

    name: str
    flavor_uuid: str
    image_uuid: str
    networks: list[dict[str, Any]]
    description: str | None = None
    availability_zone: str | None = None
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    user_data: str | None = None
    personality: list[dict[str, str]] = dataclasses.field(default_factory=list)
    key_name: str | None = None
    admin_pass: str | None = None
    min_count: int = 1
    max_count: int | None = None
    partitions: dict[str, int] = dataclasses.field(default_factory=dict)
    group: str | None = None
    # NOTE: microversion 1.5, in wire form: ``server.hardware`` and the
    # ``bond`` of ``networks[i]`` keyed by ``i``.
    hardware: dict[str, Any] | None = None
    bonds: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class RequestBounds:
    """The ``[api]`` bounds on one server request, checked before any write."""

    servers: int
    metadata_items: int
    metadata_key_length: int
    metadata_value_length: int
    user_data_bytes: int
    personality_files: int
    personality_bytes: int
    networks: int
    group_members: int
    actions_per_server: int = action_db.DEFAULT_KEEP

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> "RequestBounds":
        """The bounds ``conf`` sets."""
        api = conf.api
        return cls(
            servers=api.max_servers_per_request,
            metadata_items=api.max_metadata_items,
            metadata_key_length=api.max_metadata_key_length,
            metadata_value_length=api.max_metadata_value_length,
            user_data_bytes=api.max_user_data_bytes,
            personality_files=api.max_personality_files,
            personality_bytes=api.max_personality_bytes,
            networks=api.max_networks_per_server,
            group_members=api.max_server_group_members,
            actions_per_server=conf.server_actions.max_actions_per_server,
        )


@dataclasses.dataclass(frozen=True)
class Backends:
    """What server actions reach beyond the database, and their bounds."""

    engine: engine_calls.Engine
    images: image_base.ImageBackend
    networks: network_base.NetworkBackend
    limits: quota_svc.LimitSource
    bounds: RequestBounds
    # NOTE: seals the admin password before it rests in the workflow rows.
    sealer: crypto.Sealer


def _too_many(field: str, count: int, bound: int, what: str) -> None:
    if count > bound:
        raise exception.InvalidParameter(
            field=field, reason=f"{count} {what}; at most {bound} allowed"
        )


def check_metadata(bounds: RequestBounds, metadata: dict[str, str]) -> None:
    """Refuse metadata past the configured bounds.

    Raises:
        InvalidParameter: too many items, or a key or value too long.
    """
    _too_many("metadata", len(metadata), bounds.metadata_items, "items")
    for key, value in metadata.items():
        if len(key) > bounds.metadata_key_length:
            raise exception.InvalidParameter(
                field="metadata",
                reason=f"key longer than {bounds.metadata_key_length} characters",
            )
        if len(value) > bounds.metadata_value_length:
            raise exception.InvalidParameter(
                field=f"metadata.{key}",
                reason=f"longer than {bounds.metadata_value_length} characters",
            )


def check_bounds(bounds: RequestBounds, request: CreateRequest) -> None:
    """Refuse what is past the bounds, before anything is written."""
    for field, value in (
        ("min_count", request.min_count),
        ("max_count", request.max_count),
    ):
        if value is not None and value > bounds.servers:
            raise exception.InvalidParameter(
                field=field,
                reason=f"{value} servers; at most {bounds.servers} per request",
            )
    _too_many("networks", len(request.networks), bounds.networks, "networks")
    _too_many(
        "personality", len(request.personality), bounds.personality_files, "files"
    )
    check_metadata(bounds, request.metadata)
    if (
        request.user_data is not None
        and len(request.user_data) > bounds.user_data_bytes
    ):
        raise exception.InvalidParameter(
            field="user_data",
            reason=f"longer than {bounds.user_data_bytes} characters",
        )
    for index, item in enumerate(request.personality):
        if len(item["contents"]) > bounds.personality_bytes:
            raise exception.InvalidParameter(
                field=f"personality[{index}].contents",
                reason=f"longer than {bounds.personality_bytes} characters",
            )


def check_user_data(user_data: str | None) -> None:
    """Refuse user data that is not base64 (400 naming ``user_data``)."""
    if user_data is None:
        return
    try:
        base64.b64decode(user_data, validate=True)
    except (binascii.Error, ValueError) as err:
        raise exception.InvalidParameter(
            field="user_data", reason="must be valid base64"
        ) from err


def check_personality(files: list[dict[str, str]]) -> None:
    """Refuse injected files whose contents are not base64 (names the file)."""
    for index, item in enumerate(files):
        try:
            base64.b64decode(item["contents"], validate=True)
        except (binascii.Error, ValueError) as err:
            raise exception.InvalidParameter(
                field=f"personality[{index}].contents",
                reason=f"invalid base64 data for file {item['path']}",
            ) from err


def image_label(image: image_base.ImageInfo) -> str:
    """``name (uuid)`` of an image, for messages."""
    return exception.labelled(image.name, image.uuid)


def check_active(image: image_base.ImageInfo) -> None:
    """Only an ``active`` image is deployed (not queued, deactivated ...).

    Raises:
        InvalidParameter: naming ``image_uuid``, the image and its status.
    """
    if image.status != "active":
        raise exception.InvalidParameter(
            field="image_uuid",
            reason=(
                f"image {image_label(image)} is {image.status or 'in no state'}, "
                "not active: only active images can be deployed"
            ),
        )


def requested_partitions(request: CreateRequest) -> dict[str, int]:
    """v1's partition sizes, given at the top level or in ``hardware.partitions``.

    Raises:
        InvalidParameter: given in both places.
    """
    nested = (request.hardware or {}).get("partitions")
    if nested and request.partitions:
        raise exception.InvalidParameter(
            field="hardware.partitions",
            reason="give partitions at the top level or in hardware, not both",
        )
    if nested:
        return {
            k: int(nested.get(k) or 0) for k in ("root_gb", "ephemeral_gb", "swap_mb")
        }
    return dict(request.partitions)


def partitions(request: CreateRequest, image: image_base.ImageInfo) -> dict[str, int]:
    """The partitions to deploy with, checked against the image (v1 section 2.5)."""
    requested = requested_partitions(request)
    if not image.is_partition_image:
        # NOTE: ``hardware.partitions`` on a whole-disk image is its layout
        # (applied through cloud-init), not v1's partition sizes.
        if request.partitions:
            raise exception.InvalidParameter(
                field="partitions",
                reason=(
                    f"image {image_label(image)} is whole-disk: it takes no partitions"
                ),
            )
        return {}
    partitions = requested or {"root_gb": 10}
    root_gb = partitions["root_gb"]
    if image.size is not None and image.size > root_gb * 1024**3:
        raise exception.InvalidParameter(
            field="partitions.root_gb",
            reason=f"{root_gb} GiB is smaller than image {image_label(image)}",
        )
    if image.min_disk > root_gb:
        raise exception.InvalidParameter(
            field="partitions.root_gb",
            reason=f"image {image_label(image)} needs at least {image.min_disk} GiB",
        )
    return partitions


def check_flavor(
    session: orm.Session, flavor: models.Flavor, request: CreateRequest
) -> None:
    """The flavor can build servers, in the zone asked for.

    Raises:
        InvalidParameter: the flavor is disabled, or composable with an
            availability zone.

    NOTE: a composable flavor builds composed servers at any microversion:
    the operator offered it, and a client older than 1.8 gets a working
    server (without ``composed`` in its answers), as it gets any flavor's.
        AvailabilityZoneNotFound: no aggregate with nodes has the zone.
    """
    if flavor.disabled:
        raise exception.InvalidParameter(
            field="flavor_uuid",
            reason=(
                f"flavor {exception.labelled(flavor.name, flavor.uuid)} is disabled"
            ),
        )
    if flavor.composable and request.availability_zone is not None:
        # NOTE: availability zones are node aggregates; a composed
        # server is built in a composition zone the scheduler picks.
        raise exception.InvalidParameter(
            field="availability_zone",
            reason=(
                f"flavor {exception.labelled(flavor.name, flavor.uuid)} is "
                "composable: its servers are built in a composition zone, "
                "not in an availability zone"
            ),
        )
    if request.availability_zone is not None and (
        request.availability_zone not in aggregate_db.availability_zones(session)
    ):
        raise exception.AvailabilityZoneNotFound(zone=request.availability_zone)
