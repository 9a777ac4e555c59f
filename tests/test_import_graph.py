"""The modules of ``sim/`` import each other without a cycle (docs/decisions.md: ``sim/dates.py``).

Edges are the imports a module runs when it is loaded (statements outside functions), plus the
parent packages of every module imported, whose ``__init__`` runs first: importing
``sim.scenario.x`` runs ``sim/scenario/__init__.py``. A function-level import does not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parents[1] / "sim"


def _modules(pkg: Path) -> dict[str, Path]:
    out = {}
    for f in pkg.rglob("*.py"):
        parts = list(f.relative_to(pkg.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


def _load_time_imports(tree: ast.Module):
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(c for c in ast.iter_child_nodes(node)
                     if isinstance(c, (ast.stmt, ast.excepthandler)))


def import_graph(pkg: Path = SIM) -> dict[str, set[str]]:
    """Module -> modules of ``pkg`` it runs when loaded (dotted names)."""
    mods = _modules(pkg)
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        here = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in _load_time_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                base = here[:len(here) - node.level + 1] if node.level else []
                stem = ".".join(base + ([node.module] if node.module else []))
                names = [stem] + [f"{stem}.{a.name}" for a in node.names]
            for name in names:
                parts = name.split(".")
                for k in range(1, len(parts) + 1):
                    target = ".".join(parts[:k])
                    # a module's own parent packages are initialised before it: not an edge
                    if target in mods and target != mod and not mod.startswith(target + "."):
                        graph[mod].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:  # on the current path: a cycle
                return [*path, node][[*path, node].index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, [*path, node])):
                return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [])):
            return found
    return None


def test_sim_modules_import_without_a_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_a_cycle_through_a_package_init_is_found(tmp_path):
    # the layout this refactor avoided: sim/levers.py importing sim/scenario/dates.py runs
    # sim/scenario/__init__.py, which imports the schema, which imports levers
    pkg = tmp_path / "sim"
    (pkg / "scenario").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "levers.py").write_text("from .scenario.dates import parse_date\n")
    (pkg / "scenario" / "dates.py").write_text("import math\n")
    (pkg / "scenario" / "__init__.py").write_text("from .dates import parse_date\n"
                                                  "from .schema import Scenario\n")
    (pkg / "scenario" / "schema.py").write_text("from ..levers import Lever\n")
    cycle = find_cycle(import_graph(pkg))
    assert cycle is not None and {"sim.levers", "sim.scenario", "sim.scenario.schema"} <= set(cycle)
    # the same import inside a function is not a load-time edge
    (pkg / "scenario" / "schema.py").write_text("def f():\n    from ..levers import Lever\n")
    assert find_cycle(import_graph(pkg)) is None


def test_levers_import_only_the_dates_leaf_from_sim():
    graph = import_graph()
    assert graph["sim.policy.levers"] <= {"sim.dates", "sim"}
    assert "sim.dates" in graph["sim.policy.levers"]
    assert graph["sim.dates"] <= {"sim"}


def test_the_economics_imports_no_model():
    # sim/economy is pure array functions: it may import itself and numpy/scipy, nothing of the
    # model, its agents, the policy components, scenarios or outputs; and the switch of the
    # compiled kernels (sim/jit.py), a leaf that imports nothing of sim
    graph = import_graph()
    economy = [m for m in graph if m == "sim.economy" or m.startswith("sim.economy.")]
    assert len(economy) >= 6
    assert graph["sim.jit"] <= {"sim"}
    for mod in economy:
        outside = {d for d in graph[mod] if d not in ("sim", "sim.jit") and not d.startswith("sim.economy")}
        assert not outside, (mod, outside)
