"""Policy defaults for a server's networks, floating IPs and interfaces (v1).

v1's rule names (``mogan:server:get_networks`` ...). The target is the
server's own project and user: project members change their project's
servers' floating IPs and interfaces, readers list their networks, admins
act on any server.
"""

from mogan.policies import base

PREFIX = "mogan:server:%s"
NETWORKS = "/v1/servers/{server_uuid}/networks"

rules = [
    base.documented(
        PREFIX % "get_networks",
        base.CLOUD_READER_OR_PROJECT_READER,
        "List a server's NICs: ports, addresses and floating IPs.",
        ("GET", NETWORKS),
    ),
    base.documented(
        PREFIX % "associate_floatingip",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Associate a floating IP with one of a server's fixed addresses.",
        ("POST", f"{NETWORKS}/floatingips"),
    ),
    base.documented(
        PREFIX % "disassociate_floatingip",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Disassociate a floating IP from a server.",
        ("DELETE", f"{NETWORKS}/floatingips/{{address}}"),
    ),
    base.documented(
        PREFIX % "attach_interface",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Attach an interface (a new port on a network, or the caller's port).",
        ("POST", f"{NETWORKS}/interfaces"),
    ),
    base.documented(
        PREFIX % "detach_interface",
        base.ADMIN_OR_PROJECT_MEMBER,
        "Detach an interface from a server.",
        ("DELETE", f"{NETWORKS}/interfaces/{{port_id}}"),
    ),
]
