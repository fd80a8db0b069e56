"""How the CLI prints structured values, as openstackclient does (issue 9, §7).

Mappings print as ``key='value', key2='value2'`` and server addresses as
``network=address`` in every text format (table, value, csv, shell), never
as Python reprs; JSON and YAML keep the structure. Addresses name their
networks in every format, resolved with one network listing per command.
"""

import csv
import io
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from mogan.db import models
from tests.conftest import MEMBER

NET_CIDR = "10.20.0.0/24"


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def out(result) -> str:
    """What a successful command printed on standard output."""
    assert result.code == 0, result.err
    return str(result.out)


def attach(database, server_uuid: str, network_id: str, address: str) -> None:
    """Give the server a NIC with one fixed address on ``network_id``."""
    with database.transaction() as session:
        session.add(
            models.ServerNic(
                port_id=f"port-{server_uuid}-{address}",
                server_uuid=server_uuid,
                mac_address="52:54:00:00:00:01",
                network_id=network_id,
                fixed_ips=[{"ip_address": address}],
            )
        )


def fail(database, server_uuid: str, message: str) -> None:
    """Put the server in error with a fault, as a failed build would."""
    with database.transaction() as session:
        session.add(
            models.ServerFault(server_uuid=server_uuid, code=500, message=message)
        )
        session.execute(
            sa.update(models.Server)
            .where(models.Server.uuid == server_uuid)
            .values(status="error")
        )


@pytest.fixture
def demo(mogan) -> dict[str, Any]:
    """A flavor, an image and the network demo-net, made by name."""
    flavor = ok(
        mogan(
            "flavor", "create", "bm.gold", "--resource", "CUSTOM_GOLD=1", "-f", "json"
        )
    )
    image = ok(
        mogan("image", "create", "ubuntu", "--url", "http://i.test/u.raw", "-f", "json")
    )
    network = ok(
        mogan("network", "create", "demo-net", "--cidr", NET_CIDR, "-f", "json")
    )
    return {"flavor": flavor, "image": image, "network": network}


@pytest.fixture
def make_server(mogan, demo, database):
    """Create a server on demo-net with the given address; its JSON."""

    def make(name: str, address: str, persona=None) -> dict[str, Any]:
        extra = {} if persona is None else {"persona": persona}
        server = ok(
            mogan(
                "server",
                "create",
                name,
                "--flavor",
                "bm.gold",
                "--image",
                "ubuntu",
                "--network",
                "demo-net",
                "-f",
                "json",
                **extra,
            )
        )
        attach(database, server["uuid"], demo["network"]["uuid"], address)
        return dict(server)

    return make


