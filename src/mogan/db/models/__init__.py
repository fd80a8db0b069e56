"""SQLAlchemy 2 typed models: the tables Mogan owns.

The schema changes only through Alembic revisions in ``migrations/``; a test
proves the two agree on SQLite, PostgreSQL and MariaDB. Constraint names come
from the naming convention on ``Base.metadata`` so migrations are portable.
No queries live here (they are in ``mogan.db.api``).

Two column types smooth over backend differences, and every datetime or
identifier column uses them:

- ``UTCDateTime``: aware UTC datetimes in and out on every backend, with
  microseconds kept on MariaDB.
- ``identifier()``: a ``VARCHAR`` compared byte for byte, so names and owner ids
  are case-sensitive (and unique case-sensitively) on MariaDB as they are on
  SQLite and PostgreSQL.

Modules: ``base`` (the base class and column types), ``tables`` (tenant
resources and the engine), ``scheduling`` (aggregates, node indexes, server
groups), ``server_action`` (server actions and their events), ``hardware_profile``
(hardware profiles and their access lists), ``deploy_media`` (media
served to BMCs), ``driver_node`` (the nodes a driver with no registry of
its own keeps in Mogan), ``floating_ip`` (floating IPs of the embedded
network backend), ``composition`` (composition services and
their resource blocks, composed systems). Everything
is re-exported here: callers write ``models.Node``.
"""

from mogan.db.models.base import (
    MYSQL_DIALECTS,
    NAMING_CONVENTION,
    Base,
    TimestampMixin,
    UTCDateTime,
    identifier,
    utcnow,
)
from mogan.db.models.composition import (
    ComposedSystem,
    CompositionService,
    ResourceBlock,
)
from mogan.db.models.deploy_media import DeployMedium
from mogan.db.models.driver_node import DriverNode
from mogan.db.models.floating_ip import FloatingIp
from mogan.db.models.hardware_profile import HardwareProfile, HardwareProfileProject
from mogan.db.models.scheduling import (
    Aggregate,
    AggregateMetadata,
    AggregateNode,
    HardwareClass,
    NodeDomain,
    NodeTrait,
    ServerGroup,
    ServerGroupMember,
)
from mogan.db.models.server_action import ServerAction, ServerActionEvent
from mogan.db.models.tables import (
    Engine,
    Flavor,
    FlavorProject,
    Image,
    KeyPair,
    Network,
    Node,
    NodeSync,
    Port,
    Quota,
    QuotaLock,
    Server,
    ServerFault,
    ServerNic,
    Workflow,
)

__all__ = [
    "MYSQL_DIALECTS",
    "NAMING_CONVENTION",
    "Aggregate",
    "AggregateMetadata",
    "AggregateNode",
    "Base",
    "ComposedSystem",
    "CompositionService",
    "DeployMedium",
    "DriverNode",
    "Engine",
    "Flavor",
    "FlavorProject",
    "FloatingIp",
    "HardwareClass",
    "HardwareProfile",
    "HardwareProfileProject",
    "Image",
    "KeyPair",
    "Network",
    "Node",
    "NodeDomain",
    "NodeSync",
    "NodeTrait",
    "Port",
    "Quota",
    "QuotaLock",
    "ResourceBlock",
    "Server",
    "ServerAction",
    "ServerActionEvent",
    "ServerFault",
    "ServerGroup",
    "ServerGroupMember",
    "ServerNic",
    "TimestampMixin",
    "UTCDateTime",
    "Workflow",
    "identifier",
    "utcnow",
]
