"""The layering rule (docs/architecture.md), checked on the code as it is.

``lint-imports`` (run by ``make test``) checks the direction of imports between packages; these
tests check what it does not: no cycle among first-party modules anywhere, and no first-party
import hidden inside a function (the way one dodges a cycle) except where loading lazily is the
point and says so.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("akhbar", "samples", "pipelines", "crawler", "index", "core")
# Modules that import first-party code inside functions on purpose, and why.
LAZY = {
    "akhbar.cli": "each command loads its own stack: `akhbar --help` must not import Scrapy or the web app",
    "index.backends": "only the chosen backend's client is imported",
}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iteratively)."""
    # A package's __init__ importing its own submodules is how packages re-export, not a cycle.
    def edges(m: str) -> set[str]:
        return {d for d in graph.find_modules_directly_imported_by(m) if not m.startswith(d + ".")
                and not d.startswith(m + ".")}

    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(edges(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_no_import_cycles_among_first_party_modules():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle(tmp_path, monkeypatch):
    """The check above could fail: a two-module cycle in a throwaway package is found."""
    pkg = tmp_path / "cyc"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cyc import b\n")
    (pkg / "b.py").write_text("def f():\n    from cyc import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("cyc")) == [["cyc.a", "cyc.b"]]


def _imports_in_functions(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
                found += [(node.lineno, n) for n in names if n.split(".")[0] in PACKAGES]
    return found


def test_first_party_imports_sit_at_the_top_of_modules():
    hidden = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            if module in LAZY:
                continue
            hidden += [f"{module}:{line} imports {name}" for line, name in _imports_in_functions(path)]
    assert hidden == []


def test_the_import_contract_is_kept():
    """The contract in pyproject.toml, run the way `make test` runs it."""
    import subprocess
    import sys

    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.split("Contracts:")[-1].replace("0 broken", "")


def test_the_cli_loads_no_crawler_or_web_stack_until_a_command_needs_it():
    """``akhbar search`` or ``--help`` should not pay for Scrapy, Twisted or FastAPI (each command
    imports what it runs, akhbar/cli.py): checked in a fresh interpreter, since this one has them."""
    import subprocess
    import sys

    code = ("import sys, akhbar.cli; print(' '.join(sorted(m for m in ('scrapy', 'twisted', 'fastapi', 'starlette',"
            " 'trafilatura') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == []
