"""Version documents served at ``/`` and ``/v1``."""

from mogan.api.schemas import common


class Version(common.Response):
    """One API version with its microversion range."""

    id: str
    status: str
    min_version: str
    version: str
    links: list[common.Link]


class Root(common.Response):
    """``GET /``: who we are and which versions we speak."""

    name: str
    description: str
    versions: list[Version]
    default_version: Version


class V1(common.Response):
    """``GET /v1``: the version and links to its collections."""

    id: str
    min_version: str
    version: str
    links: list[common.Link]
    flavors: list[common.Link]
    keypairs: list[common.Link]
    availability_zones: list[common.Link]
