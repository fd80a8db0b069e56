"""Tables of the tenant-facing resources and the engine: flavors, servers, nodes...

See the package docstring for the conventions every table follows.
"""

import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, TimestampMixin, identifier, utcnow


class Flavor(TimestampMixin, Base):
    """A kind of server tenants can ask for, mapped to node resources."""

    __tablename__ = "flavors"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255), unique=True)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    resources: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    resource_traits: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    resource_aggregates: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    is_public: orm.Mapped[bool] = orm.mapped_column(default=True)
    disabled: orm.Mapped[bool] = orm.mapped_column(default=False)
    # NOTE: hardware profile uuids: the one used when a request names none,
    # and those a request may name (empty: any the caller may see).
    default_hardware_profile: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    allowed_hardware_profiles: orm.Mapped[list[str] | None] = orm.mapped_column(sa.JSON)
    # NOTE: ``resources`` are amounts built from resource blocks within one
    # zone (a composed server), not one node of a resource class.
    composable: orm.Mapped[bool] = orm.mapped_column(default=False)

    projects: orm.Mapped[list["FlavorProject"]] = orm.relationship(
        back_populates="flavor",
        cascade="all, delete-orphan",
        order_by="FlavorProject.project_id",
    )


class FlavorProject(Base):
    """One project on a private flavor's access list."""

    __tablename__ = "flavor_projects"
    __table_args__ = (sa.UniqueConstraint("flavor_id", "project_id"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    flavor_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("flavors.id", ondelete="CASCADE"), index=True
    )
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)

    flavor: orm.Mapped[Flavor] = orm.relationship(back_populates="projects")


class KeyPair(TimestampMixin, Base):
    """A user's SSH public key or x509 certificate."""

    __tablename__ = "key_pairs"
    __table_args__ = (sa.UniqueConstraint("user_id", "name"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    user_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    fingerprint: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    public_key: orm.Mapped[str] = orm.mapped_column(sa.Text)
    type: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="ssh")


class Node(TimestampMixin, Base):
    """Mogan's indexed view of a node, kept in step with the driver and Placement.

    ``reservation`` is the engine host holding the node lock (taken with a
    conditional UPDATE); ``server_uuid`` the server deployed on it.
    """

    __tablename__ = "nodes"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    driver: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    resource_class: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    # NOTE: the class as Placement names it (CUSTOM_...), which requests use.
    placement_rc: orm.Mapped[str] = orm.mapped_column(identifier(255), default="")
    traits: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    properties: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    ports: orm.Mapped[list[str]] = orm.mapped_column(default=list)
    power_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    maintenance: orm.Mapped[bool] = orm.mapped_column(default=False)
    consumable: orm.Mapped[bool] = orm.mapped_column(default=False, index=True)
    why_not: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), unique=True)
    reservation: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    provider_synced: orm.Mapped[bool] = orm.mapped_column(default=False)
    # NOTE: the tombstone of a removal under way (``engine.enrolment``): the
    # node sync leaves the node alone, so its provider stays deleted.
    leaving_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    # NOTE: the scheduler's view of the claims ledger: whether Placement
    # holds an allocation against the node (and whose, when known). The
    # scheduler sets it after a claim, releases clear it, the node sync
    # reconciles it with Placement; Placement stays the truth.
    allocated: orm.Mapped[bool] = orm.mapped_column(default=False)
    # NOTE: when ``allocated`` last changed: the node sync only overwrites a
    # flag older than its own reading of Placement.
    consumer_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    allocated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    # NOTE: denormalised from aggregate metadata whenever membership or
    # metadata changes, so scheduling and listing need no joins.
    availability_zone: orm.Mapped[str | None] = orm.mapped_column(
        identifier(255), index=True
    )
    affinity_zone: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    failure_domains: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    # NOTE: the driver's typed inventory (JSON form), read when the node is
    # new or changed; ``hardware_class`` names the facts scheduling filters
    # on (``hardware_classes``), shared by nodes of one hardware shape.
    inventory: orm.Mapped[dict[str, Any] | None] = orm.mapped_column()
    inventory_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    # NOTE: the driver's ``NodeSpec.ports_version`` the inventory was read
    # at: another one in a listing means the ports changed since.
    ports_version: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    hardware_class: orm.Mapped[str | None] = orm.mapped_column(
        identifier(64), index=True
    )
    # NOTE: how a node enrolled through the API is reached (address,
    # system_id, username, verify_ca), as shown; never its password.
    driver_info: orm.Mapped[dict[str, Any] | None] = orm.mapped_column()

    __table_args__ = (
        # NOTE: the candidate query: equality on the first four columns, a
        # range from a random start on uuid, LIMIT k; an index seek whatever
        # the fleet size. The hardware class and server are checked from
        # the index too, so nodes a hardware request skips cost no row read.
        sa.Index(
            "ix_nodes_candidates",
            "placement_rc",
            "consumable",
            "maintenance",
            "allocated",
            "uuid",
            "hardware_class",
            "server_uuid",
        ),
    )


