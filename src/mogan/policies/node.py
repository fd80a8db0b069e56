"""Policy defaults for nodes (admin, as in v1; system readers may read).

Enrolling, changing and removing nodes (microversion 1.6) is for admins only.
"""

from mogan.policies import base

PATH = "/v1/nodes"

rules = [
    base.documented(
        "mogan:node:get_all", base.CLOUD_READER, "List nodes.", ("GET", PATH)
    ),
    base.documented(
        "mogan:node:get",
        base.CLOUD_READER,
        "Show a node.",
        ("GET", PATH + "/{node_ident}"),
    ),
    base.admin_only(
        "mogan:node:create", "Enrol a node into the engine's driver.", ("POST", PATH)
    ),
    base.admin_only(
        "mogan:node:update",
        "Change an enrolled node (name, class, traits, BMC access).",
        ("PATCH", PATH + "/{node_ident}"),
    ),
    base.admin_only(
        "mogan:node:delete",
        "Remove a node carrying no server.",
        ("DELETE", PATH + "/{node_ident}"),
    ),
]