class TestAddresses:
    def test_value_format_names_the_network(self, mogan, make_server):
        """-f value prints demo-net=10.20.0.3, not a dict repr or a UUID."""
        make_server("web", "10.20.0.3")
        shown = mogan("server", "show", "web", "-f", "value", "-c", "addresses")
        assert out(shown) == "demo-net=10.20.0.3\n"

    def test_shell_format_names_the_network(self, mogan, make_server):
        """-f shell quotes the compact form."""
        make_server("web", "10.20.0.3")
        shown = mogan("server", "show", "web", "-f", "shell", "-c", "addresses")
        assert out(shown) == 'addresses="demo-net=10.20.0.3"\n'

    def test_csv_and_value_lists_name_the_network(self, mogan, make_server):
        """Server list -f csv / -f value print network=address per row."""
        make_server("web", "10.20.0.3")
        listed = mogan("server", "list", "-f", "csv", "-c", "Name", "-c", "Networks")
        rows = list(csv.reader(io.StringIO(out(listed))))
        assert rows == [["Name", "Networks"], ["web", "demo-net=10.20.0.3"]]
        value = mogan("server", "list", "-f", "value", "-c", "Networks")
        assert out(value) == "demo-net=10.20.0.3\n"

    def test_json_and_yaml_key_addresses_by_network_name(
        self, mogan, make_server, demo
    ):
        """JSON and YAML keep the mapping, keyed by the network's name."""
        make_server("web", "10.20.0.3")
        expected = {"demo-net": [{"addr": "10.20.0.3", "type": "fixed"}]}
        assert ok(mogan("server", "show", "web", "-f", "json"))["addresses"] == (
            expected
        )
        shown = yaml.safe_load(out(mogan("server", "show", "web", "-f", "yaml")))
        assert shown["addresses"] == expected
        listed = ok(mogan("server", "list", "-f", "json"))
        assert listed[0]["Networks"] == expected
        assert demo["network"]["uuid"] not in str(listed)

    def test_a_name_several_networks_share_keeps_the_uuid(
        self, mogan, make_server, demo
    ):
        """Two networks called demo-net: the address keeps its network's UUID."""
        server = make_server("web", "10.20.0.3")
        ok(
            mogan(
                "network", "create", "demo-net", "--cidr", "10.30.0.0/24", "-f", "json"
            )
        )
        shown = ok(mogan("server", "show", server["uuid"], "-f", "json"))
        assert list(shown["addresses"]) == [demo["network"]["uuid"]]

    def test_names_come_from_one_listing_whatever_the_server_count(
        self, mogan, make_server, recorder
    ):
        """Server list resolves names with one network listing, not one per server."""

        def network_requests() -> int:
            before = len(recorder.requests)
            out(mogan("server", "list"))
            return sum(
                r["PATH_INFO"].startswith("/v1/networks")
                for r in recorder.requests[before:]
            )

        make_server("web-1", "10.20.0.3")
        one = network_requests()
        make_server("web-2", "10.20.0.4")
        make_server("web-3", "10.20.0.5")
        assert network_requests() == one
        assert 1 <= one <= 2

    def test_another_projects_network_in_all_projects_list(self, mogan, make_server):
        """An admin's --all-projects list names a member's server's network too."""
        make_server("mine", "10.20.0.7", persona=MEMBER)
        listed = mogan(
            "server", "list", "--all-projects", "-f", "value", "-c", "Networks"
        )
        assert out(listed) == "demo-net=10.20.0.7\n"


class TestMappings:
    def test_flavor_resources_in_value_and_shell(self, mogan):
        """Resources prints as key='value' in -f value and -f shell."""
        ok(
            mogan(
                "flavor",
                "create",
                "gold",
                "--resource",
                "CUSTOM_GOLD=1",
                "--resource-aggregate",
                "rack=r1",
                "-f",
                "json",
            )
        )
        value = mogan("flavor", "show", "gold", "-f", "value", "-c", "resources")
        assert out(value) == "CUSTOM_GOLD='1'\n"
        shell = mogan("flavor", "show", "gold", "-f", "shell", "-c", "resources")
        assert out(shell) == "resources=\"CUSTOM_GOLD='1'\"\n"
        listed = mogan(
            "flavor", "list", "--long", "-f", "csv", "-c", "Resource Aggregates"
        )
        assert list(csv.reader(io.StringIO(out(listed))))[1] == ["rack='r1'"]

    def test_server_group_rules_in_value(self, mogan):
        """A server group's rules print as key='value' pairs."""
        out(mogan("server", "group", "create", "g", "--policy", "anti-affinity"))
        value = mogan("server", "group", "show", "g", "-f", "value", "-c", "rules")
        assert out(value) == "max_per_domain='1', scope='affinity_zone'\n"

    def test_fault_in_value(self, mogan, make_server, database):
        """A server's fault prints as key='value' pairs, not a dict repr."""
        server = make_server("web", "10.20.0.3")
        fail(database, server["uuid"], "disk on fire")
        value = out(mogan("server", "show", "web", "-f", "value", "-c", "fault"))
        assert "message='disk on fire'" in value
        assert "code='500'" in value
        assert "{" not in value

    def test_json_keeps_mappings(self, mogan):
        """JSON still carries mappings as mappings."""
        out(mogan("flavor", "create", "gold", "--resource", "CUSTOM_GOLD=1"))
        shown = ok(mogan("flavor", "show", "gold", "-f", "json"))
        assert shown["resources"] == {"CUSTOM_GOLD": 1}
