"""Availability zone response body (v1 section 1.9)."""

from mogan.api.schemas import common


class AvailabilityZoneList(common.Response):
    """``GET /v1/availability_zones``: zone names."""

    availability_zones: list[str]
