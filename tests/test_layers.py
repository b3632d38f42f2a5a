"""The core package src/trafficshift/ imports no Salt, NAPALM or router lab code, nor the packages that do
(saltext.trafficshift, trafficshift_lab). Checked on the source with `ast`, without importing anything."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "src" / "trafficshift"
FORBIDDEN = {"salt", "napalm", "routerlab", "saltext", "trafficshift_lab"}
#: file (relative to CORE) -> the modules it may import despite FORBIDDEN, and why
EXEMPT = {
    # compatibility shim: deployed pillars name `provider: trafficshift.napalm_provider`, and saltext-napalm
    # imports that name; the provider itself lives in saltext.trafficshift.napalm_provider
    "napalm_provider.py": {"saltext.trafficshift.napalm_provider", "saltext.trafficshift"},
}


def imported_modules(tree: ast.AST):
    """(line, absolute module name) of every `import x` and `from x import ...`; relative imports skipped."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def test_core_package_imports_no_salt_napalm_or_routerlab():
    files = sorted(CORE.rglob("*.py"))
    assert files, f"no Python files under {CORE}"
    offending = []
    for path in files:
        allowed = EXEMPT.get(path.relative_to(CORE).as_posix(), set())
        for line, module in imported_modules(ast.parse(path.read_text(), filename=str(path))):
            if module.split(".")[0] in FORBIDDEN and module not in allowed:
                offending.append(f"{path.relative_to(CORE.parents[1])}:{line}: {module}")
    assert not offending, "src/trafficshift/ must not import salt, napalm, routerlab, saltext or " \
                          "trafficshift_lab:\n" + "\n".join(offending)


def _module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """module -> the core modules it imports (function-level imports included). Importing a.b.c also runs
    the package a.b's __init__, so it counts as importing a.b too, except from inside a.b itself."""
    paths = {_module_name(path): path for path in sorted(CORE.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)
        edges: set[str] = set()
        for target in targets:
            while target:
                if target in paths and not (name == target or name.startswith(target + ".")):
                    edges.add(target)
                target = target.rpartition(".")[0]
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_core_package_has_no_import_cycles():
    graph = _import_graph()
    assert "trafficshift.model.projection" in graph["trafficshift.planner.core"]
    cycles = _cycles(graph)
    assert not cycles, "import cycles in src/trafficshift/:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_check_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]
