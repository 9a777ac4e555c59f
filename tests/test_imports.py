"""Every module under sim/ imports, and no two sim modules import each other, directly or through
others (an import cycle). The graph is built from the source (``ast``): every ``import`` and
``from … import`` statement, at the top or inside a function, absolute or relative; an edge goes to
the module named, or to the submodule when ``from package import name`` names one."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import sim

SIM = Path(sim.__file__).resolve().parent
# imported by `solara run` only: it builds the dashboard page (and needs the dashboard extra)
NOT_IMPORTED = {"sim.dashboard.app"}


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(sim.__path__, "sim."))


def _sources() -> dict[str, Path]:
    """Module name -> file, for every .py under sim/ (a package is its __init__.py)."""
    out = {}
    for f in SIM.rglob("*.py"):
        parts = f.relative_to(SIM.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def import_graph() -> dict[str, set[str]]:
    """sim module -> the sim modules it imports (anywhere in its source)."""
    src = _sources()
    graph: dict[str, set[str]] = {m: set() for m in src}

    def target(name: str) -> str | None:  # the longest known module that ``name`` starts with
        parts = name.split(".")
        for k in range(len(parts), 0, -1):
            cand = ".".join(parts[:k])
            if cand in src:
                return cand
        return None

    for mod, path in src.items():
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package.split(".")
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in src else base for a in node.names]
            for n in names:
                t = target(n) if n.split(".")[0] == "sim" else None
                if t is not None and t != mod:
                    graph[mod].add(t)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[frozenset[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("name", [m for m in _modules() if m not in NOT_IMPORTED])
def test_every_sim_module_imports(name):
    assert importlib.import_module(name).__name__ == name


def test_walk_finds_every_source_file():
    """pkgutil and the file system agree (no folder under sim/ without an __init__.py)."""
    assert set(_modules()) | {"sim"} == set(_sources())


def test_the_graph_sees_relative_absolute_and_lazy_imports():
    g = import_graph()
    assert "sim.outputs.targets" in g["sim.outputs.summary"]  # `from .targets import` at the top
    assert "sim.outputs.execute" in g["sim.cli"]  # `from .outputs.execute import` inside a function
    assert "sim.outputs.metrics" in g["sim.outputs.execute"]  # `from .metrics import` inside a function
    assert "sim.dashboard.page" in g["sim.dashboard.app"]  # absolute
    assert "sim.checks.figures" in g["sim.checks.validate"]  # `from . import figures`
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [frozenset("abc")]


def test_no_import_cycle_among_sim_modules():
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(sorted(c)) for c in found)
