"""The shape of the `forum` package: its import graph has no cycle, and no feature imports
another feature's views (shared helpers live in neutral modules such as forum.http,
forum.text and forum.permissions). Built from the source with `ast`, so an import inside a
function counts like one at the top; only a module's `if __name__ == "__main__":` block is
left out, since importing the module never runs it."""

import ast
from pathlib import Path

import pytest

FORUM = Path(__file__).resolve().parents[2] / "forum"
VIEW_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def module_files(root: Path = FORUM) -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imported_names(module: str, path: Path, node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    # `from forum.board import pages` names the module forum.board.pages when it exists.
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _top_level_main_blocks(tree: ast.Module) -> set[int]:
    """The ids of the nodes under `if __name__ == "__main__":` at module level."""
    skipped = set()
    for statement in tree.body:
        test = getattr(statement, "test", None)
        if (isinstance(statement, ast.If) and isinstance(test, ast.Compare)
                and isinstance(test.left, ast.Name) and test.left.id == "__name__"):
            skipped.update(id(node) for node in ast.walk(statement))
    return skipped


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports, anywhere in its body."""
    graph = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _top_level_main_blocks(tree)
        targets = set()
        for node in ast.walk(tree):
            if id(node) in skipped or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = _imported_names(module, path, node)
            if isinstance(node, ast.ImportFrom):
                named = [name for name in names[:-1] if name in modules]
                # names that aren't modules (functions, classes) come from the module itself
                if len(named) < len(names) - 1:
                    named.append(names[-1])
                names = named
            for name in names:
                known = name
                while known and known not in modules:
                    known = known.rpartition(".")[0]
                if known and known != module:
                    targets.add(known)
        graph[module] = targets
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def view_modules(modules: dict[str, Path]) -> set[str]:
    """Modules that attach views to a blueprint (`@bp.route`, `@bp.get`, …)."""
    views = set()
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                call = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(call, ast.Attribute) and call.attr in VIEW_DECORATORS \
                        and isinstance(call.value, ast.Name) and call.value.id == "bp":
                    views.add(module)
    return views


def feature_of(module: str, modules: dict[str, Path]) -> str | None:
    """`forum.board.pages` and `forum.board` -> `forum.board`; forum's own modules belong to
    no feature."""
    parts = module.split(".")
    if len(parts) == 2 and modules[module].name != "__init__.py":
        return None
    return ".".join(parts[:2])


@pytest.fixture(scope="module")
def modules():
    return module_files()


@pytest.fixture(scope="module")
def graph(modules):
    return import_graph(modules)


def test_the_graph_sees_top_level_and_function_level_imports(graph):
    assert "forum.board.queries" in graph["forum.board.routes"]  # at the top of the module
    assert "forum.commands" in graph["forum.app"]  # inside register_commands()
    assert "forum.board.routes" in graph["forum.app"]  # `import forum.board.routes`
    assert "forum.mail.kinds" in graph["forum.mail"]  # `from forum.mail.kinds import KINDS`


def test_the_cycle_finder_finds_a_cycle_through_a_lazy_import(tmp_path):
    package = tmp_path / "forum"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from forum import b\n")
    (package / "b.py").write_text("def late():\n    from forum.c import thing\n")
    (package / "c.py").write_text("import forum.a\nthing = 1\n")
    (package / "d.py").write_text("if __name__ == '__main__':\n    from forum import a\n")
    (package / "e.py").write_text("from forum.d import x\n")
    graph = import_graph(module_files(package))
    assert find_cycles(graph) == [["forum.a", "forum.b", "forum.c"]]
    assert graph["forum.d"] == set()
    assert graph["forum.e"] == {"forum.d"}


def test_the_import_graph_of_forum_has_no_cycle(graph):
    assert len(graph) > 100
    cycles = find_cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(
        " ".join(f"{module} -> {sorted(graph[module] & set(cycle))};" for module in cycle)
        for cycle in cycles)


def test_no_feature_imports_another_features_views(modules, graph):
    views = view_modules(modules)
    assert {"forum.board.routes", "forum.auth.account", "forum.moderation.members",
            "forum.api.predictions"} <= views
    crossings = sorted(
        (module, target) for module, targets in graph.items() for target in targets
        if target in views and module != "forum.app"
        and feature_of(module, modules) != feature_of(target, modules)
    )
    assert crossings == []
