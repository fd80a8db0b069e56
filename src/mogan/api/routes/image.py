"""Image routes: the embedded catalogue (admins register, users read)."""

from mogan import context as mogan_context
from mogan.api import router, state
from mogan.api.schemas import common
from mogan.api.schemas import image as schema
from mogan.db import models
from mogan.services import image as image_svc

TAG = "images"


def _view(ctx: mogan_context.RequestContext, image: models.Image) -> schema.Image:
    fields: dict[str, object] = {
        "uuid": image.uuid,
        "name": image.name,
        "checksum": image.checksum,
        "disk_format": image.disk_format,
        "kernel_id": image.kernel_id,
        "ramdisk_id": image.ramdisk_id,
        "size": image.size,
        "min_disk": image.min_disk,
        "visibility": image.visibility,
        "owner": image.owner,
        "status": image.status,
        "links": state.links("images", image.uuid),
        "created_at": image.created_at.isoformat(),
        "updated_at": image.updated_at.isoformat() if image.updated_at else None,
    }
    if ctx.can_read_all:
        fields["url"] = image.url
    return schema.Image.model_validate(fields)


@router.route("GET", "/v1/images", policy="mogan:image:get_all", tag=TAG)
def list_images(
    ctx: mogan_context.RequestContext, query: schema.ImageListQuery
) -> schema.ImageList:
    """List the images the caller may use."""
    state.authorize(ctx, "mogan:image:get_all")
    max_limit = state.conf().api.max_limit
    images = image_svc.get_all(
        ctx,
        sort_key=query.sort_key,
        sort_dir=query.sort_dir,
        limit=min(query.limit, max_limit) if query.limit is not None else max_limit,
        marker=query.marker,
    )
    return schema.ImageList(images=[_view(ctx, i) for i in images])


@router.route("POST", "/v1/images", status=201, policy="mogan:image:create", tag=TAG)
def create_image(
    ctx: mogan_context.RequestContext, body: schema.ImageCreate
) -> schema.Image:
    """Register an image."""
    state.authorize(ctx, "mogan:image:create")
    image = image_svc.create(ctx, body.model_dump())
    state.set_location(state.links("images", image.uuid)[0]["href"])
    return _view(ctx, image)


@router.route("GET", "/v1/images/{image_uuid}", policy="mogan:image:get", tag=TAG)
def show_image(
    ctx: mogan_context.RequestContext, image_uuid: common.UUID
) -> schema.Image:
    """Show an image."""
    state.authorize(ctx, "mogan:image:get")
    return _view(ctx, image_svc.get(ctx, image_uuid))


@router.route(
    "DELETE",
    "/v1/images/{image_uuid}",
    status=204,
    policy="mogan:image:delete",
    tag=TAG,
)
def delete_image(ctx: mogan_context.RequestContext, image_uuid: common.UUID) -> None:
    """Delete an image."""
    state.authorize(ctx, "mogan:image:delete")
    image_svc.delete(ctx, image_uuid)
