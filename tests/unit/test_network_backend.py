"""The network backend interface: what a backend without the newer calls answers.

The floating IP calls and ``unbind_port`` came with interface attach and
floating IPs; a backend that does not implement them still loads and
answers a 409 naming itself and what it cannot do, and interface attach
is refused up front (its failure could not release the port).
"""

from collections.abc import Sequence

import pytest

from mogan import context as mogan_context
from mogan import exception
from mogan.network import base, embedded


class Minimal(base.NetworkBackend):
    """Only the abstract calls, as an older backend."""

    def get_network(self, ctx, network_id) -> base.NetworkInfo:
        """Unused."""
        raise NotImplementedError

    def check_requests(
        self, ctx, requests: Sequence[base.PortRequest]
    ) -> list[base.PortRequest]:
        """Unused."""
        raise NotImplementedError

    def ports_that_fit(self, ctx, project_id) -> int | None:
        """Unused."""
        raise NotImplementedError

    def bind(self, ctx, server_uuid, request, binding, project_id) -> base.Nic:
        """Unused."""
        raise NotImplementedError

    def unbind_all(self, ctx, server_uuid) -> None:
        """Unused."""
        raise NotImplementedError


CTX = mogan_context.RequestContext(user_id="u", project_id="p", roles=["member"])
FIP = base.FloatingIp("f", "172.24.4.2", "n", "p", None, None)


class TestDefaults:
    @pytest.mark.parametrize(
        ("call", "what"),
        [
            (lambda b: b.find_floating_ip(CTX, "172.24.4.2"), "map floating IPs"),
            (
                lambda b: b.associate_floating_ip(CTX, FIP, "port", "10.0.0.2"),
                "map floating IPs",
            ),
            (lambda b: b.disassociate_floating_ip(CTX, FIP), "map floating IPs"),
            (lambda b: b.unbind_port(CTX, "server", "port"), "detach one interface"),
        ],
    )
    def test_missing_calls_are_a_409_naming_the_backend(self, call, what):
        """NetworkCannot (409, mogan.network.unsupported) says which and what."""
        with pytest.raises(exception.NetworkCannot) as caught:
            call(Minimal())
        assert caught.value.message == (
            f"The test_network_backend network backend cannot {what}."
        )
        assert caught.value.code == "mogan.network.unsupported"
        assert isinstance(caught.value, exception.Conflict)

    def test_only_backends_that_release_one_port_attach_interfaces(self):
        """can_unbind_port tells whether unbind_port is the backend's own."""
        assert Minimal().can_unbind_port() is False
        assert embedded.EmbeddedNetworkBackend().can_unbind_port() is True
