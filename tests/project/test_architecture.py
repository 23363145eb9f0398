"""The layers of the package, checked from the code's own imports (DESIGN.md, "The layers").

Every import statement of autograd/ and nn/ is read with ``ast``, function-level imports included
and ``if TYPE_CHECKING:`` blocks left out (they never run). From them:

- the engine (autograd/core/) imports nothing outside itself and the standard library;
- no module imports another module's private (underscore) name;
- no import cycle anywhere in autograd/ and nn/;
- each optional package is imported only in the layer that needs it;
- ``import autograd, nn`` loads none of the optional packages (checked in a fresh interpreter).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("autograd", "nn")

#: Where each optional package may be imported (a module path, or a folder ending in "/").
OPTIONAL = {
    "graphviz": ("autograd/viz/", "nn/network_view.py"),
    "numpy": ("autograd/replay/batched_nodes.py", "nn/batch_replay.py"),
    "torch": ("autograd/pytorch/", "nn/bridge.py"),
    "sympy": ("autograd/transforms/symbolic.py",),
    "hypothesis": ("autograd/testing.py",),
    "tqdm": ("nn/training.py",),
    "ipywidgets": ("autograd/viz/",),
    "IPython": ("autograd/viz/", "autograd/explain.py", "autograd/gradcheck/"),
}


@dataclass(frozen=True)
class Import:
    """One import: which module imports which, and the names it takes."""

    source: str  # the importing module, e.g. "autograd.core.value"
    path: str  # its file, relative to the repository root
    target: str  # the imported module (for ``from x import y``: x, or x.y when y is a module)
    names: tuple[str, ...]
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def statements(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: TYPE_CHECKING blocks are skipped, one walk."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and is_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found


def imports_of(path: Path, modules: set[str]) -> list[Import]:
    source = module_name(path)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    found = []
    for node in statements(ast.parse(path.read_text(), str(path))):
        relative = path.relative_to(ROOT).as_posix()
        if isinstance(node, ast.Import):
            found += [Import(source, relative, alias.name, (), node.lineno) for alias in node.names]
            continue
        if node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        names = tuple(alias.name for alias in node.names)
        submodules = [f"{target}.{name}" for name in names if f"{target}.{name}" in modules]
        if submodules:
            found += [Import(source, relative, module, (), node.lineno) for module in submodules]
        else:
            found.append(Import(source, relative, target, names, node.lineno))
    return found


def all_imports() -> list[Import]:
    files = [path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]
    modules = {module_name(path) for path in files}
    return [item for path in files for item in imports_of(path, modules)]


IMPORTS = all_imports()
MODULES = {item.source for item in IMPORTS} | {module_name(path) for package in PACKAGES
                                               for path in (ROOT / package).rglob("*.py")}


def ours(target: str) -> bool:
    return target.split(".")[0] in PACKAGES


def where(item: Import) -> str:
    return f"{item.path}:{item.line} imports {item.target}"


def test_the_core_imports_only_itself_and_the_standard_library() -> None:
    wrong = [where(item) for item in IMPORTS if item.source.startswith("autograd.core")
             and not (item.target.startswith("autograd.core")
                      or item.target.split(".")[0] in sys.stdlib_module_names
                      or item.target == "__future__")]
    assert wrong == []


def test_no_module_imports_another_modules_private_name() -> None:
    wrong = [f"{where(item)}: {name}" for item in IMPORTS if ours(item.target)
             for name in item.names if name.startswith("_") and not name.startswith("__")]
    assert wrong == []


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
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
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycle_in_autograd_and_nn() -> None:
    edges: dict[str, set[str]] = {module: set() for module in MODULES}
    for item in IMPORTS:
        if item.target in MODULES and item.target != item.source:
            edges[item.source].add(item.target)
    assert cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("package", sorted(OPTIONAL))
def test_optional_packages_are_imported_only_in_their_layer(package: str) -> None:
    allowed = OPTIONAL[package]
    wrong = [where(item) for item in IMPORTS if item.target.split(".")[0] == package
             and not any(item.path == place or (place.endswith("/") and item.path.startswith(place))
                         for place in allowed)]
    assert wrong == []


def test_importing_the_packages_loads_no_optional_package() -> None:
    script = ("import sys, autograd, nn\n"
              f"print(sorted(name for name in {sorted(OPTIONAL)!r} if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"
