"""No import cycles outside the packages create_app imports up front (see test_import_races.py).

Two threads importing modules of one cycle from two ends deadlock on CPython's import locks and
one of them gets a half-made module. The graph has an edge from each module to what it imports
at module level (not inside functions or ``if TYPE_CHECKING``) and to its parent package, which
Python imports first.
"""
from __future__ import annotations

import ast
from pathlib import Path

from tests.test_import_races import EAGER, LEAVES

ROOT = Path(__file__).resolve().parent.parent


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "khuyenhoc_docs").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _module_level_imports(nodes: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If):
            test = ast.unparse(node.test)
            if "TYPE_CHECKING" in test or "__name__" in test:
                found += _module_level_imports(node.orelse)
            else:
                found += _module_level_imports(node.body) + _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            found += _module_level_imports(node.body + node.orelse + node.finalbody)
            for handler in node.handlers:
                found += _module_level_imports(handler.body)
        elif isinstance(node, ast.With):
            found += _module_level_imports(node.body)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each module of the project → the project modules its import needs first."""
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        parent = name.rpartition(".")[0]
        if parent in modules:
            graph[name].add(parent)
        package = name if path.name == "__init__.py" else parent
        for node in _module_level_imports(ast.parse(path.read_text()).body):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                module = ".".join(base + ([node.module] if node.module else []))
                targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found


def _allowed(component: set[str]) -> bool:
    """A package imported by create_app with its submodules, or a package with its leaves."""
    package = min(component, key=len)
    members = {m.removeprefix(f"{package}.") for m in component - {package}}
    return all(m.startswith(f"{package}.") for m in component - {package}) and (
        package in EAGER or members <= LEAVES.get(package, set()))


def test_the_cycle_finder_finds_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [{"a", "b", "c"}]


def test_the_graph_sees_a_package_importing_its_submodule():
    graph = import_graph()
    assert "khuyenhoc_docs.models.documents" in graph["khuyenhoc_docs.models"]
    assert "khuyenhoc_docs.signing" in graph["khuyenhoc_docs.signing.pki"]


def test_no_import_cycle_outside_the_packages_imported_up_front():
    assert [sorted(c) for c in cycles(import_graph()) if not _allowed(c)] == []
