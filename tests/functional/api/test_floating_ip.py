"""Floating IPs of the embedded backend: external networks, the pool, the quota.

The API (microversion 1.8): an admin marks a network external, members
allocate floating IPs from it for their project, list, show and release
them. The backend's mapping of floating IPs onto ports is raced by threads
on every database backend (``any_db_url``): one floating IP on one port at
a time, whatever the isolation level.
"""

import concurrent.futures
import json
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from mogan import context as mogan_context
from mogan import exception
from mogan import network as mogan_network
from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.services import floating_ip as fip_svc
from mogan.services import network as network_svc
from mogan.services import quota as quota_svc
from tests.conftest import ADMIN, MEMBER, OTHER, READER
from tests.functional.api import test_network

V18 = {"OpenStack-API-Version": "baremetal-compute 1.8"}


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def h(persona) -> dict[str, str]:
    """The persona's headers at 1.8."""
    return {**persona.headers, **V18}


def external(client, cidr: str = "172.24.4.0/24", **extra) -> dict:
    """An external network defined by the admin; its body."""
    resp = client.post(
        "/v1/networks",
        json={"name": "public", "cidr": cidr, "external": True, **extra},
        headers=h(ADMIN),
    )
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def allocate(client, network: str, persona=MEMBER):
    """``POST /v1/networks/{uuid}/floating_ips``."""
    return client.post(f"/v1/networks/{network}/floating_ips", headers=h(persona))


def addresses(resp) -> list[str]:
    """The addresses of a floating IP list."""
    assert resp.status_code == 200, resp.text
    return [f["address"] for f in resp.json()["floating_ips"]]


