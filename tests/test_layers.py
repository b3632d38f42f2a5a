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
