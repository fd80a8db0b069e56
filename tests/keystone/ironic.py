"""A real Ironic behind this process's Keystone: tokens validated, Ironic's RBAC.

The team's standalone Ironic (``tests.ironic.support``) with ``auth_strategy
= keystone``: its keystonemiddleware validates tokens with the test
Keystone, and Ironic's own secure-RBAC defaults decide. A ``service`` role
holder in the ``service`` project (Mogan's service user) acts as a system
member there (``rbac_service_role_elevated_access``), as an operator sets it
up for Mogan. The fixture's own calls (creating nodes) go as a system admin.

``shared()`` keeps one per test process, stopped at exit.

What must not live here: pytest, anything of Mogan.
"""

import pathlib

from tests import children
from tests.ironic import support as ironic_support
from tests.keystone import support

_SHARED: children.PerProcess[ironic_support.Ironic] = children.PerProcess(
    (ironic_support.IronicUnavailable, support.KeystoneUnavailable)
)


def shared(keystone: support.Keystone) -> ironic_support.Ironic:
    """This process's Keystone-protected Ironic, started on first use.

    Raises:
        IronicUnavailable: Ironic cannot be installed or started.
    """

    def build(state: pathlib.Path) -> ironic_support.Ironic:
        admin = keystone.system_persona("admin")
        return ironic_support.Ironic(
            state, authtoken=keystone.authtoken_options(), token=lambda: admin.token
        )

    return _SHARED.get(
        "ironic-keystone",
        build,
        ironic_support.Ironic.start,
        ironic_support.Ironic.stop,
    )