class TestExternalNetworks:
    def test_external_is_shown_from_1_8(self, client):
        """1.8 shows the flag; older requests see the network as before."""
        network = external(client)
        assert network["external"] is True
        old = client.get(f"/v1/networks/{network['uuid']}", headers=ADMIN.headers)
        assert "external" not in old.json()
        flat = client.post(
            "/v1/networks",
            json={"name": "flat", "cidr": "10.0.0.0/24"},
            headers=h(ADMIN),
        )
        assert flat.json()["external"] is False

    def test_external_below_1_8_is_400_naming_it(self, client):
        """An older client cannot ask for what it cannot see."""
        resp = client.post(
            "/v1/networks",
            json={"name": "public", "cidr": "172.24.4.0/24", "external": True},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 400
        assert "'external'" in fault(resp)

    def test_network_with_floating_ips_is_kept_until_released(self, client):
        """Delete is 409 while projects hold floating IPs of it."""
        network = external(client)
        fip = allocate(client, network["uuid"]).json()
        resp = client.delete(f"/v1/networks/{network['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert "1 floating IP(s)" in fault(resp)
        released = client.delete(f"/v1/floating_ips/{fip['uuid']}", headers=h(MEMBER))
        assert released.status_code == 204
        resp = client.delete(f"/v1/networks/{network['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 204


class TestAllocate:
    def test_lowest_free_addresses_for_the_callers_project(self, client):
        """.2 then .3 (gateway .1 skipped), for the caller's project; freed: reused."""
        network = external(client)["uuid"]
        first = allocate(client, network)
        assert first.status_code == 201, first.text
        body = first.json()
        assert body["address"] == "172.24.4.2"
        assert body["network_id"] == network
        assert body["project_id"] == "project-a"
        assert (body["port_id"], body["fixed_address"], body["server_uuid"]) == (
            None,
            None,
            None,
        )
        assert first.headers["Location"].endswith(f"/v1/floating_ips/{body['uuid']}")
        second = allocate(client, network, OTHER).json()
        assert (second["address"], second["project_id"]) == ("172.24.4.3", "project-b")
        client.delete(f"/v1/floating_ips/{body['uuid']}", headers=h(MEMBER))
        assert allocate(client, network, OTHER).json()["address"] == "172.24.4.2"

    def test_ipv6_pool(self, client):
        """An IPv6 external network hands out IPv6 floating IPs."""
        network = external(client, "2001:db8:99::/64")["uuid"]
        assert allocate(client, network).json()["address"] == "2001:db8:99::2"

    def test_plain_network_holds_no_floating_ips(self, client):
        """400 naming network_uuid; an unknown one is 404."""
        flat = client.post(
            "/v1/networks",
            json={"name": "flat", "cidr": "10.0.0.0/24"},
            headers=ADMIN.headers,
        ).json()
        resp = allocate(client, flat["uuid"])
        assert resp.status_code == 400
        assert "'network_uuid'" in fault(resp)
        assert "not external" in fault(resp)
        resp = allocate(client, str(uuid.uuid4()))
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.network.not_found"

    def test_private_external_network_of_another_project_is_404(self, client):
        """A project's own external network is hidden from others."""
        network = external(client, shared=False, project_id="project-b")["uuid"]
        assert allocate(client, network).status_code == 404
        assert allocate(client, network, OTHER).status_code == 201

    def test_exhausted_pool_is_409(self, client):
        """A /30 has one address besides its gateway."""
        network = external(client, "172.24.9.0/30")["uuid"]
        assert allocate(client, network).status_code == 201
        resp = allocate(client, network)
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.network.full"

    def test_quota_limits_what_a_project_holds(self, client):
        """floating_ips is a project quota: past it 403; limits show the usage."""
        resp = client.put(
            "/v1/quotas/project-a",
            json={"quota": {"floating_ips": 1}},
            headers=h(ADMIN),
        )
        assert resp.status_code == 200, resp.text
        network = external(client)["uuid"]
        assert allocate(client, network).status_code == 201
        resp = allocate(client, network)
        assert resp.status_code == 403
        assert fault(resp) == "Quota exceeded for resources: floating_ips."
        assert allocate(client, network, OTHER).status_code == 201
        limits = client.get("/v1/limits", headers=h(MEMBER)).json()["limits"]
        assert limits["floating_ips"] == {"limit": 1, "in_use": 1}

    def test_below_1_8_the_pool_does_not_exist(self, client):
        """The route came with 1.8: older requests get 404."""
        network = external(client)["uuid"]
        resp = client.post(
            f"/v1/networks/{network}/floating_ips", headers=MEMBER.headers
        )
        assert resp.status_code == 404

    def test_readers_may_not_allocate(self, client):
        """Allocating changes the project: members only."""
        network = external(client)["uuid"]
        assert allocate(client, network, READER).status_code == 403


class TestListShowRelease:
    @pytest.fixture
    def fips(self, client) -> dict[str, dict]:
        """Two floating IPs of project-a (on two networks), one of project-b."""
        first = external(client)["uuid"]
        second = external(client, "172.24.5.0/24")["uuid"]
        return {
            "a1": allocate(client, first).json(),
            "a2": allocate(client, second).json(),
            "b1": allocate(client, first, OTHER).json(),
        }

    def test_each_project_lists_its_own(self, client, fips):
        """Members and readers see their project's; others theirs."""
        assert addresses(client.get("/v1/floating_ips", headers=h(MEMBER))) == [
            "172.24.4.2",
            "172.24.5.2",
        ]
        assert addresses(client.get("/v1/floating_ips", headers=h(READER))) == [
            "172.24.4.2",
            "172.24.5.2",
        ]
        assert addresses(client.get("/v1/floating_ips", headers=h(OTHER))) == [
            "172.24.4.3"
        ]
        del fips

    def test_admin_lists_all_tenants_and_filters_by_network(self, client, fips):
        """all_tenants for cloud readers; network_id narrows the list."""
        everything = client.get("/v1/floating_ips?all_tenants=true", headers=h(ADMIN))
        assert sorted(addresses(everything)) == [
            "172.24.4.2",
            "172.24.4.3",
            "172.24.5.2",
        ]
        network = fips["a2"]["network_id"]
        one = client.get(
            f"/v1/floating_ips?all_tenants=true&network_id={network}",
            headers=h(ADMIN),
        )
        assert addresses(one) == ["172.24.5.2"]

    def test_pages_by_marker(self, client, fips):
        """A limit and a marker page through the list."""
        first = client.get("/v1/floating_ips?limit=1", headers=h(MEMBER))
        assert addresses(first) == ["172.24.4.2"]
        marker = first.json()["floating_ips"][0]["uuid"]
        rest = client.get(f"/v1/floating_ips?marker={marker}", headers=h(MEMBER))
        assert addresses(rest) == ["172.24.5.2"]
        del fips

    def test_another_projects_is_404(self, client, fips):
        """Show and release another project's floating IP: not found."""
        theirs = fips["b1"]["uuid"]
        assert (
            client.get(f"/v1/floating_ips/{theirs}", headers=h(MEMBER)).status_code
            == 404
        )
        resp = client.delete(f"/v1/floating_ips/{theirs}", headers=h(MEMBER))
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.floating_ip.not_found"
        assert (
            client.get(f"/v1/floating_ips/{theirs}", headers=h(ADMIN)).status_code
            == 200
        )

    def test_release_frees_the_address(self, client, fips):
        """204, then the floating IP is gone."""
        mine = fips["a1"]["uuid"]
        assert (
            client.delete(f"/v1/floating_ips/{mine}", headers=h(READER)).status_code
            == 403
        )
        assert (
            client.delete(f"/v1/floating_ips/{mine}", headers=h(MEMBER)).status_code
            == 204
        )
        assert (
            client.get(f"/v1/floating_ips/{mine}", headers=h(MEMBER)).status_code == 404
        )


# ---------------------------------------------------------------- backend


@pytest.fixture
def any_database(any_db_url: str) -> Iterator[db_session.Database]:
    """A migrated database on each backend in turn."""
    db = db_session.Database.from_url(any_db_url)
    migration.upgrade(db.engine)
    yield db
    db.dispose()


def context(
    database: db_session.Database, project: str
) -> mogan_context.RequestContext:
    """A member of ``project`` on ``database``."""
    return mogan_context.RequestContext(
        user_id="u", project_id=project, roles=["member"], db=database
    )


def ports(conf, database: db_session.Database, count: int) -> list[str]:
    """``count`` ports of one server each, on a flat network."""
    admin = mogan_context.RequestContext(
        user_id="a", project_id="admin", roles=["admin"], db=database
    )
    net = network_svc.create(admin, {"name": "flat", "cidr": "10.8.0.0/24"}).uuid
    backend = mogan_network.get_backend(conf)
    made = []
    for index in range(count):
        nic = test_network.bind(
            backend, admin, str(uuid.uuid4()), net, f"52:54:00:00:01:{index:02x}"
        )
        made.append(nic.port_id)
    return made


class TestRaces:
    def _pool(self, conf, database, count: int) -> list:
        admin = mogan_context.RequestContext(
            user_id="a", project_id="admin", roles=["admin"], db=database
        )
        net = network_svc.create(
            admin, {"name": "public", "cidr": "172.30.0.0/24", "external": True}
        ).uuid
        limits = quota_svc.DatabaseLimits(conf)
        backend = mogan_network.get_backend(conf)
        ctx = context(database, "project-a")
        return [
            backend.find_floating_ip(ctx, fip_svc.allocate(ctx, limits, net).address)
            for _ in range(count)
        ]

    def test_concurrent_allocations_get_distinct_addresses(self, conf, any_database):
        """Eight projects allocating at once never share an address."""
        admin = mogan_context.RequestContext(
            user_id="a", project_id="admin", roles=["admin"], db=any_database
        )
        net = network_svc.create(
            admin, {"name": "public", "cidr": "172.31.0.0/24", "external": True}
        ).uuid
        limits = quota_svc.DatabaseLimits(conf)

        def take(index: int) -> str:
            ctx = context(any_database, f"project-{index}")
            return fip_svc.allocate(ctx, limits, net).address

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            taken = list(pool.map(take, range(16)))
        assert len(set(taken)) == 16

    def test_one_port_takes_one_of_many_floating_ips(self, conf, any_database):
        """Floating IPs raced onto one port: exactly one is mapped."""
        fips = self._pool(conf, any_database, 6)
        [port] = ports(conf, any_database, 1)
        backend = mogan_network.get_backend(conf)

        def map_one(fip) -> str:
            ctx = context(any_database, "project-a")
            try:
                backend.associate_floating_ip(ctx, fip, port, "10.8.0.2")
            except exception.FloatingIpInUse:
                return "refused"
            return "mapped"

        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(map_one, fips))
        assert sorted(outcomes) == ["mapped"] + ["refused"] * 5
        with any_database.transaction() as session:
            mapped = session.scalars(
                sa.select(models.FloatingIp).where(models.FloatingIp.port_uuid == port)
            ).all()
        assert len(mapped) == 1

    def test_one_floating_ip_goes_on_one_of_many_ports(self, conf, any_database):
        """One floating IP raced onto several ports: exactly one gets it."""
        [fip] = self._pool(conf, any_database, 1)
        many = ports(conf, any_database, 6)
        backend = mogan_network.get_backend(conf)

        def map_onto(port: str) -> str:
            ctx = context(any_database, "project-a")
            try:
                backend.associate_floating_ip(ctx, fip, port, "10.8.0.9")
            except exception.FloatingIpInUse:
                return "refused"
            return port

        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            outcomes = list(pool.map(map_onto, many))
        [winner] = [o for o in outcomes if o != "refused"]
        found = backend.find_floating_ip(
            context(any_database, "project-a"), fip.address
        )
        assert found.port_id == winner

    def test_unbinding_a_port_unmaps_its_floating_ip(self, conf, any_database):
        """Unbinding a port deletes it and unmaps its floating IP (still owned)."""
        [fip] = self._pool(conf, any_database, 1)
        [port] = ports(conf, any_database, 1)
        backend = mogan_network.get_backend(conf)
        ctx = context(any_database, "project-a")
        backend.associate_floating_ip(ctx, fip, port, "10.8.0.2")
        with any_database.transaction() as session:
            owner = session.scalars(
                sa.select(models.Port.server_uuid).where(models.Port.uuid == port)
            ).one()
        backend.unbind_port(ctx, str(owner), port)
        found = backend.find_floating_ip(ctx, fip.address)
        assert (found.port_id, found.fixed_address, found.project_id) == (
            None,
            None,
            "project-a",
        )
