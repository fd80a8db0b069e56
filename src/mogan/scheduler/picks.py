"""What the claiming loop asks of whatever it places servers on: nodes or blocks.

``claims.select_and_claim`` races, retries, keeps claims all or nothing
and keeps requests of one process off each other's providers; *what* a
server gets is a ``Target``'s business: one node (``candidates.Nodes``) or
a set of resource blocks within one zone (``blocks.Blocks``). Each server
gets a ``Pick``: the node uuid the scheduler answers with, and the
allocation claimed for it (provider -> class -> amount). What must not
live here: choosing (the targets) and claiming (``claims``).
"""

import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import orm


@dataclasses.dataclass(frozen=True, eq=False)
class Pick:
    """What one server is given.

    Attributes:
        node: the node uuid the server is answered with (a composed
            server's is the uuid its system will be enrolled under).
        allocation: the server's claim: provider uuid -> class -> amount.
    """

    node: str
    allocation: Mapping[str, Mapping[str, int]]

    @property
    def providers(self) -> frozenset[str]:
        """The providers the claim takes from."""
        return frozenset(self.allocation)


@dataclasses.dataclass
class Attempt:
    """The picks of one attempt, and what the target needs to explain a shortfall."""

    picks: list[Pick]
    context: Any = None
    group_rejected: bool = False


class Target(Protocol):
    """What servers are placed on, for ``claims.select_and_claim``."""

    def choose(
        self,
        session: orm.Session,
        count: int,
        *,
        avoid: frozenset[str],
        group: Any,
    ) -> Attempt:
        """Picks for up to ``count`` pending servers, on none of ``avoid``."""

    def record(self, session: orm.Session, claimed: Mapping[str, Pick]) -> None:
        """Note in Mogan's view that ``{server: pick}`` are claimed."""

    def learn(self, session: orm.Session, holders: Mapping[str, str | None]) -> None:
        """Note in the view who holds providers a claim lost ({provider: consumer})."""

    def held(
        self,
        session: orm.Session,
        allocations: Mapping[str, Mapping[str, Mapping[str, int]]],
    ) -> dict[str, Pick]:
        """The picks servers already hold ({server: allocation} read from Placement)."""

    def explain(self, session: orm.Session, attempt: Attempt, placed: int) -> str:
        """Why fewer than min_count servers fit, with counts, for people."""
