"""Removing a composition service: its tombstone, providers and rows.

``remove`` is the engine's side of ``DELETE /v1/composition_services/{uuid}``.
It first marks the service as being removed (``removing_at``, a tombstone),
then deletes the Placement providers of its blocks and zones, then its rows.
The mark is what keeps a sync of the same service on another engine
(``composition_sync.CompositionServices.sync``) from re-creating what the
removal deleted: a sync that sees it writes nothing, and a sync that wrote
before it sees it when it comes to write its rows and withdraws its
providers.

Each database write is one short transaction of its own, never open while
Placement is called.

What must not live here: the sync itself and the provider layout
(``composition_sync``), HTTP shapes (``api``).
"""

import logging

from mogan import exception
from mogan.db import session as db_session
from mogan.db.api import composition as composition_db
from mogan.engine import composition_tree
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)


def remove(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    service_uuid: str,
) -> None:
    """Forget the service, its blocks and their providers.

    NOTE: a refused or failed removal clears the mark again, so the service
    is synced as before; a removal cut short (the engine died) leaves it,
    the service is no longer synced, and the next delete finishes the work.

    Raises:
        CompositionServiceNotFound: no such service.
        CompositionServiceInUse: a block is claimed in Placement.
        ServiceUnavailable: Placement failed; nothing was forgotten.
    """
    with database.transaction() as session:
        if not composition_db.set_removing(session, service_uuid, True):
            raise exception.CompositionServiceNotFound(service=service_uuid)
    try:
        _withdraw_all(database, placement, service_uuid)
    except Exception:
        with database.transaction() as session:
            composition_db.set_removing(session, service_uuid, False)
        raise
    with database.transaction() as session:
        composition_db.destroy(session, service_uuid)
    LOG.info("composition service %s removed", service_uuid)


def _withdraw_all(
    database: db_session.Database,
    placement: placement_client.PlacementClient,
    service_uuid: str,
) -> None:
    """Delete the providers of every block and zone the service has rows of.

    NOTE: the rows are read after the mark is committed: a sync that wrote
    its rows before the mark has them read here, and one that did not yet
    will see the mark and write none.

    Raises:
        CompositionServiceInUse: a block is claimed in Placement.
        ServiceUnavailable: Placement failed.
    """
    with database.transaction(readonly=True) as session:
        rows = [
            (r.block_id, r.provider_uuid, r.zone)
            for r in composition_db.blocks_of(session, service_uuid)
        ]
    try:
        for block_id, provider, _zone in rows:
            if placement.provider_allocations(provider):
                raise exception.CompositionServiceInUse(
                    service=service_uuid, reason=f"block {block_id} is claimed"
                )
        for block_id, provider, _zone in rows:
            _delete_provider(placement, service_uuid, block_id, provider)
        for zone in sorted({z for _b, _p, z in rows if z is not None}):
            provider = composition_tree.zone_provider(service_uuid, zone)
            _delete_provider(placement, service_uuid, zone, provider)
    except placement_client.PlacementError as err:
        raise exception.ServiceUnavailable(
            reason=f"Placement could not remove the service, try again: {err}"
        ) from err


def _delete_provider(
    placement: placement_client.PlacementClient,
    service_uuid: str,
    what: str,
    provider: str,
) -> None:
    """Delete a block's or zone's provider; a claim landing meanwhile: 409.

    Raises:
        CompositionServiceInUse: Placement refused for a claim.
        PlacementError: Placement failed otherwise.
    """
    try:
        placement.delete_provider(provider)
    except placement_client.PlacementError:
        if placement.provider_allocations(provider):
            raise exception.CompositionServiceInUse(
                service=service_uuid, reason=f"{what} is claimed"
            ) from None
        raise
