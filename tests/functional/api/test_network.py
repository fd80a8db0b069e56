"""Embedded flat networks: the API (CRUD, visibility, input) and the IPAM backend.

The backend tests bind servers to networks the way the engine does, on
every database backend (``any_db_url``), including many threads binding at
once: no address may ever be handed out twice.
"""

import concurrent.futures
import ipaddress
import json
import uuid
from collections.abc import Iterator

import pytest

from mogan import context as mogan_context
from mogan import exception
from mogan import network as mogan_network
from mogan.db import migration
from mogan.db import session as db_session
from mogan.network import base as network_base
from mogan.services import network as network_svc
from tests.conftest import ADMIN, MEMBER, OTHER, READER


def bind(
    backend: network_base.NetworkBackend,
    ctx: mogan_context.RequestContext,
    server_uuid: str,
    network_id: str,
    mac_address: str,
    fixed_ip: str | None = None,
) -> network_base.Nic:
    """Bind one NIC of a server the way the engine does (a node of one NIC)."""
    return backend.bind(
        ctx,
        server_uuid,
        network_base.PortRequest(
            network_id=network_id, fixed_ips=(fixed_ip,) if fixed_ip else ()
        ),
        network_base.PortBinding(
            host_id="node-1", links=(network_base.Link(mac=mac_address),)
        ),
        project_id="project-a",
    )


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def make_network(client, **overrides) -> dict:
    """Define a network as admin and return its body."""
    body = {"name": "flat", "cidr": "10.0.0.0/24", **overrides}
    resp = client.post("/v1/networks", json=body, headers=ADMIN.headers)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def names(resp) -> list[str]:
    """Network names of a list response."""
    assert resp.status_code == 200, resp.text
    return [n["name"] for n in resp.json()["networks"]]


def admin_context(database: db_session.Database) -> mogan_context.RequestContext:
    """An admin context on ``database`` (the engine acts with such a one)."""
    return mogan_context.RequestContext(
        user_id="engine", project_id="service", roles=["admin"], db=database
    )


def mac(index: int) -> str:
    """A distinct MAC address per index."""
    return f"52:54:00:00:{index // 256:02x}:{index % 256:02x}"


