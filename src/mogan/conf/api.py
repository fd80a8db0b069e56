"""Options of the ``[api]`` group: the REST API listener and its auth."""

from oslo_config import cfg

group = cfg.OptGroup("api", title="REST API options")

opts = [
    cfg.HostAddressOpt(
        "host_ip",
        default="0.0.0.0",  # noqa: S104 - a service listens on every interface by default
        help="Address the API listens on.",
    ),
    cfg.PortOpt("port", default=6688, help="Port the API listens on."),
    cfg.IntOpt(
        "api_workers",
        default=8,
        min=1,
        help=(
            "Number of threads running API requests (mogan-api and the "
            "all-in-one). A connection whose request is still arriving, or "
            "that idles between requests, holds no thread."
        ),
    ),
    cfg.IntOpt(
        "max_connections",
        default=500,
        min=16,
        help=(
            "Most client connections open at once. Past it, new connections "
            "wait in the listen backlog (1024) until others close. Each "
            "holds a file descriptor, not a thread: keep it below the "
            "process's open-files limit."
        ),
    ),
    cfg.FloatOpt(
        "client_header_timeout",
        default=20.0,
        min=1.0,
        help=(
            "Seconds a client has to send a request's line and headers, from "
            "its first byte. A total deadline, not an inactivity timer: a "
            "client trickling a byte a second is cut off too. A late client "
            "gets 408 and the connection is closed."
        ),
    ),
    cfg.FloatOpt(
        "client_body_timeout",
        default=60.0,
        min=1.0,
        help=(
            "Seconds a client has to send a request's body once its headers "
            "arrived (a total deadline, as client_header_timeout). The "
            "default takes a max_request_body_size body at 17 KiB/s."
        ),
    ),
    cfg.FloatOpt(
        "client_idle_timeout",
        default=60.0,
        min=1.0,
        help=(
            "Seconds a connection may stay silent (a keep-alive connection "
            "between requests, or a client not reading its response) before "
            "it is closed."
        ),
    ),
    cfg.FloatOpt(
        "interface_timeout",
        default=60.0,
        min=0.1,
        help=(
            "Seconds an interface attach or detach request waits for the "
            "engine's workflow (v1 answered once it was done). Past it the "
            "answer is 409 (mogan.engine.unavailable) and the workflow goes "
            "on; the server's actions tell how it ended."
        ),
    ),
    cfg.IntOpt(
        "max_limit",
        default=1000,
        min=1,
        help=(
            "The most items a collection returns in one response, whatever "
            "``limit`` the client asked for."
        ),
    ),
    cfg.IntOpt(
        "max_request_body_size",
        default=1048576,
        min=1024,
        help=(
            "Largest request body accepted, in bytes; larger ones get 413 "
            "before they are read (user_data alone may be 64 KiB)."
        ),
    ),
    cfg.IntOpt(
        "max_servers_per_request",
        default=100,
        min=1,
        max=10000,
        help=(
            "Most servers one POST /v1/servers may ask for (max_count, and "
            "min_count); larger requests get 400 before anything is written."
        ),
    ),
    cfg.IntOpt(
        "max_metadata_items",
        default=128,
        min=0,
        max=1024,
        help=(
            "Most metadata items one server may carry, whatever its project's "
            "metadata_items quota says; more gets 400."
        ),
    ),
    cfg.IntOpt(
        "max_metadata_key_length",
        default=255,
        min=1,
        max=255,
        help="Longest metadata key, in characters.",
    ),
    cfg.IntOpt(
        "max_metadata_value_length",
        default=255,
        min=0,
        max=255,
        help="Longest metadata value, in characters.",
    ),
    cfg.IntOpt(
        "max_user_data_bytes",
        default=65535,
        min=0,
        max=1048576,
        help="Largest user_data of a server, in base64 characters.",
    ),
    cfg.IntOpt(
        "max_personality_files",
        default=5,
        min=0,
        max=100,
        help="Most files a server's personality may inject.",
    ),
    cfg.IntOpt(
        "max_personality_bytes",
        default=10240,
        min=0,
        max=1048576,
        help="Largest contents of one personality file, in base64 characters.",
    ),
    cfg.IntOpt(
        "max_networks_per_server",
        default=16,
        min=1,
        max=256,
        help="Most networks (NICs) one server may ask for.",
    ),
    cfg.IntOpt(
        "max_server_group_members",
        default=1000,
        min=1,
        max=100000,
        help=(
            "Most servers one server group may hold, whatever its project's "
            "server_group_members quota says; more gets 400."
        ),
    ),
    cfg.URIOpt(
        "public_endpoint",
        help=(
            "Public URL of this API (e.g. https://cloud.example.com/baremetal_"
            "compute) used in resource links. When unset, links are built from "
            "the request's host URL."
        ),
    ),
    cfg.StrOpt(
        "auth_strategy",
        default="keystone",
        choices=[
            ("keystone", "Validate Keystone tokens with keystonemiddleware."),
            (
                "noauth",
                (
                    "Trust X-User-Id, X-Project-Id and X-Roles headers; a "
                    "request without them acts as the default identity below. "
                    "For tests and the all-in-one only."
                ),
            ),
            (
                "http_basic",
                (
                    "HTTP Basic authentication against an htpasswd file with "
                    "bcrypt hashes."
                ),
            ),
        ],
        help="How API requests are authenticated.",
    ),
    cfg.StrOpt(
        "http_basic_auth_user_file",
        default="/etc/mogan/htpasswd",
        help=(
            "htpasswd file for ``auth_strategy = http_basic``; entries must "
            "use bcrypt hashes (``htpasswd -B``)."
        ),
    ),
    cfg.DictOpt(
        "http_basic_user_roles",
        default={},
        help=(
            "Roles of http_basic users, as ``user:role1+role2`` pairs. Users "
            "not listed get ``http_basic_default_roles``."
        ),
    ),
    cfg.ListOpt(
        "http_basic_default_roles",
        default=["member", "reader"],
        help="Roles of an http_basic user not listed in http_basic_user_roles.",
    ),
    cfg.DictOpt(
        "http_basic_user_projects",
        default={},
        help=(
            "Project of each http_basic user, as ``user:project`` pairs. Users "
            "not listed belong to ``http_basic_default_project``."
        ),
    ),
    cfg.StrOpt(
        "http_basic_default_project",
        default="default",
        help="Project of an http_basic user not listed in http_basic_user_projects.",
    ),
    cfg.StrOpt(
        "noauth_default_user_id",
        default="admin",
        help="User id of a noauth request that sends no X-User-Id header.",
    ),
    cfg.StrOpt(
        "noauth_default_project_id",
        default="admin",
        help="Project id of a noauth request that sends no X-Project-Id header.",
    ),
    cfg.ListOpt(
        "noauth_default_roles",
        default=["admin", "member", "reader"],
        help="Roles of a noauth request that sends no X-Roles header.",
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[api]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
