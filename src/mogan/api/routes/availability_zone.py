"""Availability zone route (v1 section 1.9)."""

from mogan import context as mogan_context
from mogan.api import router, state
from mogan.api.schemas import availability_zone as schema
from mogan.services import availability_zone as az_svc


@router.route(
    "GET",
    "/v1/availability_zones",
    policy="mogan:availability_zone:get_all",
    tag="availability_zones",
)
def list_availability_zones(
    ctx: mogan_context.RequestContext,
) -> schema.AvailabilityZoneList:
    """List the availability zones that have nodes."""
    state.authorize(ctx, "mogan:availability_zone:get_all")
    return schema.AvailabilityZoneList(availability_zones=az_svc.get_all(ctx))
