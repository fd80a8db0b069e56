"""Version documents: ``GET /`` and ``GET /v1`` (public)."""

from mogan.api import microversion, router, state
from mogan.api.schemas import common
from mogan.api.schemas import root as root_schema


def _links(path: str) -> list[common.Link]:
    base = state.base_url()
    return [
        common.Link(href=f"{base}/v1/{path}", rel="self"),
        common.Link(href=f"{base}/{path}", rel="bookmark"),
    ]


def _v1_version() -> root_schema.Version:
    return root_schema.Version(
        id="v1",
        status="CURRENT",
        min_version=str(microversion.MIN_VERSION),
        version=str(microversion.MAX_VERSION),
        links=[common.Link(href=f"{state.base_url()}/v1/", rel="self")],
    )


@router.route("GET", "/", policy=None, tag="version")
def index() -> root_schema.Root:
    """List API versions with their microversion range."""
    v1 = _v1_version()
    return root_schema.Root(
        name="OpenStack Mogan API",
        description=(
            "Mogan is an OpenStack project which aims to facilitate baremetal "
            "machines management."
        ),
        versions=[v1],
        default_version=v1,
    )


@router.route("GET", "/v1", policy=None, tag="version")
def v1_index() -> root_schema.V1:
    """Describe version 1 and link to its collections."""
    v1 = _v1_version()
    return root_schema.V1(
        id="v1",
        min_version=v1.min_version,
        version=v1.version,
        links=v1.links,
        flavors=_links("flavors/"),
        keypairs=_links("keypairs/"),
        availability_zones=_links("availability_zones/"),
    )
