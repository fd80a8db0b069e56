"""Policy defaults for composition services and their blocks (admin only, 1.7).

Their addresses and blocks describe the site's hardware: admins only, for
reading too.
"""

from mogan.policies import base

PATH = "/v1/composition_services"

rules = [
    base.admin_only(
        "mogan:composition_service:get_all",
        "List composition services.",
        ("GET", PATH),
    ),
    base.admin_only(
        "mogan:composition_service:get",
        "Show a composition service, or list its resource blocks.",
        ("GET", PATH + "/{service_uuid}"),
        ("GET", PATH + "/{service_uuid}/blocks"),
    ),
    base.admin_only(
        "mogan:composition_service:create",
        "Register a composition service.",
        ("POST", PATH),
    ),
    base.admin_only(
        "mogan:composition_service:update",
        "Rename a composition service or change how it is reached.",
        ("PATCH", PATH + "/{service_uuid}"),
    ),
    base.admin_only(
        "mogan:composition_service:delete",
        "Remove a composition service none of whose blocks is claimed.",
        ("DELETE", PATH + "/{service_uuid}"),
    ),
]
