"""Availability zones: the zones tenants may ask for.

A zone exists when some aggregate carries ``availability_zone`` metadata and
has nodes. Aggregates arrive with the scheduling work (issue #4); until then
no zone exists and the list is empty.
"""

from mogan import context as mogan_context


def get_all(ctx: mogan_context.RequestContext) -> list[str]:
    """Names of the availability zones, sorted."""
    # TODO(#4): derive zones from aggregates that have nodes.
    del ctx
    return []
