"""Mogan reading Neutron for a caller sends its service token beside the caller's.

The API checks a server's networks and ports with the caller's token, so
Neutron's rules apply to the caller; with it goes the ``[neutron]`` service
user's token as ``X-Service-Token`` (keystoneauth's
``ServiceTokenAuthWrapper``). Neutron's keystonemiddleware accepts it from
a holder of the ``service`` role and then also takes a caller's token that
expired meanwhile: shown with a really expired token, which Neutron refuses
when it comes alone.
"""

import pytest

from mogan.network import neutron_client
from tests.keystone import service_tokens
from tests.neutron import fixtures

pytestmark = pytest.mark.services

UNAUTHORIZED = 401


def test_an_expired_caller_token_still_reads_the_callers_network(
    neutron, tenant, tmp_path
):
    """Neutron refuses the expired token alone; Mogan's read (with its own) works."""
    expired = service_tokens.expired_token(
        neutron.keystone, "member", tenant.project_id
    )
    alone = neutron.http.get(
        f"/v2.0/networks/{tenant.network_id}",
        headers={"X-Auth-Token": expired.token},
    )
    assert alone.status_code == UNAUTHORIZED, alone.text

    client = neutron_client.NeutronClient(fixtures.make_econf(tmp_path, neutron))
    resp = client.request("GET", f"networks/{tenant.network_id}", token=expired.token)
    assert resp.ok, resp.error
    assert resp.body["network"]["project_id"] == tenant.project_id