class TestCreate:
    def test_create_returns_201_with_default_gateway(self, client):
        """A network without a gateway gets its first host address as gateway."""
        resp = client.post(
            "/v1/networks",
            json={"name": "flat", "cidr": "10.0.0.0/24"},
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert resp.headers["Location"] == (
            f"http://mogan.test/v1/networks/{body['uuid']}"
        )
        assert {
            "name": "flat",
            "cidr": "10.0.0.0/24",
            "gateway": "10.0.0.1",
            "shared": True,
            "project_id": None,
        }.items() <= body.items()

    def test_ipv6_cidr_is_normalised(self, client):
        """IPv6 networks are accepted and shown in canonical form."""
        body = make_network(client, cidr="2001:DB8:0:0::/64", gateway="2001:db8::fe")
        assert (body["cidr"], body["gateway"]) == ("2001:db8::/64", "2001:db8::fe")

    def test_explicit_null_gateway_means_none(self, client):
        """gateway: null defines a network without a gateway."""
        assert make_network(client, gateway=None)["gateway"] is None

    @pytest.mark.parametrize(
        ("overrides", "field", "words"),
        [
            ({"cidr": "10.0.0.0/33"}, "cidr", "not a valid"),
            ({"cidr": "banana"}, "cidr", "CIDR"),
            ({"cidr": "10.0.0.1/24"}, "cidr", "host bits"),
            ({"cidr": "10.0.0.0/31"}, "cidr", "too small"),
            ({"gateway": "10.0.1.1"}, "gateway", "not inside"),
            ({"gateway": "10.0.0.255"}, "gateway", "broadcast"),
            ({"gateway": "2001:db8::1"}, "gateway", "not inside"),
            ({"gateway": "ten"}, "gateway", "not a valid"),
            ({"name": "x" * 256}, "name", "255"),
            ({"shared": False}, "project_id", "project_id"),
            ({"shared": "yes"}, "shared", "boolean"),
            ({"vlan": 5}, "vlan", "unknown field"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, client, overrides, field, words):
        """Invalid bodies are refused with 400, the field named and the reason given."""
        body = {"name": "flat", "cidr": "10.0.0.0/24", **overrides}
        resp = client.post("/v1/networks", json=body, headers=ADMIN.headers)
        assert resp.status_code == 400, resp.text
        assert f"'{field}'" in fault(resp)
        assert words in fault(resp)

    def test_members_cannot_define_networks(self, client):
        """Only admins define networks."""
        body = {"name": "mine", "cidr": "10.0.0.0/24"}
        resp = client.post("/v1/networks", json=body, headers=MEMBER.headers)
        assert resp.status_code == 403
        assert names(client.get("/v1/networks", headers=ADMIN.headers)) == []


@pytest.fixture
def networks(client) -> dict[str, dict]:
    """A shared network and unshared networks of project-a and project-b."""
    return {
        "shared": make_network(client, name="shared"),
        "mine": make_network(
            client, name="mine", shared=False, project_id=MEMBER.project_id
        ),
        "theirs": make_network(
            client, name="theirs", shared=False, project_id=OTHER.project_id
        ),
    }


@pytest.mark.usefixtures("networks")
class TestVisibility:
    def test_admin_sees_every_network(self, client):
        """Admins list every network."""
        assert names(client.get("/v1/networks", headers=ADMIN.headers)) == [
            "mine",
            "shared",
            "theirs",
        ]

    @pytest.mark.parametrize("persona", [MEMBER, READER])
    def test_project_sees_shared_and_its_own(self, client, persona):
        """Members and readers see shared networks and their project's."""
        assert names(client.get("/v1/networks", headers=persona.headers)) == [
            "mine",
            "shared",
        ]

    def test_other_projects_network_is_404(self, client, networks):
        """Another project's network does not exist for the caller."""
        theirs = networks["theirs"]["uuid"]
        resp = client.get(f"/v1/networks/{theirs}", headers=MEMBER.headers)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.network.not_found"
        assert client.get(f"/v1/networks/{theirs}", headers=OTHER.headers).is_success

    def test_backend_hides_other_projects_networks(self, conf, database, networks):
        """get_network applies the same visibility as the API."""
        backend = mogan_network.get_backend(conf)
        member = mogan_context.RequestContext(
            user_id=MEMBER.user_id, project_id=MEMBER.project_id, db=database
        )
        assert backend.get_network(member, networks["mine"]["uuid"]).name == "mine"
        with pytest.raises(exception.NetworkNotFound):
            backend.get_network(member, networks["theirs"]["uuid"])


class TestDelete:
    def test_admin_deletes_unused_network(self, client):
        """Deleting a network without ports answers 204 and it is gone."""
        net = make_network(client)
        resp = client.delete(f"/v1/networks/{net['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 204
        gone = client.get(f"/v1/networks/{net['uuid']}", headers=ADMIN.headers)
        assert gone.status_code == 404

    def test_network_with_ports_is_409_until_unbound(self, conf, client, database):
        """A network is kept while a server holds an address on it."""
        net = make_network(client)
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(database)
        server = str(uuid.uuid4())
        bind(backend, ctx, server, net["uuid"], mac(1))
        resp = client.delete(f"/v1/networks/{net['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert "port" in fault(resp)
        backend.unbind_all(ctx, server)
        resp = client.delete(f"/v1/networks/{net['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 204

    def test_unknown_network_is_404(self, client):
        """Deleting a network that does not exist answers 404."""
        resp = client.delete(f"/v1/networks/{uuid.uuid4()}", headers=ADMIN.headers)
        assert resp.status_code == 404


@pytest.fixture
def any_database(any_db_url: str) -> Iterator[db_session.Database]:
    """A migrated database on each backend in turn."""
    db = db_session.Database.from_url(any_db_url)
    migration.upgrade(db.engine)
    yield db
    db.dispose()


def define(database: db_session.Database, cidr: str, **values) -> str:
    """Define a network through the service; return its uuid."""
    ctx = admin_context(database)
    return network_svc.create(ctx, {"name": "net", "cidr": cidr, **values}).uuid


class TestBind:
    def test_addresses_are_lowest_free_skipping_gateway(self, conf, any_database):
        """Binds get .2, .3, ... (the gateway .1 skipped) and a freed one is reused."""
        net = define(any_database, "192.168.1.0/24")
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(any_database)
        servers = [str(uuid.uuid4()) for _ in range(3)]
        ips = [
            bind(backend, ctx, s, net, mac(i)).fixed_ips[0]["ip_address"]
            for i, s in enumerate(servers)
        ]
        assert ips == ["192.168.1.2", "192.168.1.3", "192.168.1.4"]
        backend.unbind_all(ctx, servers[0])
        again = bind(backend, ctx, str(uuid.uuid4()), net, mac(9))
        assert again.fixed_ips[0]["ip_address"] == "192.168.1.2"

    def test_bind_is_idempotent_per_server_network_mac(self, conf, database):
        """Binding the same NIC again returns the same port and address."""
        net = define(database, "10.1.0.0/24")
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(database)
        server = str(uuid.uuid4())
        first = bind(backend, ctx, server, net, "52:54:00:AA:BB:CC")
        second = bind(backend, ctx, server, net, "52:54:00:aa:bb:cc")
        other_nic = bind(backend, ctx, server, net, mac(2))
        assert first == second
        assert other_nic.port_id != first.port_id

    def test_nic_describes_the_subnet_for_network_data(self, conf, database):
        """A NIC's fixed IP carries what network_data.json needs."""
        net = define(database, "10.2.0.0/16", gateway="10.2.255.254")
        nic = bind(
            mogan_network.get_backend(conf),
            admin_context(database),
            str(uuid.uuid4()),
            net,
            mac(1),
        )
        assert nic.network_id == net
        assert nic.mac_address == mac(1)
        assert nic.fixed_ips == [
            {
                "ip_address": "10.2.0.1",
                "version": 4,
                "cidr": "10.2.0.0/16",
                "prefixlen": 16,
                "netmask": "255.255.0.0",
                "gateway": "10.2.255.254",
            }
        ]

    def test_ipv6_network_hands_out_addresses(self, conf, database):
        """IPv6 networks skip the subnet-router address and the gateway."""
        net = define(database, "2001:db8::/64")
        nic = bind(
            mogan_network.get_backend(conf),
            admin_context(database),
            str(uuid.uuid4()),
            net,
            mac(1),
        )
        assert nic.fixed_ips[0]["ip_address"] == "2001:db8::2"
        assert nic.fixed_ips[0]["version"] == 6

    def test_full_network_is_a_clear_conflict(self, conf, database):
        """When every address is taken, bind raises Conflict naming the network."""
        net = define(database, "10.3.0.0/29")
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(database)
        for index in range(5):
            bind(backend, ctx, str(uuid.uuid4()), net, mac(index))
        with pytest.raises(exception.Conflict, match="no free IP address"):
            bind(backend, ctx, str(uuid.uuid4()), net, mac(99))

    def test_unknown_network_raises_not_found(self, conf, database):
        """Binding to a network that does not exist raises NetworkNotFound."""
        with pytest.raises(exception.NetworkNotFound):
            bind(
                mogan_network.get_backend(conf),
                admin_context(database),
                str(uuid.uuid4()),
                str(uuid.uuid4()),
                mac(1),
            )

    def test_requested_fixed_ip_is_the_one_given(self, conf, database):
        """A NIC asking for an address gets it; another asking for it is refused."""
        net = define(database, "10.5.0.0/24")
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(database)
        nic = bind(backend, ctx, str(uuid.uuid4()), net, mac(1), fixed_ip="10.5.0.77")
        assert nic.fixed_ips[0]["ip_address"] == "10.5.0.77"
        with pytest.raises(exception.NetworkRefused, match=r"10\.5\.0\.77"):
            bind(backend, ctx, str(uuid.uuid4()), net, mac(2), fixed_ip="10.5.0.77")
        # NOTE: the lowest free address is still handed out around it.
        other = bind(backend, ctx, str(uuid.uuid4()), net, mac(3))
        assert other.fixed_ips[0]["ip_address"] == "10.5.0.2"

    def test_check_refuses_what_the_embedded_backend_cannot_do(self, conf, database):
        """A port_id, security groups or an address outside the network: 400s."""
        net = define(database, "10.6.0.0/24")
        backend = mogan_network.get_backend(conf)
        ctx = admin_context(database)
        cases = {
            "networks[0].port_id": network_base.PortRequest(
                network_id="", port_id=str(uuid.uuid4())
            ),
            "networks[0].security_groups": network_base.PortRequest(
                network_id=net, security_groups=(str(uuid.uuid4()),)
            ),
            "networks[0].fixed_ip": network_base.PortRequest(
                network_id=net, fixed_ips=("10.7.0.5",)
            ),
        }
        for field, request in cases.items():
            with pytest.raises(exception.InvalidParameter) as caught:
                backend.check_requests(ctx, [request])
            assert caught.value.kwargs["field"] == field
        for address in ("10.6.0.1", "10.6.0.255", "10.6.0.0"):
            request = network_base.PortRequest(network_id=net, fixed_ips=(address,))
            with pytest.raises(exception.InvalidParameter, match="gateway"):
                backend.check_requests(ctx, [request])
        good = network_base.PortRequest(network_id=net, fixed_ips=("10.6.0.9",))
        assert backend.check_requests(ctx, [good]) == [good]
        assert backend.ports_that_fit(ctx, "project-a") is None

    def test_unbind_all_is_idempotent(self, conf, database):
        """Unbinding a server with no ports does nothing and raises nothing."""
        backend = mogan_network.get_backend(conf)
        backend.unbind_all(admin_context(database), str(uuid.uuid4()))

    def test_concurrent_binds_never_share_an_address(self, conf, any_database):
        """Threads binding at once all get distinct addresses; the extra one fails."""
        net = define(any_database, "10.4.0.0/27")
        backend = mogan_network.get_backend(conf)
        hosts = 30 - 1  # NOTE: a /27 has 30 hosts; the gateway takes one.
        attempts = hosts + 3

        def bind_one(index: int) -> str:
            ctx = admin_context(any_database)
            nic = bind(backend, ctx, str(uuid.uuid4()), net, mac(index))
            return str(nic.fixed_ips[0]["ip_address"])

        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(bind_one, i) for i in range(attempts)]
            results = [f.exception() or f.result() for f in futures]
        ips = [r for r in results if isinstance(r, str)]
        errors = [r for r in results if not isinstance(r, str)]
        assert len(ips) == hosts
        assert len(set(ips)) == hosts
        assert all(
            ipaddress.ip_address(ip) in ipaddress.ip_network("10.4.0.0/27")
            for ip in ips
        )
        assert len(errors) == attempts - hosts
        assert all(isinstance(e, exception.Conflict) for e in errors), errors
