"""The import graph of ``mogan``: no cycles, and the engine's one entry point.

import-linter (``lint-imports``) enforces the layers; these tests read the
same graph (grimp, which import-linter is built on) to prove what a layers
contract cannot: that no two modules import each other, even lazily inside
a function, and that nothing outside the engine reaches past its RPC client.
"""

import grimp
import pytest

ENGINE = "mogan.engine"
# NOTE: the composition roots start the engine service itself.
ENGINE_STARTERS = frozenset({"mogan.cmd.engine", "mogan.cmd.all_in_one"})


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    """Mogan's import graph, as import-linter builds it."""
    return grimp.build_graph("mogan", exclude_type_checking_imports=True)


def _edges(graph: grimp.ImportGraph) -> dict[str, list[str]]:
    return {
        module: sorted(graph.find_modules_directly_imported_by(module))
        for module in sorted(graph.modules)
        if module.startswith("mogan")
    }


def cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Each import ``a -> b`` for which ``b`` leads back to ``a``, as the loop."""
    found = []
    for importer, imports in _edges(graph).items():
        for imported in imports:
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                found.append((importer, *back))
    return found


def _graph(edges: dict[str, list[str]]) -> grimp.ImportGraph:
    made = grimp.ImportGraph()
    for importer, imports in edges.items():
        made.add_module(importer)
        for imported in imports:
            made.add_import(importer=importer, imported=imported)
    return made


class TestCycles:
    def test_finder_sees_a_cycle(self):
        """The finder itself: a two- and a three-module loop are reported."""
        loops = {
            "mogan.a": ["mogan.b"],
            "mogan.b": ["mogan.a", "mogan.c"],
            "mogan.c": ["mogan.d"],
            "mogan.d": ["mogan.c"],
        }
        found = cycles(_graph(loops))
        assert ("mogan.a", "mogan.b", "mogan.a") in found
        assert ("mogan.c", "mogan.d", "mogan.c") in found
        assert len(found) == 4
        straight = {"mogan.a": ["mogan.b"], "mogan.b": ["mogan.c"]}
        assert cycles(_graph(straight)) == []

    def test_no_module_of_mogan_is_in_an_import_cycle(self, graph):
        """Not even through a function-level import."""
        assert len(graph.modules) > 100
        assert cycles(graph) == []


class TestEngineEntryPoint:
    def test_only_rpcapi_is_imported_from_outside_the_engine(self, graph):
        """Services and the API reach the engine through ``engine.rpcapi`` only."""
        reached = {
            (importer, imported)
            for importer, imports in _edges(graph).items()
            for imported in imports
            if imported.startswith(f"{ENGINE}.")
            and not importer.startswith(f"{ENGINE}.")
            and importer not in ENGINE_STARTERS
        }
        assert reached
        assert {imported for _, imported in reached} == {f"{ENGINE}.rpcapi"}

    def test_services_never_import_the_engine(self, graph):
        """The engine sits above the services (it injects itself as a notifier)."""
        assert "mogan.services.server" in graph.modules
        chains = graph.find_shortest_chains(
            importer="mogan.services", imported=ENGINE, as_packages=True
        )
        assert chains == set()
        # NOTE: the same question upward must find the engine's use of them.
        assert graph.find_shortest_chains(
            importer=ENGINE, imported="mogan.services", as_packages=True
        )
