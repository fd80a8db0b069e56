"""Availability zones: the zones tenants may ask for.

A zone exists when some aggregate carries ``availability_zone`` metadata and
holds at least one node; there is no zone object of its own.
"""

from mogan import context as mogan_context
from mogan.db.api import aggregate as aggregate_db


def get_all(ctx: mogan_context.RequestContext) -> list[str]:
    """Names of the availability zones, sorted."""
    with ctx.database.transaction(readonly=True) as session:
        return aggregate_db.availability_zones(session)