class Server(TimestampMixin, Base):
    """A tenant's bare-metal server (v1 section 3.1)."""

    __tablename__ = "servers"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255), index=True)
    user_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(32), index=True)
    power_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    flavor_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    image_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    availability_zone: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    node_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    node: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    launched_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    extra: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    partitions: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    locked_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(8))
    affinity_zone: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    failure_domains: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    key_name: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    system_metadata: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    request_id: orm.Mapped[str] = orm.mapped_column(identifier(36), index=True)
    # NOTE: per hardware section, how its last build went (server_state).
    hardware_result: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    # NOTE: the effective hardware request (profile and flavor default
    # merged in), in the wire form of ``api.schemas.hardware``.
    hardware: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    # NOTE: built from resource blocks (its flavor was composable when it
    # was created); its system is in ``composed_systems`` while it exists.
    composed: orm.Mapped[bool] = orm.mapped_column(default=False)

    faults: orm.Mapped[list["ServerFault"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ServerFault.id",
    )
    nics: orm.Mapped[list["ServerNic"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ServerNic.port_id",
    )


class ServerFault(Base):
    """Why an operation on a server failed."""

    __tablename__ = "server_faults"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36),
        sa.ForeignKey("servers.uuid", ondelete="CASCADE"),
        index=True,
    )
    code: orm.Mapped[int] = orm.mapped_column()
    message: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    detail: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)


class ServerNic(Base):
    """A network port attached to a server."""

    __tablename__ = "server_nics"

    port_id: orm.Mapped[str] = orm.mapped_column(identifier(36), primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36),
        sa.ForeignKey("servers.uuid", ondelete="CASCADE"),
        index=True,
    )
    mac_address: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    network_id: orm.Mapped[str] = orm.mapped_column(identifier(36))
    fixed_ips: orm.Mapped[list[dict[str, Any]]] = orm.mapped_column(
        sa.JSON, default=list
    )
    floating_ip: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    preserve_on_delete: orm.Mapped[bool] = orm.mapped_column(default=False)


class Workflow(TimestampMixin, Base):
    """A persisted, resumable operation: ordered steps with do and undo.

    An engine takes a due workflow by setting ``owner`` and ``lease_until``
    with a conditional UPDATE; a dead engine's lease runs out and another
    engine resumes the workflow at ``step``: the step's *name* (empty for a
    workflow not started, ``__end__`` past the last step, ``__start__``
    when reverting went back past the first) under ``flow_version``, so a
    release that inserts a step does not re-point workflows in flight.
    ``request_id`` and ``context`` keep the request that started it (no
    token); ``finished_at`` is when it ended (``[engine] workflow_retention``).
    """

    __tablename__ = "workflows"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), index=True)
    reverting: orm.Mapped[bool] = orm.mapped_column(default=False)
    step: orm.Mapped[str] = orm.mapped_column(sa.String(64), default="")
    flow_version: orm.Mapped[int] = orm.mapped_column(default=1)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    next_run_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        default=utcnow, index=True
    )
    owner: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    lease_until: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    last_error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    args: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    state: orm.Mapped[dict[str, Any]] = orm.mapped_column(default=dict)
    request_id: orm.Mapped[str | None] = orm.mapped_column(identifier(64))
    context: orm.Mapped[dict[str, Any] | None] = orm.mapped_column(sa.JSON)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(index=True)


