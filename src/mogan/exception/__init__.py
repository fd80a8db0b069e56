"""Domain exceptions shared by every layer.

Nothing here knows about HTTP: the API maps exception *classes* to status
codes in ``mogan.api.errors``. Each exception carries a stable, dotted error
``code`` (``mogan.<area>.<reason>``) that clients may match on, and a message
formatted from keyword arguments so the raise site stays short.

Whether a failed build is rescheduled on another node is decided by the
error's class too: ``reschedulable`` is False for errors no other node can
fix (bad input, missing image or network, quota, a full network, a driver
without the interface a request needs).

Hierarchy (the API's status in brackets)::

    MoganError                 [500]
    ├── DriverFailed
    ├── Invalid                [400] bad input the caller can fix
    │   ├── InvalidParameter         names the offending field
    │   ├── PatchError, InvalidVersion, InvalidState, ImageUnusable
    ├── VersionNotSupported    [406]
    ├── UnsupportedMediaType   [415] the body is not of a type the route takes
    ├── ServiceUnavailable     [503] not ready yet: retry after a while
    │   └── NetworkServiceError
    ├── NotAuthenticated       [401]
    ├── Forbidden              [403] policy or ownership refused it
    │   ├── ProjectScopeRequired
    │   └── OverQuota
    ├── NotFound               [404] absent or not visible to the caller
    │   └── PortNotFound, NetworkNotFound ...
    └── Conflict               [409] clashes with the current state
        └── NodeNotManageable, ConsoleUnavailable, EngineUnavailable,
            DriverCannot, NetworkFull, RPCVersionCapped, PortInUse,
            NetworkRefused, InterfaceAttachFailed, InterfaceDetachFailed,
            FloatingIpInUse, FloatingIpAmbiguous

Modules: ``base`` (MoganError, its categories, the API's and the
deployment's own errors), ``resources`` (tenant resources), ``fleet``
(nodes, drivers, scheduling, composition), ``network`` (ports, the
network service, interfaces, floating IPs). Everything is re-exported
here: callers write ``exception.NodeNotFound``; ``MODULES`` lists where
the classes live, for the RPC transport's allow-list.
"""

from mogan.exception.base import (
    Conflict,
    EngineUnavailable,
    Forbidden,
    Invalid,
    InvalidParameter,
    InvalidState,
    InvalidVersion,
    MoganError,
    NotAuthenticated,
    NotAvailableAtVersion,
    NotFound,
    PatchError,
    ProjectScopeRequired,
    RPCVersionCapped,
    ServiceUnavailable,
    UnsupportedMediaType,
    VersionNotSupported,
    is_reschedulable,
    labelled,
)
from mogan.exception.fleet import (
    CompositionServiceExists,
    CompositionServiceInUse,
    CompositionServiceNotFound,
    ConsoleUnavailable,
    DeployMediumNotFound,
    DriverCannot,
    DriverFailed,
    HardwareImpossible,
    NodeExists,
    NodeInUse,
    NodeNotFound,
    NodeNotManageable,
    NoValidNode,
)
from mogan.exception.network import (
    FloatingIpAmbiguous,
    FloatingIpInUse,
    FloatingIpNotAssociated,
    FloatingIpNotFound,
    InterfaceAttachFailed,
    InterfaceDetachFailed,
    InterfaceNotFound,
    NetworkCannot,
    NetworkNotUsable,
    NetworkRefused,
    NetworkServiceError,
    PortInUse,
    PortNotFound,
)
from mogan.exception.resources import (
    AggregateEmptyZone,
    AggregateExists,
    AggregateNotEmpty,
    AggregateNotFound,
    AvailabilityZoneNotFound,
    DeployImageNotFound,
    FlavorAccessNotFound,
    FlavorAccessPublic,
    FlavorAccessPublicConflict,
    FlavorExists,
    FlavorInUse,
    FlavorNotFound,
    HardwareProfileAccessNotFound,
    HardwareProfileAccessPublic,
    HardwareProfileAccessPublicConflict,
    HardwareProfileExists,
    HardwareProfileInUse,
    HardwareProfileNotFound,
    ImageNotFound,
    ImageServiceUnavailable,
    ImageUnusable,
    KeypairExists,
    KeypairNotFound,
    NetworkFull,
    NetworkNotFound,
    NodeInOtherZone,
    NodesInOtherZone,
    OverQuota,
    QuotaNotEditable,
    ServerActionNotFound,
    ServerGroupNotFound,
    ServerLocked,
    ServerNotFound,
)

# NOTE: the modules whose classes cross the RPC bus as themselves
# (oslo.messaging rebuilds only exceptions of allowed modules).
MODULES = (
    "mogan.exception",
    "mogan.exception.base",
    "mogan.exception.fleet",
    "mogan.exception.network",
    "mogan.exception.resources",
)

__all__ = [
    "MODULES",
    "AggregateEmptyZone",
    "AggregateExists",
    "AggregateNotEmpty",
    "AggregateNotFound",
    "AvailabilityZoneNotFound",
    "CompositionServiceExists",
    "CompositionServiceInUse",
    "CompositionServiceNotFound",
    "Conflict",
    "ConsoleUnavailable",
    "DeployImageNotFound",
    "DeployMediumNotFound",
    "DriverCannot",
    "DriverFailed",
    "EngineUnavailable",
    "FlavorAccessNotFound",
    "FlavorAccessPublic",
    "FlavorAccessPublicConflict",
    "FlavorExists",
    "FlavorInUse",
    "FlavorNotFound",
    "FloatingIpAmbiguous",
    "FloatingIpInUse",
    "FloatingIpNotAssociated",
    "FloatingIpNotFound",
    "Forbidden",
    "HardwareImpossible",
    "HardwareProfileAccessNotFound",
    "HardwareProfileAccessPublic",
    "HardwareProfileAccessPublicConflict",
    "HardwareProfileExists",
    "HardwareProfileInUse",
    "HardwareProfileNotFound",
    "ImageNotFound",
    "ImageServiceUnavailable",
    "ImageUnusable",
    "InterfaceAttachFailed",
    "InterfaceDetachFailed",
    "InterfaceNotFound",
    "Invalid",
    "InvalidParameter",
    "InvalidState",
    "InvalidVersion",
    "KeypairExists",
    "KeypairNotFound",
    "MoganError",
    "NetworkCannot",
    "NetworkFull",
    "NetworkNotFound",
    "NetworkNotUsable",
    "NetworkRefused",
    "NetworkServiceError",
    "NoValidNode",
    "NodeExists",
    "NodeInOtherZone",
    "NodeInUse",
    "NodeNotFound",
    "NodeNotManageable",
    "NodesInOtherZone",
    "NotAuthenticated",
    "NotAvailableAtVersion",
    "NotFound",
    "OverQuota",
    "PatchError",
    "PortInUse",
    "PortNotFound",
    "ProjectScopeRequired",
    "QuotaNotEditable",
    "RPCVersionCapped",
    "ServerActionNotFound",
    "ServerGroupNotFound",
    "ServerLocked",
    "ServerNotFound",
    "ServiceUnavailable",
    "UnsupportedMediaType",
    "VersionNotSupported",
    "is_reschedulable",
    "labelled",
]
