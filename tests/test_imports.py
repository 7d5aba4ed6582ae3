"""The host and the built-in plugins import no circle, and plugins use only the host's public API."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: import name -> folder (the repository keeps its layout; pyproject maps the names)
PACKAGES = {"newsdesk": ROOT / "service", **{f"newsdesk_{p.name}": p for p in (ROOT / "plugins").iterdir()
                                              if (p / "__init__.py").exists()}}


def _modules() -> dict[str, Path]:
    out = {}
    for name, folder in PACKAGES.items():
        for f in folder.rglob("*.py"):
            parts = list(f.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([name, *parts])] = f
    return out


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    """Every module of ours that ``module`` imports, at module level or inside functions."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for n in names:
            while n and n not in known:  # ``from x import name`` names a module or something in one
                n = n.rpartition(".")[0]
            if n and n != module:
                found.add(n)
    return found


def _graph():
    mods = _modules()
    return {m: _imports(m, p, set(mods)) for m, p in mods.items()}


def test_no_import_circle():
    graph = _graph()
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, f"import circles: {cycles}"


def test_plugins_import_only_the_public_api_of_the_host():
    graph = _graph()
    bad = {m: sorted(i for i in imports if i.startswith("newsdesk.") or
                     (i.split(".")[0] != m.split(".")[0] and i.startswith("newsdesk_")))
           for m, imports in graph.items() if m.startswith("newsdesk_")}
    assert not {m: b for m, b in bad.items() if b}, bad


def test_the_graph_sees_imports():  # the two tests above would pass on an empty graph
    graph = _graph()
    assert "newsdesk" in graph["newsdesk_dates"]
    assert "newsdesk_quotes.extract" in graph["newsdesk_quotes"]