class Engine(Base):
    """A running engine, known by its host name and heartbeat."""

    __tablename__ = "engines"

    host: orm.Mapped[str] = orm.mapped_column(identifier(255), primary_key=True)
    started_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    last_seen_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)


class NodeSync(Base):
    """A driver's node sync: which engine ran it last, when, and how many nodes.

    The row appears when an engine completes its first sync of the driver's
    nodes; until one exists the API refuses to create servers (the scheduler
    would find no nodes) and reports not ready.
    """

    __tablename__ = "node_syncs"

    driver: orm.Mapped[str] = orm.mapped_column(identifier(64), primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(identifier(255))
    nodes: orm.Mapped[int] = orm.mapped_column()
    first_synced_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    last_synced_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)


class Image(TimestampMixin, Base):
    """An image in the embedded catalogue (used when there is no Glance)."""

    __tablename__ = "images"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    url: orm.Mapped[str] = orm.mapped_column(sa.Text)
    checksum: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    disk_format: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    kernel_id: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    ramdisk_id: orm.Mapped[str | None] = orm.mapped_column(identifier(36))
    size: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    min_disk: orm.Mapped[int] = orm.mapped_column(default=0)
    visibility: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="public")
    owner: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="active")


class Network(TimestampMixin, Base):
    """A flat network of the embedded IPAM (used when there is no Neutron)."""

    __tablename__ = "networks"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(identifier(255))
    cidr: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    gateway: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    shared: orm.Mapped[bool] = orm.mapped_column(default=True)
    project_id: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    # NOTE: holds floating IPs (``floating_ips``) instead of server ports.
    external: orm.Mapped[bool] = orm.mapped_column(default=False)


class Port(TimestampMixin, Base):
    """An address on an embedded network, bound to a server's NIC."""

    __tablename__ = "ports"
    __table_args__ = (sa.UniqueConstraint("network_uuid", "fixed_ip"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(identifier(36), unique=True)
    network_uuid: orm.Mapped[str] = orm.mapped_column(
        identifier(36), sa.ForeignKey("networks.uuid", ondelete="RESTRICT"), index=True
    )
    mac_address: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    fixed_ip: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    server_uuid: orm.Mapped[str | None] = orm.mapped_column(identifier(36), index=True)


class QuotaLock(Base):
    """One row per (resource, owner) that quota checks lock to serialise.

    Counting then inserting races under concurrency; taking this row's lock
    first (SELECT ... FOR UPDATE) makes concurrent checks for one owner queue.
    """

    __tablename__ = "quota_locks"

    resource: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    owner: orm.Mapped[str] = orm.mapped_column(identifier(255), primary_key=True)


class Quota(TimestampMixin, Base):
    """A project's own limit on one resource, overriding the ``[quota]`` default.

    ``resource`` is ``servers``, ``server_groups``, ``server_group_members``,
    ``metadata_items``, ``keypairs`` or a Placement resource class
    (``CUSTOM_BAREMETAL_GOLD``); -1 means unlimited.
    """

    __tablename__ = "quotas"
    __table_args__ = (sa.UniqueConstraint("project_id", "resource"),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    resource: orm.Mapped[str] = orm.mapped_column(identifier(255))
    hard_limit: orm.Mapped[int]
