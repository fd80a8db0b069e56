"""The embedded IPAM's address arithmetic (``mogan.network.ipam``), no DB."""

import ipaddress
import itertools

import pytest

from mogan.network import ipam


class TestParseCidr:
    @pytest.mark.parametrize(
        ("cidr", "expected"),
        [
            ("10.0.0.0/24", "10.0.0.0/24"),
            (" 192.168.0.0/30 ", "192.168.0.0/30"),
            ("2001:DB8::/64", "2001:db8::/64"),
        ],
    )
    def test_valid_networks_are_canonical(self, cidr, expected):
        """IPv4 and IPv6 CIDRs parse to their canonical network."""
        assert expected == str(ipam.parse_cidr(cidr))

    @pytest.mark.parametrize(
        ("cidr", "words"),
        [
            ("10.0.0.0", "CIDR notation"),
            ("10.0.0.5/24", "host bits"),
            ("10.0.0.0/33", "not a valid"),
            ("nope/8", "not a valid"),
            ("10.0.0.0/31", "too small"),
            ("2001:db8::/127", "too small"),
        ],
    )
    def test_unusable_networks_are_refused_with_a_reason(self, cidr, words):
        """Malformed, host-bit or too-small networks raise ValueError saying why."""
        with pytest.raises(ValueError, match=words):
            ipam.parse_cidr(cidr)


class TestGateway:
    network = ipaddress.ip_network("10.0.0.0/24")

    def test_default_is_the_first_host(self):
        """The default gateway is the network's first host address."""
        assert str(ipam.default_gateway(self.network)) == "10.0.0.1"
        v6 = ipaddress.ip_network("2001:db8::/64")
        assert str(ipam.default_gateway(v6)) == "2001:db8::1"

    def test_address_inside_is_accepted(self):
        """An address inside the network is a valid gateway."""
        assert str(ipam.check_gateway(self.network, "10.0.0.254")) == "10.0.0.254"

    @pytest.mark.parametrize(
        ("gateway", "words"),
        [
            ("10.0.1.1", "not inside"),
            ("2001:db8::1", "not inside"),
            ("10.0.0.0", "network or broadcast"),
            ("10.0.0.255", "network or broadcast"),
            ("gw", "not a valid IP"),
        ],
    )
    def test_bad_gateways_are_refused(self, gateway, words):
        """Gateways outside the network or on its edges raise ValueError."""
        with pytest.raises(ValueError, match=words):
            ipam.check_gateway(self.network, gateway)


class TestCandidates:
    def test_lowest_first_skipping_gateway_and_taken(self):
        """Candidates start at the lowest host and skip the gateway and taken ones."""
        network = ipaddress.ip_network("10.0.0.0/29")
        free = ipam.candidates(network, "10.0.0.1", {"10.0.0.3"})
        assert [str(a) for a in free] == [
            "10.0.0.2",
            "10.0.0.4",
            "10.0.0.5",
            "10.0.0.6",
        ]

    def test_ipv6_skips_subnet_router_address_and_is_lazy(self):
        """A /64 yields from ::1 upward without walking the whole network."""
        network = ipaddress.ip_network("2001:db8::/64")
        first = itertools.islice(ipam.candidates(network, None, set()), 2)
        assert [str(a) for a in first] == ["2001:db8::1", "2001:db8::2"]

    def test_full_network_yields_nothing(self):
        """When every host is taken or the gateway, there are no candidates."""
        network = ipaddress.ip_network("10.0.0.0/30")
        assert list(ipam.candidates(network, "10.0.0.1", {"10.0.0.2"})) == []


class TestDescribe:
    def test_ipv6_entry_carries_prefix_and_mask(self):
        """An IPv6 fixed IP entry has version 6, prefix length and netmask."""
        network = ipaddress.ip_network("2001:db8::/64")
        entry = ipam.describe(network, ipaddress.ip_address("2001:db8::5"), None)
        assert entry == {
            "ip_address": "2001:db8::5",
            "version": 6,
            "cidr": "2001:db8::/64",
            "prefixlen": 64,
            "netmask": "ffff:ffff:ffff:ffff::",
            "gateway": None,
        }
