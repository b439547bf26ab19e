"""The package's shape, read from its imports: data flows one way.

blueprint (views, forms) → service (``voting.*``) → models / aggregation.
A blueprint never imports another blueprint, a view never builds SQL, the
aggregation package never imports Flask or SQLAlchemy, and no two modules
import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "voting"
#: Modules and packages that hold a blueprint: their views are theirs alone.
BLUEPRINTS = (
    "api",
    "auth",
    "delegate",
    "display",
    "facilitator",
    "main",
    "secretariat",
)
#: Modules of a blueprint package that are not views.
NOT_VIEWS = {"__init__", "cli", "forms"}
MAX_LINES = 420


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "static" not in path.parts
    }


def is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``): never run."""
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_nodes(tree: ast.AST):
    """Every node of ``tree`` except the body of ``if TYPE_CHECKING:`` blocks,
    whose imports serve annotations only and are no runtime dependency (their
    ``else:`` branch does run, and is kept)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if is_type_checking(node):
            todo.extend(node.orelse)
        else:
            todo.extend(ast.iter_child_nodes(node))


def imports(name: str, path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports (``from x import y`` gives
    ``x.y`` as well as ``x``, since ``y`` may be a module), at run time: imports
    under ``if TYPE_CHECKING:`` are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return found


def blueprint_of(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) > 1 and parts[0] == "voting" and parts[1] in BLUEPRINTS:
        return parts[1]
    return None


ALL = modules()


@pytest.mark.parametrize("name", [n for n in ALL if blueprint_of(n)])
def test_a_blueprint_imports_no_other_blueprint(name):
    mine = blueprint_of(name)
    others = {
        target
        for target in imports(name, ALL[name])
        if target in ALL and blueprint_of(target) not in (None, mine)
    }
    assert not others, f"{name} imports {sorted(others)}: move it into a service"


@pytest.mark.parametrize(
    "name",
    [n for n in ALL if blueprint_of(n) and ALL[n].stem not in NOT_VIEWS],
)
def test_a_view_module_builds_no_sql(name):
    found = {t for t in imports(name, ALL[name]) if t.split(".")[0] == "sqlalchemy"}
    assert not found, f"{name} imports {sorted(found)}: queries belong in a service"


@pytest.mark.parametrize("name", [n for n in ALL if n.startswith("voting.aggregation")])
def test_the_aggregation_package_stays_pure(name):
    roots = {t.split(".")[0] for t in imports(name, ALL[name])}
    assert not roots & {"flask", "flask_babel", "sqlalchemy", "flask_sqlalchemy"}
    assert not any(
        t.startswith("voting.") and not t.startswith("voting.aggregation")
        for t in imports(name, ALL[name])
        if t in ALL
    )


def test_no_module_imports_itself_back():
    """No cycle, counting imports inside functions too (a cycle hidden in a
    function is still two modules that need each other)."""
    graph = {
        name: {t for t in imports(name, path) if t in ALL} - {name}
        for name, path in ALL.items()
    }
    # A package imports its own modules (its __init__ re-exports them): only
    # an import back from a module into a module that imports it is a cycle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, trail):
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target) :] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


@pytest.mark.parametrize("name", list(ALL))
def test_no_module_outgrows_a_reading(name):
    lines = len(ALL[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it by area"


def test_the_guards_see_what_they_guard():
    """The readers above find real imports (a guard that reads nothing passes)."""
    found = imports("voting.api.ballot", ALL["voting.api.ballot"])
    assert "voting.delegates" in found
    assert blueprint_of("voting.delegate.routes") == "delegate"
    assert len([n for n in ALL if blueprint_of(n)]) >= len(BLUEPRINTS)


def test_annotation_only_imports_are_no_dependency(tmp_path):
    """Imports under ``if TYPE_CHECKING:`` are skipped, the rest still counts."""
    path = tmp_path / "mod.py"
    path.write_text(
        "import typing\n"
        "from typing import TYPE_CHECKING\n"
        "from .a import A\n"
        "if TYPE_CHECKING:\n"
        "    from .b import B\n"
        "if typing.TYPE_CHECKING:\n"
        "    import voting.c\n"
        "else:\n"
        "    import voting.d\n"
        "def f():\n"
        "    from .e import E\n",
        encoding="utf-8",
    )
    found = imports("voting.x.mod", path)
    assert {"voting.x.a", "voting.d", "voting.x.e"} <= found
    assert not {"voting.x.b", "voting.x.b.B", "voting.c"} & found
